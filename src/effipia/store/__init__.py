"""Persistent storage: SQLAlchemy 2 models, Alembic migrations, and the frame-level Store API."""

from effipia.store.api import INVITATION_STATUSES, INVITATION_STORE_COLUMNS, PARTNER_STORE_COLUMNS, Store, WriteStats

__all__ = ["Store", "WriteStats", "PARTNER_STORE_COLUMNS", "INVITATION_STATUSES", "INVITATION_STORE_COLUMNS"]
