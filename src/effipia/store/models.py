"""SQLAlchemy 2 typed models of the store (the schema the Alembic migrations create).

Natural keys: a campaign by its name, a campus by ``campus_id`` (global registry),
a partner and an invitation by (campaign, ``partner_id``), a response by (campaign,
``respondent_id``). Answers are one JSON document per respondent (JSONB on PostgreSQL).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = ["Base", "Campaign", "Campus", "Partner", "Invitation", "WebDraft", "WebSave", "Response", "Interview", "StaffUser", "ApiToken", "RateLimit", "AuditEntry", "MailSend", "JSONType"]

#: Portable JSON column: JSONB on PostgreSQL, JSON (text) elsewhere.
JSONType = sa.JSON().with_variant(JSONB(), "postgresql")

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING)


def _now() -> datetime:
    return datetime.now().astimezone()


class Campaign(Base):
    """A survey wave; ``items`` lists the collected item columns as ``[name, dtype]``."""

    __tablename__ = "campaigns"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    items: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=_now)


class Campus(Base):
    """A campus of the global registry (codebook campus columns)."""

    __tablename__ = "campuses"
    campus_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(500))
    letter: Mapped[str | None] = mapped_column(sa.String(4))
    filiere: Mapped[str | None] = mapped_column(sa.String(200))
    region: Mapped[str | None] = mapped_column(sa.String(200))
    academie: Mapped[str | None] = mapped_column(sa.String(200))
    year_created: Mapped[int | None] = mapped_column(sa.Integer)
    excellence: Mapped[int | None] = mapped_column(sa.SmallInteger)
    pia_wave: Mapped[int | None] = mapped_column(sa.SmallInteger)
    duration_years: Mapped[int | None] = mapped_column(sa.Integer)
    pia_amount_eur: Mapped[int | None] = mapped_column(sa.BigInteger)
    support_type: Mapped[str | None] = mapped_column(sa.String(500))


class Partner(Base):
    """A partner of a campus in one campaign (codebook partner columns + analysis category)."""

    __tablename__ = "partners"
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True)
    partner_id: Mapped[str] = mapped_column(sa.String(128), primary_key=True)
    campus_id: Mapped[str] = mapped_column(sa.ForeignKey("campuses.campus_id"), index=True)
    name: Mapped[str | None] = mapped_column(sa.String(500))
    category: Mapped[str | None] = mapped_column(sa.String(32))
    partner_type: Mapped[str | None] = mapped_column(sa.String(64))
    analysis_category: Mapped[str | None] = mapped_column(sa.String(64))
    consortium: Mapped[int | None] = mapped_column(sa.SmallInteger)
    pia_concerned: Mapped[int | None] = mapped_column(sa.SmallInteger)
    email: Mapped[str | None] = mapped_column(sa.String(320))
    siret: Mapped[str | None] = mapped_column(sa.String(14))
    naf: Mapped[str | None] = mapped_column(sa.String(8))
    size_class: Mapped[str | None] = mapped_column(sa.String(4))
    uai: Mapped[str | None] = mapped_column(sa.String(8))
    commune_insee: Mapped[str | None] = mapped_column(sa.String(5))


class Invitation(Base):
    """The invitation of one partner to one campaign's survey."""

    __tablename__ = "invitations"
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True)
    partner_id: Mapped[str] = mapped_column(sa.String(128), primary_key=True)
    campus_id: Mapped[str | None] = mapped_column(sa.String(64))
    category: Mapped[str | None] = mapped_column(sa.String(32))
    #: SHA-256 (hex) of the personal token: the token itself is never stored (migration 0003).
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: Salt of the keyed derivation that regenerates the token from the secret key; NULL for a
    #: token made before derivation existed (its link cannot be exported again: re-issue it).
    token_salt: Mapped[str | None] = mapped_column(sa.String(32))
    status: Mapped[str] = mapped_column(sa.String(16), default="pending")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=_now)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=_now)
    __table_args__ = (
        sa.ForeignKeyConstraint(
            ["campaign_id", "partner_id"],
            ["partners.campaign_id", "partners.partner_id"],
            name="fk_invitations_partner",
            ondelete="CASCADE",
        ),
    )


