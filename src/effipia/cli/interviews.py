"""``effipia interviews import``: the log of qualitative interviews (Tableau 1)."""

from __future__ import annotations

from pathlib import Path

import typer

from effipia.cli.french import FrenchTyper, metavar
from effipia.cli.app import app, echo_message, open_store, reporting_errors

interviews_app = FrenchTyper(help="Entretiens qualitatifs : import du journal des entretiens (Tableau 1).", no_args_is_help=True)
app.add_typer(interviews_app, name="interviews")


@interviews_app.command("import")
def import_command(
    ctx: typer.Context,
    file: Path = typer.Argument(..., metavar=metavar("file"), help="Journal des entretiens (CSV ou XLSX) : structure, category, campus_id, date (facultative), interview_id (facultatif)."),
    campaign: str = typer.Option(None, "--campaign", metavar=metavar("name"), help="Campagne (créée si elle n'existe pas) ; facultatif s'il n'y en a qu'une."),
) -> None:
    """Importer le journal des entretiens : toutes les erreurs sont signalées, rien n'est enregistré en cas d'erreur."""
    from effipia.operations.interviews import import_interviews

    with reporting_errors(), open_store(ctx) as store:
        result = import_interviews(store, file, campaign)
    stats = result.value.stats
    echo_message(
        "interviews.imported",
        created=stats.created,
        updated=stats.updated,
        unchanged=stats.unchanged,
        campaign=result.value.campaign,
    )
