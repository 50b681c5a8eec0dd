"""``effipia demo``: the whole chain on the synthetic 32-campus campaign."""

from __future__ import annotations

from pathlib import Path

import typer

from effipia.cli.app import app, open_store, reporting_errors


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
        store.write_campaign(
            campaign,
            campuses=synthetic.campuses,
            partners=synthetic.partners,
            invitations=synthetic.invitations,
            responses=synthetic.responses,
        )
        typer.echo(
            f"Campagne « {campaign} » : {synthetic.campuses.height} campus, "
            f"{synthetic.partners.height} partenaires, {synthetic.responses.height} répondants "
            f"→ base {store.url}"
        )
        statistics = compute(
            store.responses(campaign),
            partners=store.partners(campaign),
            invitations=store.invitations(campaign),
            campuses=store.campuses(),
        )
        statistics.write_parquet(out / "statistics.parquet")
        statistics.write_csv(out / "statistics.csv")
        typer.echo(f"Statistiques : {statistics.height} lignes → {out / 'statistics.csv'}, {out / 'statistics.parquet'}")
        for line in headline(statistics):
            typer.echo(f"  {line}")
        territory_files = write_territories(store.campuses(), store.partners(campaign), out / "territoires")
        map_files = write_maps(store.campuses(), store.partners(campaign), out / "cartes")
        typer.echo(f"Territoires : {', '.join(str(p) for p in territory_files)}")
        typer.echo(f"Cartes : {len(map_files)} fichiers dans {out / 'cartes'}")