class WebDraft(Base):
    """The questionnaire of one invitation being filled in on the web (answers so far, page to resume)."""

    __tablename__ = "web_drafts"
    campaign_id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[str] = mapped_column(sa.String(128), primary_key=True)
    answers: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    page: Mapped[str | None] = mapped_column(sa.String(64))
    started_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=_now)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=_now)
    submitted_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    __table_args__ = (
        sa.ForeignKeyConstraint(
            ["campaign_id", "partner_id"],
            ["invitations.campaign_id", "invitations.partner_id"],
            name="fk_web_drafts_invitation",
            ondelete="CASCADE",
        ),
    )


class WebSave(Base):
    """One page save, by the identifier the page made: replays are answered as the first save."""

    __tablename__ = "web_saves"
    campaign_id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[str] = mapped_column(sa.String(128), primary_key=True)
    save_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    page: Mapped[str] = mapped_column(sa.String(64))
    digest: Mapped[str] = mapped_column(sa.String(64))
    outcome: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=_now)
    __table_args__ = (
        sa.ForeignKeyConstraint(
            ["campaign_id", "partner_id"],
            ["web_drafts.campaign_id", "web_drafts.partner_id"],
            name="fk_web_saves_draft",
            ondelete="CASCADE",
        ),
    )


class Response(Base):
    """One respondent's answers in one campaign (identification columns + JSON answers)."""

    __tablename__ = "responses"
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True)
    respondent_id: Mapped[str] = mapped_column(sa.String(128), primary_key=True)
    campus_id: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    category: Mapped[str | None] = mapped_column(sa.String(32))
    partner_type: Mapped[str | None] = mapped_column(sa.String(64))
    consortium: Mapped[int | None] = mapped_column(sa.SmallInteger)
    pia_concerned: Mapped[int | None] = mapped_column(sa.SmallInteger)
    answers: Mapped[dict[str, Any]] = mapped_column(JSONType)
    submitted_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=_now)
    source: Mapped[str | None] = mapped_column(sa.String(500))


class Interview(Base):
    """One qualitative interview of a campaign (structure met, its category, campus, date)."""

    __tablename__ = "interviews"
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True)
    interview_id: Mapped[str] = mapped_column(sa.String(128), primary_key=True)
    campus_id: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    structure: Mapped[str | None] = mapped_column(sa.String(500))
    category: Mapped[str | None] = mapped_column(sa.String(64))
    interview_date: Mapped[date | None] = mapped_column(sa.Date)
    source: Mapped[str | None] = mapped_column(sa.String(500))


class StaffUser(Base):
    """A staff account: evaluator, campus director (with their campus) or funder."""

    __tablename__ = "staff_users"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(320), unique=True)
    role: Mapped[str] = mapped_column(sa.String(16))
    campus_id: Mapped[str | None] = mapped_column(sa.String(64))
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=_now)


class ApiToken(Base):
    """An API token of a staff account; only the SHA-256 of the token is kept."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=_now)
    last_used_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))


class RateLimit(Base):
    """A fixed-window counter (login attempts, token look-ups) shared by every worker;
    ``key`` is a hash of what is counted (no e-mail or address in clear)."""

    __tablename__ = "rate_limits"
    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    window: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)
    count: Mapped[int] = mapped_column(sa.Integer, default=0)


class AuditEntry(Base):
    """One staff action (who imported, exported, sent, revoked what, when)."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=_now, index=True)
    actor: Mapped[str | None] = mapped_column(sa.String(320))
    role: Mapped[str | None] = mapped_column(sa.String(16))
    action: Mapped[str] = mapped_column(sa.String(64))
    campaign: Mapped[str | None] = mapped_column(sa.String(200))
    campus_id: Mapped[str | None] = mapped_column(sa.String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)


class MailSend(Base):
    """One e-mail to one invitation: sent, bounced (5xx, never retried) or deferred (4xx),
    with the server's reply; a provider's bounce list adds ``bounced`` rows too."""

    __tablename__ = "mail_sends"
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaigns.id", ondelete="CASCADE"))
    partner_id: Mapped[str] = mapped_column(sa.String(128))
    kind: Mapped[str] = mapped_column(sa.String(16))
    recipient: Mapped[str | None] = mapped_column(sa.String(320))
    outcome: Mapped[str] = mapped_column(sa.String(16))
    smtp_code: Mapped[int | None] = mapped_column(sa.Integer)
    smtp_reply: Mapped[str | None] = mapped_column(sa.Text)
    at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=_now)
    __table_args__ = (sa.Index("ix_mail_sends_campaign_partner", "campaign_id", "partner_id"),)
