"""``effipia territories`` and ``effipia map``: territory indicators and maps of a campaign."""

from __future__ import annotations

from pathlib import Path

import typer

from effipia.cli.french import metavar
from effipia.cli.app import app, echo_problems, echo_warnings, open_store, reporting_errors
from effipia.errors import message
from effipia.formatting import number as _n

_CAMPAIGN_HELP = "Campagne (facultatif s'il n'y en a qu'une dans la base)."
_ANNUAIRE_HELP = (
    "Fichier de l'« Annuaire de l'éducation » (fr-en-annuaire-education, colonnes officielles) : "
    "positions exactes des établissements ; sans lui, chaque lycée est placé au centre de sa "
    "commune (position approchée ; au centre du département si la commune est inconnue)."
)


_NATIONAL_HELP = (
    "Liste nationale des campus (CSV avec une colonne region) : la répartition régionale des "
    "campus est comparée à celle de l'ensemble des campus."
)


@app.command("territories")
def territories_command(
    ctx: typer.Context,
    out: Path = typer.Option(..., "--out", metavar=metavar("folder"), help="Dossier où écrire territories.csv, schools.csv et les fichiers annexes."),
    campaign: str = typer.Option(None, "--campaign", metavar=metavar("name"), help=_CAMPAIGN_HELP),
    annuaire: Path = typer.Option(None, "--annuaire", metavar=metavar("file"), help=_ANNUAIRE_HELP),
    national: Path = typer.Option(None, "--national", metavar=metavar("file"), help=_NATIONAL_HELP),
) -> None:
    """Indicateurs territoriaux de chaque campus (lycées, départements, académies, régions,
    surface de l'enveloppe convexe, plus grande distance, distance à l'établissement support).

    Les fichiers de référence fournis (liste des lycées, contours, effectifs INSEE) se
    remplacent par des versions plus récentes de même nom et de même format placées dans le
    dossier désigné par la variable d'environnement EFFIPIA_REFERENCE."""
    from effipia.operations.territories import write_territories

    with reporting_errors(), open_store(ctx) as store:
        result = write_territories(store, campaign, tables=out, annuaire=annuaire, national=national)
    echo_problems(result.problems, "territories.warnings")
    echo_warnings(result.warnings)
    for path in result.value.tables:
        rows = result.value.rows(path.name)
        if rows is not None:
            typer.echo(message("territories.written", path=path, rows=_n(rows)))


@app.command("map")
def map_command(
    ctx: typer.Context,
    out: Path = typer.Option(..., "--out", metavar=metavar("folder"), help="Dossier où écrire les cartes (SVG, PNG, HTML interactif)."),
    campaign: str = typer.Option(None, "--campaign", metavar=metavar("name"), help=_CAMPAIGN_HELP),
    annuaire: Path = typer.Option(None, "--annuaire", metavar=metavar("file"), help=_ANNUAIRE_HELP),
    tiles: str = typer.Option(
        None, "--tiles", metavar=metavar("url"),
        help="Adresse de tuiles web pour le fond de la carte interactive (https://…/{z}/{x}/{y}.png) ; "
        "par défaut la carte n'utilise que les contours fournis et fonctionne hors ligne.",
    ),
    national: Path = typer.Option(None, "--national", metavar=metavar("file"), help=_NATIONAL_HELP),
) -> None:
    """Cartes des territoires : carte nationale, une carte par campus (SVG et PNG) et carte
    interactive de tous les campus (HTML autonome, filtres par campus et filière).

    Les contours et la liste des lycées fournis se remplacent par des versions plus récentes
    de même nom placées dans le dossier désigné par la variable EFFIPIA_REFERENCE."""
    from effipia.operations.territories import write_territories

    with reporting_errors(), open_store(ctx) as store:
        result = write_territories(store, campaign, maps=out, annuaire=annuaire, national=national, tiles=tiles)
    echo_problems(result.problems, "territories.warnings")
    echo_warnings(result.warnings)
    typer.echo(message("territories.maps_written", count=_n(len(result.value.maps)), path=out))
