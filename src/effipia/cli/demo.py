"""``effipia demo``: the whole chain on the synthetic 32-campus campaign."""

from __future__ import annotations

from pathlib import Path

import typer

from effipia.cli.french import metavar
from effipia.cli.app import app, echo_problems, echo_warnings, open_store, reporting_errors
from effipia.errors import message
from effipia.formatting import number


@app.command()
def demo(
    ctx: typer.Context,
    out: Path = typer.Option(Path("effipia-demo"), "--out", metavar=metavar("folder"), help="Dossier des fichiers produits."),
    seed: int = typer.Option(2024, "--seed", metavar=metavar("number"), help="Graine du générateur (même graine, mêmes données)."),
    campaign: str = typer.Option("synthetique", "--campaign", metavar=metavar("name"), help="Nom de la campagne créée."),
) -> None:
    """Génère la campagne synthétique des 32 campus, la range dans la base, calcule les
    statistiques, les territoires, les cartes et les rapports, et indique ce qui a été produit et où."""
    from effipia.cli.report import progress_bar
    from effipia.operations.demo import run_demo

    bar, update = progress_bar()
    with reporting_errors(), open_store(ctx) as store, bar:
        result = run_demo(store, out, seed=seed, campaign=campaign, progress=update)
    done = result.value
    synthetic, statistics, territories = done.synthetic.campaign, done.statistics, done.territories
    typer.echo(
        message(
            "demo.campaign",
            campaign=campaign,
            campuses=number(synthetic.campuses.height),
            partners=number(synthetic.partners.height),
            respondents=number(synthetic.responses.height),
            url=done.synthetic.url,
        )
    )
    parquet, csv = statistics.files[:2]
    typer.echo(message("demo.statistics", rows=number(statistics.statistics.height), csv=csv, parquet=parquet))
    for line in statistics.headline:
        typer.echo(f"  {line}")
    typer.echo(message("demo.territories", files=", ".join(str(p) for p in territories.tables)))
    typer.echo(message("demo.maps", count=number(len(territories.maps)), path=out / "cartes"))
    if done.reports is not None:
        typer.echo(message("report.demo", path=done.reports.folder, campuses=number(len(done.reports.campus))))
    typer.echo(message("demo.done", path=out.resolve()))
    echo_problems(result.problems, "territories.warnings")
    echo_warnings(result.warnings)
