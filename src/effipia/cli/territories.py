"""``effipia territories`` and ``effipia map``: territory indicators and maps of a campaign."""

from __future__ import annotations

from pathlib import Path

import typer

from effipia.cli.app import app, echo_err, open_store, reporting_errors
from effipia.errors import EffipiaError, message
from effipia.formatting import number as _n

_CAMPAIGN_HELP = "Campagne (facultatif s'il n'y en a qu'une dans la base)."
_ANNUAIRE_HELP = (
    "Fichier de l'« Annuaire de l'éducation » (fr-en-annuaire-education, colonnes officielles) : "
    "positions exactes des établissements ; sans lui, chaque lycée est placé au centre de son "
    "département (position approchée)."
)


_NATIONAL_HELP = (
    "Liste nationale des campus (CSV avec une colonne region) : la répartition régionale des "
    "campus est comparée à celle de l'ensemble des campus."
)


def _build(ctx: typer.Context, campaign: str | None, annuaire: Path | None, national: Path | None = None):
    from effipia.territories import build_territories

    store = open_store(ctx)
    try:
        name = store.resolve_campaign(campaign)
        campuses = store.campuses()
        partners = store.partners(name)
    finally:
        store.close()
    if campuses.height == 0:
        raise EffipiaError("territories.no_campus")
    result = build_territories(campuses, partners, annuaire=annuaire, national=national)
    if result.problems:
        echo_err(message("territories.warnings", count=_n(len(result.problems))))
        for problem in result.problems:
            # partners come from the store: no file line to show, the reason names the partner
            echo_err(f"  {problem.reason}")
    return result


@app.command("territories")
def territories_command(
    ctx: typer.Context,
    out: Path = typer.Option(..., "--out", help="Dossier où écrire territories.csv, schools.csv et les fichiers annexes."),
    campaign: str = typer.Option(None, "--campaign", help=_CAMPAIGN_HELP),
    annuaire: Path = typer.Option(None, "--annuaire", help=_ANNUAIRE_HELP),
    national: Path = typer.Option(None, "--national", help=_NATIONAL_HELP),
) -> None:
    """Indicateurs territoriaux de chaque campus (lycées, départements, académies, régions,
    surface de l'enveloppe convexe, plus grande distance, distance à l'établissement support).

    Les fichiers de référence fournis (liste des lycées, contours, effectifs INSEE) se
    remplacent par des versions plus récentes de même nom et de même format placées dans le
    dossier désigné par la variable d'environnement EFFIPIA_REFERENCE."""
    from effipia.territories import save_territories

    with reporting_errors():
        result = _build(ctx, campaign, annuaire, national)
        paths = save_territories(result, out)
    rows = {"territories.csv": result.indicators.height, "schools.csv": result.schools.height}
    for path in paths:
        if path.name in rows:
            typer.echo(message("territories.written", path=path, rows=_n(rows[path.name])))


@app.command("map")
def map_command(
    ctx: typer.Context,
    out: Path = typer.Option(..., "--out", help="Dossier où écrire les cartes (SVG, PNG, HTML interactif)."),
    campaign: str = typer.Option(None, "--campaign", help=_CAMPAIGN_HELP),
    annuaire: Path = typer.Option(None, "--annuaire", help=_ANNUAIRE_HELP),
    tiles: str = typer.Option(
        None, "--tiles",
        help="Adresse de tuiles web pour le fond de la carte interactive (https://…/{z}/{x}/{y}.png) ; "
        "par défaut la carte n'utilise que les contours fournis et fonctionne hors ligne.",
    ),
    national: Path = typer.Option(None, "--national", help=_NATIONAL_HELP),
) -> None:
    """Cartes des territoires : carte nationale, une carte par campus (SVG et PNG) et carte
    interactive de tous les campus (HTML autonome, filtres par campus et filière).

    Les contours et la liste des lycées fournis se remplacent par des versions plus récentes
    de même nom placées dans le dossier désigné par la variable EFFIPIA_REFERENCE."""
    from effipia.territories import save_maps
    from effipia.territories.interactive import check_tiles

    with reporting_errors():
        check_tiles(tiles)
        result = _build(ctx, campaign, annuaire, national)
        paths = save_maps(result, out, tiles=tiles)
    typer.echo(message("territories.maps_written", count=_n(len(paths)), path=out))
