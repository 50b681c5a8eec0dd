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
from effipia.store.group_commit import run_in_group

__all__ = ["Invitee", "Draft", "SaveConflict", "DraftChanged", "SaveResult", "ANY_DRAFT", "find_invitee",
           "open_invitation", "load_draft", "mark_opened", "save_page", "submit", "refuse", "resume_after_refusal"]

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
    #: When the draft was last written (None before the first save): a save changes the draft
    #: only if it is still the one its page was read from (see :class:`DraftChanged`).
    updated_at: datetime | None = None


@dataclass(frozen=True)
class SaveResult:
    """Outcome of a save: where the respondent goes next; ``replayed`` for a repeated save."""

    outcome: str
    replayed: bool


class SaveConflict(Exception):
    """A different save under an identifier already used (HTTP 409)."""


class DraftChanged(Exception):
    """The draft was written by another save since it was read: read it again and redo the page
    (otherwise the answers of that other, acknowledged save would be overwritten)."""


#: ``seen`` of :func:`save_page` when the caller does not say which draft it read.
ANY_DRAFT = object()


# Statements of the respondent path, built once: their cache keys are memoised, so each
# save runs them without building or hashing a statement again (measured in
# benchmarks/web_saves.py: statement construction was a large share of a save's CPU).
_INV, _PAR = INVITATIONS, PARTNERS
_INVITEE = (
    sa.select(
        _INV.c.campaign_id, _INV.c.partner_id, _INV.c.status, _INV.c.token_hash, CAMPAIGNS.c.name.label("campaign"),
        _PAR.c.campus_id, _PAR.c.category, _PAR.c.partner_type, _PAR.c.consortium, _PAR.c.pia_concerned,
        CAMPUSES.c.name.label("campus_name"),
    )
    .join(CAMPAIGNS, CAMPAIGNS.c.id == _INV.c.campaign_id)
    .join(_PAR, (_PAR.c.campaign_id == _INV.c.campaign_id) & (_PAR.c.partner_id == _INV.c.partner_id))
    .join(CAMPUSES, CAMPUSES.c.campus_id == _PAR.c.campus_id, isouter=True)
    .where(_INV.c.token_hash == sa.bindparam("digest"))
)
_LIMITS = _T["rate_limits"]
#: The client's rate-limit count (NULL when none is kept, or without a key).
_LIMIT_COUNT = (
    sa.select(_LIMITS.c.count)
    .where(_LIMITS.c.key == sa.bindparam("key"), _LIMITS.c.window == sa.bindparam("window"))
    .scalar_subquery()
)
#: The invitee and their draft in one statement (the draft columns are NULL before the first save).
_INVITEE_AND_DRAFT = _INVITEE.add_columns(
    _LIMIT_COUNT.label("limit_count"), DRAFTS.c.partner_id.label("draft_of"), DRAFTS.c.answers, DRAFTS.c.page,
    DRAFTS.c.updated_at.label("draft_updated_at"), DRAFTS.c.submitted_at,
).join(
    DRAFTS, (DRAFTS.c.campaign_id == _INV.c.campaign_id) & (DRAFTS.c.partner_id == _INV.c.partner_id), isouter=True
)
_DRAFT = sa.select(DRAFTS.c.answers, DRAFTS.c.page, DRAFTS.c.updated_at.label("draft_updated_at"), DRAFTS.c.submitted_at).where(
    DRAFTS.c.campaign_id == sa.bindparam("campaign_id"), DRAFTS.c.partner_id == sa.bindparam("partner_id")
)


_DRAFT_KEY = (DRAFTS.c.campaign_id == sa.bindparam("b_campaign_id"), DRAFTS.c.partner_id == sa.bindparam("b_partner_id"))
_UPDATE_DRAFT = sa.update(DRAFTS).where(*_DRAFT_KEY)
_UPDATE_SEEN_DRAFT = sa.update(DRAFTS).where(*_DRAFT_KEY, DRAFTS.c.updated_at == sa.bindparam("b_seen"))
_INSERT_DRAFT = sa.insert(DRAFTS)
_INSERT_SAVE = sa.insert(SAVES)


def _invitee(row: Any, digest: str) -> Invitee | None:
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


def _draft(row: Any) -> Draft:
    return Draft(dict(row["answers"] or {}), row["page"], True, row["submitted_at"], row["draft_updated_at"])


def find_invitee(store: Store, token: str) -> Invitee | None:
    """The invitation whose token is ``token`` (by its SHA-256, compared in constant time), or None."""
    digest = token_digest(token)
    with store._read() as conn:
        row = conn.execute(_INVITEE, {"digest": digest}).mappings().first()
    return _invitee(row, digest)


def open_invitation(store: Store, token: str, limit: tuple[str, int] | None = None) -> tuple[int, Invitee | None, Draft | None]:
    """What a personal link opens, read on one connection: ``(count, invitee, draft)``.

    ``count`` is the rate-limit count under ``limit`` (``(key, window)``; 0 without one),
    ``invitee`` as :func:`find_invitee`, ``draft`` as :func:`load_draft` (None with no invitee)."""
    digest = token_digest(token)
    key, window = limit if limit else (None, 0)
    with store._read() as conn:
        row = conn.execute(_INVITEE_AND_DRAFT, {"digest": digest, "key": key, "window": window}).mappings().first()
        if row is None:  # no invitation row to carry the count: read it alone
            count = conn.execute(sa.select(_LIMIT_COUNT), {"key": key, "window": window}).scalar() if limit else 0
        else:
            count = row["limit_count"]
    count = count or 0
    invitee = _invitee(row, digest)
    if invitee is None:
        return count, None, None
    return count, invitee, _draft(row) if row["draft_of"] is not None else Draft()


