"""``effipia demo``: the whole chain on the synthetic 32-campus campaign."""

from __future__ import annotations

from pathlib import Path

import typer

from effipia.cli.app import app, open_store, reporting_errors
from effipia.errors import message
from effipia.formatting import number


@app.command()
def demo(
    ctx: typer.Context,
    out: Path = typer.Option(Path("effipia-demo"), "--out", help="Dossier des fichiers produits."),
    seed: int = typer.Option(2024, "--seed", help="Graine du générateur (même graine, mêmes données)."),
    campaign: str = typer.Option("synthetique", "--campaign", help="Nom de la campagne créée."),
) -> None:
    """Génère la campagne synthétique des 32 campus, la range dans la base, calcule les
    statistiques, les territoires et les cartes, et indique ce qui a été produit et où."""
    from effipia.analysis import compute, headline
    from effipia.synth import generate
    from effipia.territories import write_maps, write_territories

    with reporting_errors():
        out.mkdir(parents=True, exist_ok=True)
        store = open_store(ctx)
        synthetic = generate(seed=seed, campaign=campaign)
        synthetic.write_to(store, source="effipia demo")
        typer.echo(
            message(
                "demo.campaign",
                campaign=campaign,
                campuses=number(synthetic.campuses.height),
                partners=number(synthetic.partners.height),
                respondents=number(synthetic.responses.height),
                url=store.url,
            )
        )
        campuses, partners = store.campuses(), store.partners(campaign)
        statistics = compute(
            store.responses(campaign), partners=partners, invitations=store.invitations(campaign), campuses=campuses
        )
        csv_path, parquet_path = out / "statistics.csv", out / "statistics.parquet"
        statistics.write_parquet(parquet_path)
        statistics.write_csv(csv_path)
        typer.echo(message("demo.statistics", rows=number(statistics.height), csv=csv_path, parquet=parquet_path))
        for line in headline(statistics, campuses=campuses):
            typer.echo(f"  {line}")
        territory_files = write_territories(campuses, partners, out / "territoires")
        typer.echo(message("demo.territories", files=", ".join(str(p) for p in territory_files)))
        map_files = write_maps(campuses, partners, out / "cartes")
        typer.echo(message("demo.maps", count=number(len(map_files)), path=out / "cartes"))
        typer.echo(message("demo.done", path=out.resolve()))
        store.close()
