"""Personal invitations of a campaign: create, export for a mail merge, revoke, reissue.

Tokens are derived from a salt under the secret key (setting ``secret_key``,
``EFFIPIA_SECRET_KEY``; :mod:`effipia.registry.invitations`): the store keeps only their
SHA-256 and the salt. Sending them by e-mail is :mod:`effipia.operations.mailing`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from effipia.errors import EffipiaError
from effipia.operations.results import OperationResult
from effipia.results import Warning

if TYPE_CHECKING:
    import polars as pl

    from effipia.store import Store

__all__ = [
    "InvitationCount",
    "InvitationExport",
    "create_invitations",
    "export_invitations",
    "questionnaire_base",
    "reissue_invitations",
    "revoke_invitations",
]


@dataclass(frozen=True)
class InvitationCount:
    """How many invitations an operation made or changed (``kept``: those left as they were)."""

    campaign: str
    count: int
    kept: int = 0


@dataclass(frozen=True)
class InvitationExport:
    """The mail-merge file written: its rows, and how many have no e-mail address."""

    campaign: str
    path: Path
    rows: int
    without_email: int
    links: "pl.DataFrame"


def _secret_key(secret_key: object | None) -> str:
    from effipia.registry.invitations import secret_key_text
    from effipia.settings import get_settings

    return secret_key_text(secret_key if secret_key is not None else get_settings().secret_key)


def create_invitations(
    store: "Store", campaign: str | None = None, *, secret_key: object | None = None
) -> OperationResult[InvitationCount]:
    """One invitation (personal token) for every partner of ``campaign`` who has none yet;
    existing invitations are kept (a link sent stays valid). ``secret_key``: default the
    setting ``secret_key``; French error without one."""
    from effipia.registry.invitations import new_invitations

    key = _secret_key(secret_key)
    name = store.resolve_campaign(campaign)
    existing = store.invitations(name)
    fresh = new_invitations(store.partners(name), existing, secret_key=key)
    if fresh.height:
        store.write_invitations(name, fresh)
    return OperationResult(InvitationCount(campaign=name, count=fresh.height, kept=existing.height))


def questionnaire_base(base_url: str) -> str:
    """``https://site`` → ``https://site/r``: the personal link is ``BASE/r/<token>``
    (an address holding ``{token}`` is used as given)."""
    if "{token}" in base_url:
        return base_url
    trimmed = base_url.rstrip("/")
    return trimmed if trimmed.endswith("/r") else trimmed + "/r"


def export_invitations(
    store: "Store",
    out: str | Path,
    base_url: str,
    campaign: str | None = None,
    *,
    secret_key: object | None = None,
) -> OperationResult[InvitationExport]:
    """Write one CSV row per invitation (partner, e-mail, token, personal link, status) to
    ``out`` for a mail merge; tokens regenerated from their salt and the secret key
    (``base_url``: the questionnaire's address, see :func:`questionnaire_base`). Invitations made before the keyed
    derivation cannot be regenerated: they have no link, and a warning says how many."""
    import polars as pl

    from effipia.csvsafe import write_csv
    from effipia.registry.invitations import invitation_links
    name = store.resolve_campaign(campaign)
    invitations = store.invitations(name)
    key = _secret_key(secret_key) if invitations.get_column("token_salt").is_not_null().any() else None
    links = invitation_links(store.partners(name), invitations, questionnaire_base(base_url), secret_key=key)
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_csv(links, path)  # names and tokens never run as formulas in a spreadsheet
    result = OperationResult(
        InvitationExport(
            campaign=name,
            path=path,
            rows=links.height,
            without_email=links.filter(pl.col("email").is_null()).height,
            links=links,
        )
    )
    legacy = links.filter(pl.col("link").is_null()).height
    if legacy:
        result.warnings.append(Warning.of("invitations.not_regenerable", producer="invitations", count=legacy))
    return result


def _chosen(invitations: "pl.DataFrame", partner_ids: Sequence[str]) -> "pl.DataFrame":
    import polars as pl

    unknown = sorted(set(partner_ids) - set(invitations.get_column("partner_id").to_list()))
    if unknown:
        raise EffipiaError("invitations.unknown_partners", ids=", ".join(unknown))
    return invitations.filter(pl.col("partner_id").is_in(list(partner_ids)))


def revoke_invitations(
    store: "Store", partner_ids: Sequence[str], campaign: str | None = None
) -> OperationResult[InvitationCount]:
    """Disable the personal links of ``partner_ids`` at once (status ``revoked``); the
    answers already stored are kept. French error naming any partner without invitation."""
    import polars as pl

    name = store.resolve_campaign(campaign)
    chosen = _chosen(store.invitations(name), partner_ids)
    store.write_invitations(name, chosen.select("partner_id").with_columns(pl.lit("revoked").alias("status")))
    return OperationResult(InvitationCount(campaign=name, count=chosen.height))


def reissue_invitations(
    store: "Store",
    partner_ids: Sequence[str] = (),
    campaign: str | None = None,
    *,
    legacy: bool = False,
    secret_key: object | None = None,
) -> OperationResult[InvitationCount]:
    """Give ``partner_ids`` (and, with ``legacy``, every invitation whose link cannot be
    regenerated) a new personal link: the old one stops working at once; stored answers are
    kept and a submitted questionnaire stays submitted."""
    import polars as pl

    from effipia.registry.invitations import reissue

    key = _secret_key(secret_key)
    name = store.resolve_campaign(campaign)
    invitations = store.invitations(name)
    chosen = invitations.filter(pl.col("token_salt").is_null()) if legacy else invitations.head(0)
    if partner_ids:
        chosen = pl.concat([chosen, _chosen(invitations, partner_ids)]).unique("partner_id", maintain_order=True)
    # A submitted questionnaire stays submitted (the new link shows the thank-you page).
    statuses = ["submitted" if s == "submitted" else "pending" for s in chosen.get_column("status").to_list()]
    fresh = reissue(chosen, secret_key=key).with_columns(pl.Series("status", statuses, dtype=pl.String))
    if fresh.height:
        store.write_invitations(name, fresh)
    return OperationResult(InvitationCount(campaign=name, count=fresh.height))
