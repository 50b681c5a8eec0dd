"""``effipia invitations create|export|revoke|reissue``: personal survey links for every partner."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import typer

from effipia.cli.app import app, echo_err, echo_message, open_store, reporting_errors
from effipia.csvsafe import write_csv

invitations_app = typer.Typer(help="Invitations personnelles : création et liens pour le publipostage.", no_args_is_help=True)
app.add_typer(invitations_app, name="invitations")


def _secret_key() -> str:
    from effipia.registry.invitations import secret_key_text
    from effipia.settings import get_settings

    return secret_key_text(get_settings().secret_key)


@invitations_app.command("create")
def create_command(
    ctx: typer.Context,
    campaign: str = typer.Option(None, "--campaign", help="Campagne ; facultatif s'il n'y en a qu'une."),
) -> None:
    """Crée une invitation (jeton personnel) pour chaque partenaire qui n'en a pas encore ;
    les invitations existantes sont conservées. Les jetons sont dérivés de EFFIPIA_SECRET_KEY
    et seule leur empreinte est enregistrée."""
    from effipia.registry.invitations import new_invitations

    with reporting_errors(), open_store(ctx) as store:
        key = _secret_key()
        name = store.resolve_campaign(campaign)
        existing = store.invitations(name)
        fresh = new_invitations(store.partners(name), existing, secret_key=key)
        if fresh.height:
            store.write_invitations(name, fresh)
    echo_message("invitations.created", campaign=name, created=fresh.height, kept=existing.height)


@invitations_app.command("export")
def export_command(
    ctx: typer.Context,
    out: Path = typer.Option(..., "--out", help="Fichier CSV (UTF-8) à écrire pour le publipostage."),
    base_url: str = typer.Option(
        ..., "--base-url", help="Adresse du questionnaire ; {token} y est remplacé par le jeton, sinon il est ajouté à la fin (BASE/r/<jeton> : --base-url BASE/r)."
    ),
    campaign: str = typer.Option(None, "--campaign", help="Campagne ; facultatif s'il n'y en a qu'une."),
) -> None:
    """Écrit une ligne par invitation : partenaire, courriel, jeton et lien personnel
    (régénérés à partir de EFFIPIA_SECRET_KEY)."""
    from effipia.registry.invitations import invitation_links

    with reporting_errors(), open_store(ctx) as store:
        name = store.resolve_campaign(campaign)
        invitations = store.invitations(name)
        key = _secret_key() if invitations.get_column("token_salt").is_not_null().any() else None
        links = invitation_links(store.partners(name), invitations, _questionnaire_base(base_url), secret_key=key)
        out.parent.mkdir(parents=True, exist_ok=True)
        write_csv(links, out)  # effipia.csvsafe: names and tokens never run as formulas
    without_email = links.filter(pl.col("email").is_null()).height
    echo_message("invitations.exported", rows=links.height, path=str(out), without_email=without_email)
    legacy = links.filter(pl.col("link").is_null()).height
    if legacy:
        from effipia.errors import message

        echo_err(f"Attention : {message('invitations.not_regenerable', count=legacy)}")


def _questionnaire_base(base_url: str) -> str:
    """``https://site`` → ``https://site/r`` : the personal link is ``BASE/r/<token>``."""
    if "{token}" in base_url:
        return base_url
    trimmed = base_url.rstrip("/")
    return trimmed if trimmed.endswith("/r") else trimmed + "/r"


@invitations_app.command("revoke")
def revoke_command(
    ctx: typer.Context,
    partner_ids: list[str] = typer.Argument(..., help="Identifiants des partenaires dont le lien est désactivé."),
    campaign: str = typer.Option(None, "--campaign", help="Campagne ; facultatif s'il n'y en a qu'une."),
) -> None:
    """Désactive le lien personnel de ces partenaires : il ne s'ouvre plus, dès maintenant
    (les réponses déjà enregistrées sont conservées)."""
    with reporting_errors(), open_store(ctx) as store:
        name = store.resolve_campaign(campaign)
        chosen = _chosen(store.invitations(name), partner_ids)
        store.write_invitations(name, chosen.select("partner_id").with_columns(pl.lit("revoked").alias("status")))
    echo_message("invitations.revoked", campaign=name, count=chosen.height)


@invitations_app.command("reissue")
def reissue_command(
    ctx: typer.Context,
    partner_ids: list[str] = typer.Argument(None, help="Identifiants des partenaires à qui donner un nouveau lien."),
    campaign: str = typer.Option(None, "--campaign", help="Campagne ; facultatif s'il n'y en a qu'une."),
    legacy: bool = typer.Option(
        False, "--legacy", help="Toutes les invitations dont le lien ne peut plus être exporté (créées avant la dérivation des jetons)."
    ),
) -> None:
    """Donne un nouveau lien personnel à ces partenaires : l'ancien cesse aussitôt de
    fonctionner ; les réponses déjà enregistrées sont conservées et reprises avec le nouveau."""
    from effipia.registry.invitations import reissue

    with reporting_errors(), open_store(ctx) as store:
        key = _secret_key()
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
    echo_message("invitations.reissued", campaign=name, count=fresh.height)


def _chosen(invitations: pl.DataFrame, partner_ids: list[str]) -> pl.DataFrame:
    from effipia.errors import EffipiaError

    unknown = sorted(set(partner_ids) - set(invitations.get_column("partner_id").to_list()))
    if unknown:
        raise EffipiaError("invitations.unknown_partners", ids=", ".join(unknown))
    return invitations.filter(pl.col("partner_id").is_in(partner_ids))
