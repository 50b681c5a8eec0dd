"""``effipia report``: the national report and the campus reports of a campaign."""

from __future__ import annotations

from pathlib import Path

import typer

from effipia.cli.french import metavar
from effipia.cli.app import app, echo_err, echo_warnings, open_store, reporting_errors
from effipia.errors import message
from effipia.formatting import number


def progress_bar():
    """A rich progress bar on stderr (``update(done, total)``) and its context manager."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   console=Console(stderr=True), transient=False)
    task = bar.add_task(message("report.progress"), total=None)

    def update(done: int, total: int) -> None:
        bar.update(task, completed=done, total=total)

    return bar, update


@app.command("report")
def report_command(
    ctx: typer.Context,
    out: Path = typer.Option(..., "--out", metavar=metavar("folder"), help="Dossier où écrire les rapports (créé au besoin)."),
    campaign: str = typer.Option(None, "--campaign", metavar=metavar("name"), help="Campagne ; facultatif s'il n'y en a qu'une."),
    campus: list[str] = typer.Option(None, "--campus", metavar=metavar("id"), help="Ne produire que le rapport de ce campus (option répétable) ; par défaut : tous les campus ayant assez de répondants."),
    statistics: Path = typer.Option(None, "--statistics", metavar=metavar("file"), help="Jeu de statistiques déjà calculé (statistics.parquet ou .csv de « effipia compute ») ; sans cette option il est calculé."),
    min_n: int = typer.Option(None, "--min-n", metavar=metavar("number"), help="Effectif minimal de diffusion (par défaut : réglage EFFIPIA_DISCLOSURE_MIN)."),
    pdf: bool = typer.Option(True, "--pdf/--no-pdf", help="Produire aussi les PDF (par défaut : oui)."),
) -> None:
    """Écrire le rapport national (HTML, PDF, XLSX, figures) et un rapport par campus."""
    from effipia.operations.reports import write_reports

    bar, update = progress_bar()
    with reporting_errors(), open_store(ctx) as store:
        with bar:
            result = write_reports(store, campaign, out=out, campuses=campus or None, statistics_file=statistics, min_n=min_n, pdf=pdf, progress=update)
    files = result.value
    typer.echo(message("report.written", path=files.folder.resolve(), figures=number(len(files.figures) // 2), campuses=number(len(files.campus))))
    echo_warnings(result.warnings)
    if campus and any(c in files.refused for c in campus):
        raise typer.Exit(1)
