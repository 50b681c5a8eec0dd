"""Persistent storage: SQLAlchemy 2 models, Alembic migrations, and the frame-level Store API."""

from effipia.store.api import INVITATION_STATUSES, PARTNER_STORE_COLUMNS, Store, WriteStats

__all__ = ["Store", "WriteStats", "PARTNER_STORE_COLUMNS", "INVITATION_STATUSES"]