def _key(invitee: Invitee) -> tuple[Any, ...]:
    return (DRAFTS.c.campaign_id == invitee.campaign_id, DRAFTS.c.partner_id == invitee.partner_id)


def load_draft(store: Store, invitee: Invitee) -> Draft:
    """The draft of ``invitee`` (empty when nothing was saved yet)."""
    with store._read() as conn:
        row = conn.execute(_DRAFT, {"campaign_id": invitee.campaign_id, "partner_id": invitee.partner_id}).mappings().first()
    return Draft() if row is None else _draft(row)


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
    store: Store, invitee: Invitee, save_id: str, page: str, digest: str, answers: dict[str, Any], outcome: str,
    *, seen: datetime | None | object = ANY_DRAFT,
) -> SaveResult:
    """Store the answers of one page (``answers`` replaces the whole draft) and the page to
    resume at, once per ``save_id``.

    The save row and the draft change in one transaction: an acknowledged save is never
    lost, and a save that failed left nothing. Two identical saves racing on two workers
    end as one stored save and one replay. With ``seen`` (the ``updated_at`` of the draft
    ``answers`` were computed from, None for no draft yet), the draft is changed only if it
    is still that one; otherwise :class:`DraftChanged` and nothing is written.

    The usual save is two statements (update the draft, insert the save row); the look-up
    of an earlier save under ``save_id`` runs only when that insert meets one. On SQLite
    the saves of concurrent threads are committed together (see :func:`_write_or_replay`);
    each is acknowledged only once its group is on disk.
    """
    def write(conn: sa.Connection) -> SaveResult:
        _store_page(conn, invitee, save_id, page, digest, answers, outcome, seen)
        return SaveResult(outcome, replayed=False)

    def after_refusal(conn: sa.Connection) -> SaveResult | None:
        # The identifier was used already (answer as before, or refuse), or the draft
        # changed since it was read (the caller reads it again), or another save created
        # the draft meanwhile (try again).
        replay = _replay(conn, invitee, save_id, digest)
        if replay is not None:
            return replay
        if seen is not ANY_DRAFT:
            raise DraftChanged(save_id)
        return None

    for _attempt in (1, 2, 3):
        try:
            result = _write_or_replay(store, write, after_refusal)
        except DBAPIError as exc:
            raise write_error(exc, None, store._stored_values) from None
        if result is not None:
            return result
    raise DraftChanged(save_id)


def _write_or_replay(store: Store, write, after_refusal):  # noqa: ANN001, ANN202 - connection jobs
    """``write(connection)``, or when it raises IntegrityError or DraftChanged (nothing of it
    kept), ``after_refusal(connection)``.

    On SQLite the saves of threads arriving meanwhile share the transaction (one commit, one
    disk flush for the group: :mod:`effipia.store.group_commit`), the refused write rolled
    back to its savepoint and ``after_refusal`` run in the same transaction — it sees a save
    of the same group not yet committed. PostgreSQL writes concurrently: a transaction of
    its own, and ``after_refusal`` in a second one (no savepoint round trips per save)."""
    if store.engine.dialect.name == "sqlite":
        def grouped(conn: sa.Connection):  # noqa: ANN202
            savepoint = conn.begin_nested()
            try:
                result = write(conn)
            except (IntegrityError, DraftChanged):
                savepoint.rollback()
                return after_refusal(conn)
            savepoint.commit()
            return result

        return run_in_group(store.engine, lambda: _transaction(store), grouped)
    with _transaction(store) as conn:
        try:
            with conn.begin():
                return write(conn)
        except (IntegrityError, DraftChanged):
            pass  # rolled back: nothing of this save was written
        with conn.begin():
            return after_refusal(conn)


def _store_page(conn: sa.Connection, invitee: Invitee, save_id: str, page: str, digest: str, answers: dict[str, Any],
                outcome: str, seen: datetime | None | object) -> None:
    """The draft change and the save row (raises IntegrityError when ``save_id`` is stored already)."""
    now = _now()
    key = {"b_campaign_id": invitee.campaign_id, "b_partner_id": invitee.partner_id}
    values = {"answers": answers, "page": outcome, "updated_at": now}
    if seen is None:  # no draft when the page was read: create it (IntegrityError if one appeared)
        updated = 0
    elif seen is ANY_DRAFT:
        updated = conn.execute(_UPDATE_DRAFT, {**key, **values}).rowcount
    else:
        updated = conn.execute(_UPDATE_SEEN_DRAFT, {**key, **values, "b_seen": seen}).rowcount
        if not updated:
            raise DraftChanged(save_id)
    ids = {"campaign_id": invitee.campaign_id, "partner_id": invitee.partner_id}
    if not updated:
        conn.execute(_INSERT_DRAFT, {**ids, **values, "started_at": now})
    conn.execute(_INSERT_SAVE, {**ids, "save_id": save_id, "page": page, "digest": digest, "outcome": outcome,
                                "created_at": now})
    if invitee.status in ("pending", "sent"):  # otherwise the conditional update would change nothing
        _set_status(conn, invitee, "opened", only_from=("pending", "sent"))


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
