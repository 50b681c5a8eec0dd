"""``effipia invitations create|export``: personal survey links for every partner."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import typer

from effipia.cli.app import app, echo_message, open_store, reporting_errors
from effipia.registry.invitations import invitation_links, new_invitations

invitations_app = typer.Typer(help="Invitations personnelles : création et liens pour le publipostage.", no_args_is_help=True)
app.add_typer(invitations_app, name="invitations")


@invitations_app.command("create")
def create_command(
    ctx: typer.Context,
    campaign: str = typer.Option(None, "--campaign", help="Campagne ; facultatif s'il n'y en a qu'une."),
) -> None:
    """Crée une invitation (jeton personnel) pour chaque partenaire qui n'en a pas encore ;
    les invitations existantes sont conservées."""
    with reporting_errors(), open_store(ctx) as store:
        name = store.resolve_campaign(campaign)
        existing = store.invitations(name)
        fresh = new_invitations(store.partners(name), existing)
        if fresh.height:
            store.write_invitations(name, fresh)
    echo_message("invitations.created", campaign=name, created=fresh.height, kept=existing.height)


@invitations_app.command("export")
def export_command(
    ctx: typer.Context,
    out: Path = typer.Option(..., "--out", help="Fichier CSV (UTF-8) à écrire pour le publipostage."),
    base_url: str = typer.Option(
        ..., "--base-url", help="Adresse du questionnaire ; {token} y est remplacé par le jeton, sinon il est ajouté à la fin."
    ),
    campaign: str = typer.Option(None, "--campaign", help="Campagne ; facultatif s'il n'y en a qu'une."),
) -> None:
    """Écrit une ligne par invitation : partenaire, courriel, jeton et lien personnel."""
    with reporting_errors(), open_store(ctx) as store:
        name = store.resolve_campaign(campaign)
        links = invitation_links(store.partners(name), store.invitations(name), base_url)
    out.parent.mkdir(parents=True, exist_ok=True)
    links.write_csv(out)
    without_email = links.filter(pl.col("email").is_null()).height
    echo_message("invitations.exported", rows=links.height, path=str(out), without_email=without_email)
