"""Initial schema: campaigns, campuses, partners, invitations, responses.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(JSONB(), "postgresql")
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("items", JSON, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_campaigns"),
        sa.UniqueConstraint("name", name="uq_campaigns_name"),
    )
    op.create_table(
        "campuses",
        sa.Column("campus_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(500), nullable=False),
        sa.Column("letter", sa.String(4), nullable=True),
        sa.Column("filiere", sa.String(200), nullable=True),
        sa.Column("region", sa.String(200), nullable=True),
        sa.Column("academie", sa.String(200), nullable=True),
        sa.Column("year_created", sa.Integer(), nullable=True),
        sa.Column("excellence", sa.SmallInteger(), nullable=True),
        sa.Column("pia_wave", sa.SmallInteger(), nullable=True),
        sa.Column("duration_years", sa.Integer(), nullable=True),
        sa.Column("pia_amount_eur", sa.BigInteger(), nullable=True),
        sa.Column("support_type", sa.String(500), nullable=True),
        sa.PrimaryKeyConstraint("campus_id", name="pk_campuses"),
    )
    op.create_table(
        "partners",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.String(128), nullable=False),
        sa.Column("campus_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(500), nullable=True),
        sa.Column("category", sa.String(32), nullable=True),
        sa.Column("partner_type", sa.String(64), nullable=True),
        sa.Column("analysis_category", sa.String(64), nullable=True),
        sa.Column("consortium", sa.SmallInteger(), nullable=True),
        sa.Column("pia_concerned", sa.SmallInteger(), nullable=True),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("siret", sa.String(14), nullable=True),
        sa.Column("naf", sa.String(8), nullable=True),
        sa.Column("size_class", sa.String(4), nullable=True),
        sa.Column("uai", sa.String(8), nullable=True),
        sa.Column("commune_insee", sa.String(5), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name="fk_partners_campaign_id_campaigns", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["campus_id"], ["campuses.campus_id"], name="fk_partners_campus_id_campuses"),
        sa.PrimaryKeyConstraint("campaign_id", "partner_id", name="pk_partners"),
    )
    op.create_index("ix_partners_campus_id", "partners", ["campus_id"])
    op.create_table(
        "invitations",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.String(128), nullable=False),
        sa.Column("campus_id", sa.String(64), nullable=True),
        sa.Column("category", sa.String(32), nullable=True),
        sa.Column("token", sa.String(128), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name="fk_invitations_campaign_id_campaigns", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id", "partner_id"],
            ["partners.campaign_id", "partners.partner_id"],
            name="fk_invitations_partner",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("campaign_id", "partner_id", name="pk_invitations"),
        sa.UniqueConstraint("token", name="uq_invitations_token"),
    )
    op.create_table(
        "responses",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("respondent_id", sa.String(128), nullable=False),
        sa.Column("campus_id", sa.String(64), nullable=True),
        sa.Column("category", sa.String(32), nullable=True),
        sa.Column("partner_type", sa.String(64), nullable=True),
        sa.Column("consortium", sa.SmallInteger(), nullable=True),
        sa.Column("pia_concerned", sa.SmallInteger(), nullable=True),
        sa.Column("answers", JSON, nullable=False),
        sa.Column("submitted_at", TS, nullable=False),
        sa.Column("source", sa.String(500), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name="fk_responses_campaign_id_campaigns", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("campaign_id", "respondent_id", name="pk_responses"),
    )
    op.create_index("ix_responses_campus_id", "responses", ["campus_id"])


def downgrade() -> None:
    op.drop_table("responses")
    op.drop_table("invitations")
    op.drop_index("ix_partners_campus_id", table_name="partners")
    op.drop_table("partners")
    op.drop_table("campuses")
    op.drop_table("campaigns")
