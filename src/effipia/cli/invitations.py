"""``effipia invitations create|export|revoke|reissue``: personal survey links for every partner."""

from __future__ import annotations

from pathlib import Path

import typer

from effipia.cli.french import FrenchTyper, metavar
from effipia.cli.app import app, echo_message, echo_warnings, open_store, reporting_errors

invitations_app = FrenchTyper(help="Invitations personnelles : création et liens pour le publipostage.", no_args_is_help=True)
app.add_typer(invitations_app, name="invitations")


@invitations_app.command("create")
def create_command(
    ctx: typer.Context,
    campaign: str = typer.Option(None, "--campaign", metavar=metavar("name"), help="Campagne ; facultatif s'il n'y en a qu'une."),
) -> None:
    """Crée une invitation (jeton personnel) pour chaque partenaire qui n'en a pas encore ;
    les invitations existantes sont conservées. Les jetons sont dérivés de EFFIPIA_SECRET_KEY
    et seule leur empreinte est enregistrée."""
    from effipia.operations.invitations import create_invitations

    with reporting_errors(), open_store(ctx) as store:
        result = create_invitations(store, campaign)
    done = result.value
    echo_message("invitations.created", campaign=done.campaign, created=done.count, kept=done.kept)
    echo_warnings(result.warnings)


@invitations_app.command("export")
def export_command(
    ctx: typer.Context,
    out: Path = typer.Option(..., "--out", metavar=metavar("file"), help="Fichier CSV (UTF-8) à écrire pour le publipostage."),
    base_url: str = typer.Option(
        ..., "--base-url", metavar=metavar("url"), help="Adresse du questionnaire ; {token} y est remplacé par le jeton, sinon il est ajouté à la fin (BASE/r/<jeton> : --base-url BASE/r)."
    ),
    campaign: str = typer.Option(None, "--campaign", metavar=metavar("name"), help="Campagne ; facultatif s'il n'y en a qu'une."),
) -> None:
    """Écrit une ligne par invitation : partenaire, courriel, jeton et lien personnel
    (régénérés à partir de EFFIPIA_SECRET_KEY)."""
    from effipia.operations.invitations import export_invitations

    with reporting_errors(), open_store(ctx) as store:
        result = export_invitations(store, out, base_url, campaign)  # effipia.csvsafe: no formula runs
    done = result.value
    echo_message("invitations.exported", rows=done.rows, path=str(done.path), without_email=done.without_email)
    echo_warnings(result.warnings)


@invitations_app.command("revoke")
def revoke_command(
    ctx: typer.Context,
    partner_ids: list[str] = typer.Argument(..., metavar=metavar("id"), help="Identifiants des partenaires dont le lien est désactivé."),
    campaign: str = typer.Option(None, "--campaign", metavar=metavar("name"), help="Campagne ; facultatif s'il n'y en a qu'une."),
) -> None:
    """Désactive le lien personnel de ces partenaires : il ne s'ouvre plus, dès maintenant
    (les réponses déjà enregistrées sont conservées)."""
    from effipia.operations.invitations import revoke_invitations

    with reporting_errors(), open_store(ctx) as store:
        result = revoke_invitations(store, partner_ids, campaign)
    echo_message("invitations.revoked", campaign=result.value.campaign, count=result.value.count)
    echo_warnings(result.warnings)


@invitations_app.command("reissue")
def reissue_command(
    ctx: typer.Context,
    partner_ids: list[str] = typer.Argument(None, metavar=metavar("id"), help="Identifiants des partenaires à qui donner un nouveau lien."),
    campaign: str = typer.Option(None, "--campaign", metavar=metavar("name"), help="Campagne ; facultatif s'il n'y en a qu'une."),
    legacy: bool = typer.Option(
        False, "--legacy", help="Toutes les invitations dont le lien ne peut plus être exporté (créées avant la dérivation des jetons)."
    ),
) -> None:
    """Donne un nouveau lien personnel à ces partenaires : l'ancien cesse aussitôt de
    fonctionner ; les réponses déjà enregistrées sont conservées et reprises avec le nouveau."""
    from effipia.operations.invitations import reissue_invitations

    with reporting_errors(), open_store(ctx) as store:
        result = reissue_invitations(store, partner_ids or (), campaign, legacy=legacy)
    echo_message("invitations.reissued", campaign=result.value.campaign, count=result.value.count)
    echo_warnings(result.warnings)
