"""The store side of web collection: invitation look-up by token, drafts, idempotent page
saves, final submission and refusal — each one transaction, nothing kept in memory.

A page save carries an identifier made by the page (``save_id``): the first save under it
is stored with a digest of its content; the same save again is answered as the first
(``replayed``), a different one under the same identifier is a :class:`SaveConflict`
(HTTP 409), as ODK Central does with ``instanceID``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, IntegrityError

from effipia.registry.invitations import digests_equal, token_digest
from effipia.store.api import _T, INVITATIONS, PARTNERS, CAMPAIGNS, CAMPUSES, Store, _now
from effipia.store.failures import write_error

__all__ = ["Invitee", "Draft", "SaveConflict", "SaveResult", "find_invitee", "load_draft", "mark_opened",
           "save_page", "submit", "refuse", "resume_after_refusal"]

DRAFTS = _T["web_drafts"]
SAVES = _T["web_saves"]


@dataclass(frozen=True)
class Invitee:
    """Whom a token opens: the invitation and the registry facts of the partner."""

    campaign: str
    campaign_id: int
    partner_id: str
    status: str
    facts: dict[str, Any]
    campus_name: str | None


@dataclass(frozen=True)
class Draft:
    """Answers saved so far and the page to resume at."""

    answers: dict[str, Any] = field(default_factory=dict)
    page: str | None = None
    started: bool = False
    submitted_at: datetime | None = None


@dataclass(frozen=True)
class SaveResult:
    """Outcome of a save: where the respondent goes next; ``replayed`` for a repeated save."""

    outcome: str
    replayed: bool


class SaveConflict(Exception):
    """A different save under an identifier already used (HTTP 409)."""


def find_invitee(store: Store, token: str) -> Invitee | None:
    """The invitation whose token is ``token`` (by its SHA-256, compared in constant time), or None."""
    digest = token_digest(token)
    inv, par = INVITATIONS, PARTNERS
    stmt = (
        sa.select(
            inv.c.campaign_id, inv.c.partner_id, inv.c.status, inv.c.token_hash, CAMPAIGNS.c.name.label("campaign"),
            par.c.campus_id, par.c.category, par.c.partner_type, par.c.consortium, par.c.pia_concerned,
            CAMPUSES.c.name.label("campus_name"),
        )
        .join(CAMPAIGNS, CAMPAIGNS.c.id == inv.c.campaign_id)
        .join(par, (par.c.campaign_id == inv.c.campaign_id) & (par.c.partner_id == inv.c.partner_id))
        .join(CAMPUSES, CAMPUSES.c.campus_id == par.c.campus_id, isouter=True)
        .where(inv.c.token_hash == digest)
    )
    with store._read() as conn:
        row = conn.execute(stmt).mappings().first()
    if row is None or not digests_equal(row["token_hash"], digest):
        return None
    facts = {
        "respondent_id": row["partner_id"],
        "campus_id": row["campus_id"],
        "category": row["category"],
        "partner_type": row["partner_type"],
        "consortium": row["consortium"],
        "pia_concerned": row["pia_concerned"],
    }
    return Invitee(row["campaign"], row["campaign_id"], row["partner_id"], row["status"], facts, row["campus_name"])


def _key(invitee: Invitee) -> tuple[Any, ...]:
    return (DRAFTS.c.campaign_id == invitee.campaign_id, DRAFTS.c.partner_id == invitee.partner_id)


def load_draft(store: Store, invitee: Invitee) -> Draft:
    """The draft of ``invitee`` (empty when nothing was saved yet)."""
    with store._read() as conn:
        row = conn.execute(sa.select(DRAFTS.c.answers, DRAFTS.c.page, DRAFTS.c.submitted_at).where(*_key(invitee))).first()
    if row is None:
        return Draft()
    return Draft(dict(row.answers or {}), row.page, True, row.submitted_at)


def _set_status(conn: sa.Connection, invitee: Invitee, status: str, only_from: tuple[str, ...] | None = None) -> None:
    where = [INVITATIONS.c.campaign_id == invitee.campaign_id, INVITATIONS.c.partner_id == invitee.partner_id]
    if only_from is not None:
        where.append(INVITATIONS.c.status.in_(only_from))
    conn.execute(sa.update(INVITATIONS).where(*where).values(status=status, updated_at=_now()))


def mark_opened(store: Store, invitee: Invitee) -> None:
    """Record that the link was opened (status ``opened`` unless it is further along)."""
    if invitee.status in ("pending", "sent"):
        with store._write() as conn:
            _set_status(conn, invitee, "opened", only_from=("pending", "sent"))


def _transaction(store: Store):
    return store.engine.connect().execution_options(sqlite_begin="IMMEDIATE")


def _replay(conn: sa.Connection, invitee: Invitee, save_id: str, digest: str) -> SaveResult | None:
    """The answer already given to ``save_id`` (same digest), ``None`` if it is new;
    :class:`SaveConflict` if the identifier was used for a different save."""
    previous = conn.execute(
        sa.select(SAVES.c.digest, SAVES.c.outcome).where(
            SAVES.c.campaign_id == invitee.campaign_id,
            SAVES.c.partner_id == invitee.partner_id,
            SAVES.c.save_id == save_id,
        )
    ).first()
    if previous is None:
        return None
    if digests_equal(previous.digest, digest):
        return SaveResult(previous.outcome, replayed=True)
    raise SaveConflict(save_id)


def save_page(
    store: Store, invitee: Invitee, save_id: str, page: str, digest: str, answers: dict[str, Any], outcome: str
) -> SaveResult:
    """Store the answers of one page (``answers`` replaces the whole draft) and the page to
    resume at, once per ``save_id``.

    The save row and the draft change in one transaction: an acknowledged save is never
    lost, and a save that failed left nothing. Two identical saves racing on two workers
    end as one stored save and one replay.
    """
    for attempt in (1, 2):
        try:
            with _transaction(store) as conn, conn.begin():
                replay = _replay(conn, invitee, save_id, digest)
                if replay is not None:
                    return replay
                now = _now()
                updated = conn.execute(
                    sa.update(DRAFTS).where(*_key(invitee)).values(answers=answers, page=outcome, updated_at=now)
                ).rowcount
                if not updated:
                    conn.execute(
                        sa.insert(DRAFTS).values(
                            campaign_id=invitee.campaign_id, partner_id=invitee.partner_id, answers=answers,
                            page=outcome, started_at=now, updated_at=now,
                        )
                    )
                conn.execute(
                    sa.insert(SAVES).values(
                        campaign_id=invitee.campaign_id, partner_id=invitee.partner_id, save_id=save_id,
                        page=page, digest=digest, outcome=outcome, created_at=now,
                    )
                )
                _set_status(conn, invitee, "opened", only_from=("pending", "sent"))
                return SaveResult(outcome, replayed=False)
        except IntegrityError:
            if attempt == 2:
                raise
            # Another worker stored the same save (or created the draft) meanwhile: look again.
        except DBAPIError as exc:
            raise write_error(exc, None, store._stored_values) from None
    raise AssertionError("unreachable")


def submit(store: Store, invitee: Invitee, save_id: str, digest: str, response: pl.DataFrame, source: str) -> SaveResult:
    """Write the final response (``Store.write_responses`` path, codebook layout), mark the
    draft submitted and the invitation ``submitted``: one transaction, once per ``save_id``."""
    for attempt in (1, 2):
        try:
            with _transaction(store) as conn, conn.begin():
                replay = _replay(conn, invitee, save_id, digest)
                if replay is not None:
                    return replay
                draft = conn.execute(sa.select(DRAFTS.c.submitted_at).where(*_key(invitee))).first()
                if draft is not None and draft.submitted_at is not None:
                    raise SaveConflict(save_id)
                store._write_responses(conn, invitee.campaign_id, response, source)
                now = _now()
                if draft is None:
                    conn.execute(
                        sa.insert(DRAFTS).values(
                            campaign_id=invitee.campaign_id, partner_id=invitee.partner_id, answers={},
                            page=None, started_at=now, updated_at=now,
                        )
                    )
                conn.execute(sa.update(DRAFTS).where(*_key(invitee)).values(submitted_at=now, page="merci", updated_at=now))
                conn.execute(
                    sa.insert(SAVES).values(
                        campaign_id=invitee.campaign_id, partner_id=invitee.partner_id, save_id=save_id,
                        page="envoi", digest=digest, outcome="merci", created_at=now,
                    )
                )
                _set_status(conn, invitee, "submitted")
                return SaveResult("merci", replayed=False)
        except IntegrityError:
            if attempt == 2:
                raise
        except DBAPIError as exc:
            raise write_error(exc, None, store._stored_values) from None
    raise AssertionError("unreachable")


def refuse(store: Store, invitee: Invitee) -> None:
    """Record « je ne souhaite pas répondre » (status ``refused``; no reminder goes out after it)."""
    with store._write() as conn:
        _set_status(conn, invitee, "refused", only_from=("pending", "sent", "opened", "bounced"))


def resume_after_refusal(store: Store, invitee: Invitee) -> None:
    """The respondent changed their mind: the invitation is open again."""
    with store._write() as conn:
        _set_status(conn, invitee, "opened", only_from=("refused",))
