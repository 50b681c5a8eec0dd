"""Engine creation and programmatic Alembic migrations.

SQLite: WAL journal with ``synchronous = FULL`` (every commit is on disk before it returns:
an acknowledged web save survives a power cut, not only a killed process — see
docs/decisions.md), foreign keys on, and transactions begun explicitly so DDL is
transactional and the migration can take the write lock (``BEGIN EXCLUSIVE``)
before looking at the schema version — two processes opening a new store at once
then migrate one after the other. PostgreSQL: a transaction-scoped advisory lock.
"""

from __future__ import annotations

import re
from importlib.resources import files

import sqlalchemy as sa
from sqlalchemy import event

# Alembic (and Mako behind it) is imported only when a store is not at the shipped head:
# opening a current store reads the version with one SELECT (about 0,6 s less per command).

__all__ = ["make_engine", "migrate", "head_revision"]

_PG_MIGRATION_LOCK = 7_315_290_411  # arbitrary constant key for pg_advisory_xact_lock


def make_engine(url: str | sa.URL) -> sa.Engine:
    """Create the engine for ``url`` with the SQLite settings installed."""
    url = sa.make_url(url)
    if url.get_backend_name() != "sqlite":
        return sa.create_engine(url)
    engine = sa.create_engine(url, connect_args={"timeout": 60})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # pragma: no cover - trivial
        dbapi_connection.isolation_level = None  # the driver must not begin transactions itself
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        if url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
        # FULL, not NORMAL: with WAL, NORMAL survives a killed process but may lose the last
        # commits on a power cut, and an acknowledged page save must never be lost.
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "")
        connection.exec_driver_sql(f"BEGIN {mode}".strip())

    return engine


def _config():
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(files("effipia.store") / "alembic"))
    return cfg


def head_revision() -> str | None:
    """The newest migration shipped with the package."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config()).get_current_head()


def _current(connection: sa.Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def _shipped_head() -> str | None:
    """The head revision read from the migration files' ``revision`` / ``down_revision``
    lines without Alembic: the one revision no other file names as its down revision
    (``None`` when the files do not give exactly one; Alembic then decides)."""
    revisions, downs = set(), set()
    for path in (files("effipia.store") / "alembic" / "versions").iterdir():
        if not path.name.endswith(".py"):
            continue
        text = path.read_text(encoding="utf-8")
        revision = re.search(r"^revision\s*=\s*[\"']([^\"']+)[\"']\s*$", text, re.M)
        down = re.search(r"^down_revision\s*=\s*(.+)$", text, re.M)
        if revision is None or down is None:
            return None
        revisions.add(revision.group(1))
        downs.update(re.findall(r"[\"']([^\"']+)[\"']", down.group(1)))
    heads = revisions - downs
    return heads.pop() if len(heads) == 1 else None


def _stored_revision(connection: sa.Connection) -> str | None:
    """The store's single ``alembic_version`` row, by plain SQL (``None``: no table, or not
    exactly one row)."""
    if not sa.inspect(connection).has_table("alembic_version"):
        return None
    rows = connection.execute(sa.text("SELECT version_num FROM alembic_version")).all()
    return rows[0][0] if len(rows) == 1 else None


def migrate(engine: sa.Engine) -> bool:
    """Bring the database to the newest migration; return True when something was applied."""
    shipped = _shipped_head()
    if shipped is not None:
        with engine.connect() as connection:
            if _stored_revision(connection) == shipped:  # current: no Alembic import
                return False
    head = head_revision()
    with engine.connect() as connection:
        if _current(connection) == head:
            return False
    with engine.connect().execution_options(sqlite_begin="EXCLUSIVE") as connection:
        with connection.begin():
            if connection.dialect.name == "postgresql":
                connection.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
            if _current(connection) == head:  # another process migrated while we waited
                return False
            from alembic import command

            cfg = _config()
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, "head")
    return True
