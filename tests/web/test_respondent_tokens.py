"""Migration 0003: invitations stored with clear tokens before it keep working, by hash only."""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from alembic import command

from effipia.store import Store
from effipia.store.engine import _config, make_engine


def test_migration_0003_replaces_clear_tokens_by_their_hash(db_url: str) -> None:
    engine = make_engine(db_url)
    with engine.connect().execution_options(sqlite_begin="EXCLUSIVE") as conn, conn.begin():
        cfg = _config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0002")
        conn.execute(sa.text("INSERT INTO campaigns (id, name, items, created_at) VALUES (1, 'v1', '[]', CURRENT_TIMESTAMP)"))
        conn.execute(sa.text("INSERT INTO campuses (campus_id, name) VALUES ('C1', 'Campus')"))
        for partner, token in (("P1", "clear-token-one"), ("P2", "clear-token-two")):
            conn.execute(sa.text("INSERT INTO partners (campaign_id, partner_id, campus_id) VALUES (1, :p, 'C1')"), {"p": partner})
            conn.execute(
                sa.text(
                    "INSERT INTO invitations (campaign_id, partner_id, campus_id, category, token, status, created_at, updated_at) "
                    "VALUES (1, :p, 'C1', 'lycee', :t, 'sent', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                ),
                {"p": partner, "t": token},
            )
    engine.dispose()
    store = Store(db_url)  # migrates to the head
    with store.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT partner_id, token_hash, token_salt, status FROM invitations ORDER BY partner_id")).all()
        columns = [c["name"] for c in sa.inspect(conn).get_columns("invitations")]
    assert "token" not in columns
    assert rows == [
        ("P1", hashlib.sha256(b"clear-token-one").hexdigest(), None, "sent"),
        ("P2", hashlib.sha256(b"clear-token-two").hexdigest(), None, "sent"),
    ]
    store.close()
