"""Invitation tokens kept only as a hash; web questionnaire drafts and page saves.

The personal token of each invitation stored so far in clear is replaced by its SHA-256:
links already sent keep working, but a copy of the database opens no questionnaire.
Those tokens were random, not derived from the secret key, so their links cannot be
exported again (``token_salt`` NULL): ``effipia invitations reissue`` gives them new ones.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

import hashlib

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("invitations") as batch:
        batch.add_column(sa.Column("token_hash", sa.String(64), nullable=True))
        batch.add_column(sa.Column("token_salt", sa.String(32), nullable=True))
    invitations = sa.table(
        "invitations",
        sa.column("campaign_id", sa.Integer),
        sa.column("partner_id", sa.String),
        sa.column("token", sa.String),
        sa.column("token_hash", sa.String),
    )
    conn = op.get_bind()
    rows = conn.execute(sa.select(invitations.c.campaign_id, invitations.c.partner_id, invitations.c.token)).all()
    if rows:
        conn.execute(
            sa.update(invitations)
            .where(
                invitations.c.campaign_id == sa.bindparam("k_campaign"),
                invitations.c.partner_id == sa.bindparam("k_partner"),
            )
            .values(token_hash=sa.bindparam("v_hash")),
            [
                {"k_campaign": c, "k_partner": p, "v_hash": hashlib.sha256(t.encode("utf-8")).hexdigest()}
                for c, p, t in rows
            ],
        )
    with op.batch_alter_table("invitations") as batch:
        batch.drop_constraint("uq_invitations_token", type_="unique")
        batch.drop_column("token")
        batch.alter_column("token_hash", existing_type=sa.String(64), nullable=False)
        batch.create_unique_constraint("uq_invitations_token_hash", ["token_hash"])

    op.create_table(
        "web_drafts",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.String(128), nullable=False),
        sa.Column("answers", JSON, nullable=False),
        sa.Column("page", sa.String(64), nullable=True),
        sa.Column("started_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("submitted_at", TS, nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id", "partner_id"],
            ["invitations.campaign_id", "invitations.partner_id"],
            name="fk_web_drafts_invitation",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("campaign_id", "partner_id", name="pk_web_drafts"),
    )
    op.create_table(
        "web_saves",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.String(128), nullable=False),
        sa.Column("save_id", sa.String(64), nullable=False),
        sa.Column("page", sa.String(64), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("outcome", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id", "partner_id"],
            ["web_drafts.campaign_id", "web_drafts.partner_id"],
            name="fk_web_saves_draft",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("campaign_id", "partner_id", "save_id", name="pk_web_saves"),
    )


def downgrade() -> None:
    # The clear tokens are gone for good: the hash takes their place, so the old links stop working.
    op.drop_table("web_saves")
    op.drop_table("web_drafts")
    with op.batch_alter_table("invitations") as batch:
        batch.add_column(sa.Column("token", sa.String(128), nullable=True))
    op.execute("UPDATE invitations SET token = token_hash")
    with op.batch_alter_table("invitations") as batch:
        batch.drop_constraint("uq_invitations_token_hash", type_="unique")
        batch.drop_column("token_salt")
        batch.drop_column("token_hash")
        batch.alter_column("token", existing_type=sa.String(128), nullable=False)
        batch.create_unique_constraint("uq_invitations_token", ["token"])
