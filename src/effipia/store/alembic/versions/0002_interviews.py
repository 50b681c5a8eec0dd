"""Interviews: the log of qualitative interviews of a campaign (Tableau 1 of the report).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "interviews",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("interview_id", sa.String(128), nullable=False),
        sa.Column("campus_id", sa.String(64), nullable=True),
        sa.Column("structure", sa.String(500), nullable=True),
        sa.Column("category", sa.String(64), nullable=True),
        sa.Column("interview_date", sa.Date(), nullable=True),
        sa.Column("source", sa.String(500), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name="fk_interviews_campaign_id_campaigns", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("campaign_id", "interview_id", name="pk_interviews"),
    )
    op.create_index("ix_interviews_campus_id", "interviews", ["campus_id"])


def downgrade() -> None:
    op.drop_index("ix_interviews_campus_id", table_name="interviews")
    op.drop_table("interviews")
