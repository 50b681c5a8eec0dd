"""``effipia responses import|export``: response files in and out of a campaign."""

from __future__ import annotations

from pathlib import Path

import typer

from effipia.cli.french import metavar
from effipia.cli.app import echo_message, echo_warnings, open_store, reporting_errors, responses_app


#: The export formats, listed as the option's choices in the help (checked by the library,
#: whose French error names the format received).
_FORMATS = "csv|xlsx|parquet|sav|dta"


@responses_app.command("import")
def import_command(
    ctx: typer.Context,
    file: Path = typer.Argument(..., metavar=metavar("file"), help="Fichier de réponses : CSV, XLSX, Parquet, SAV, DTA ou export CSV KoboToolbox (format détecté)."),
    campaign: str = typer.Option(None, "--campaign", metavar=metavar("name"), help="Campagne visée (créée si elle n'existe pas) ; facultatif s'il n'y en a qu'une."),
    replace: bool = typer.Option(False, "--replace", help="Remplacer les réponses déjà enregistrées d'un même répondant (les blocs absents du fichier gardent leurs réponses enregistrées)."),
) -> None:
    """Importer un fichier de réponses : tout est vérifié avant d'écrire, tout ou rien."""
    from effipia.operations.responses import import_responses

    with reporting_errors(), open_store(ctx) as store:
        result = import_responses(store, file, campaign, replace=replace)
    report = result.value
    echo_message(
        "exchange.import_done",
        file=report.file,
        format=report.format.value.upper(),
        rows=report.rows,
        inserted=report.inserted,
        replaced=report.replaced,
        unchanged=report.unchanged,
        campaign=report.campaign,
    )
    if report.registered_campuses:
        echo_message("exchange.campuses_registered", count=report.registered_campuses)
    echo_warnings(result.warnings)


@responses_app.command("export")
def export_command(
    ctx: typer.Context,
    fmt: str = typer.Option(
        ..., "--format", metavar=_FORMATS, help="Format du fichier : csv, xlsx, parquet, sav (SPSS) ou dta (Stata)."
    ),
    out: Path = typer.Option(..., "--out", metavar=metavar("file"), help="Fichier à écrire."),
    campaign: str = typer.Option(None, "--campaign", metavar=metavar("name"), help="Campagne à exporter ; facultatif s'il n'y en a qu'une."),
    with_scores: bool = typer.Option(
        False, "--with-scores", help="Ajouter les scores individuels (0 à 100) des registres de qualité du partenariat (colonnes score_*)."
    ),
) -> None:
    """Exporter les réponses d'une campagne avec les codes du dictionnaire (et les libellés en SAV, DTA, XLSX)."""
    from effipia.operations.responses import export_responses

    with reporting_errors(), open_store(ctx) as store:
        result = export_responses(store, out, fmt.lower(), campaign, with_scores=with_scores)
    report = result.value
    echo_warnings(result.warnings)
    echo_message(
        "exchange.export_done",
        rows=report.rows,
        columns=report.columns,
        path=str(report.path),
        format=report.format.value.upper(),
        campaign=report.campaign,
    )
