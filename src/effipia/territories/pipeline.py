"""The territories stage in one call: registry frames in, located schools, indicators and maps out.

:func:`build_territories` runs geolocation, support placement, indicators, the
comparison across campuses and the company descriptors; :func:`save_territories` and
:func:`save_maps` write the files of the ``effipia territories`` and ``effipia map``
commands from its result; :func:`write_territories` and :func:`write_maps` do both steps
from the registry frames.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from effipia.csvsafe import write_csv
from effipia.errors import EffipiaError, Problem
from effipia.territories.annuaire import read_annuaire
from effipia.territories.characterise import characterise_campuses, read_national_list
from effipia.territories.companies import describe_companies
from effipia.territories.geolocate import locate_schools
from effipia.territories.indicators import (
    TERRITORY_COLUMNS,
    compare_territories,
    distances_to_support,
    locate_supports,
    territory_indicators,
)

__all__ = [
    "SCHOOLS_CSV_COLUMNS",
    "Territories",
    "build_territories",
    "save_maps",
    "save_territories",
    "write_maps",
    "write_territories",
]

#: Columns of ``schools.csv`` (contract), then the campus letter, the precision of the
#: position (``exact``, ``commune``, ``departement``) and the distance to the support.
SCHOOLS_CSV_COLUMNS = [
    "campus_id", "partner_id", "uai", "name", "commune", "academie", "x_l93", "y_l93", "approximate",
    "campus_letter", "precision", "distance_to_support_km",
]


@dataclass
class Territories:
    """Everything the stage computes for one campaign."""

    campuses: pl.DataFrame
    schools: pl.DataFrame  # located schools with ``distance_to_support_km``
    supports: pl.DataFrame
    indicators: pl.DataFrame  # one row per campus, TERRITORY_COLUMNS
    comparison: pl.DataFrame  # indicators + rank_spread, profile
    companies: pl.DataFrame
    characterisation: dict[str, pl.DataFrame] = field(default_factory=dict)  # region, academie, year_created
    problems: list[Problem] = field(default_factory=list)


def build_territories(
    campuses: pl.DataFrame,
    partners: pl.DataFrame,
    annuaire: str | os.PathLike[str] | pl.DataFrame | None = None,
    national: str | os.PathLike[str] | pl.DataFrame | None = None,
    file: str = "partenaires",
) -> Territories:
    """Compute the territories of every campus from the registry frames.

    ``annuaire`` is an Annuaire de l'éducation file (path) or an already read frame; without
    it schools sit at their commune centroid (approximate, precision ``commune``). ``national`` is a national
    list of campuses (path or frame with a ``region`` column) to compare regions with.
    Problems (bad or unknown UAI, SIRET, NAF, size class) are collected, never raised: the
    caller decides.
    """
    if annuaire is not None and not isinstance(annuaire, pl.DataFrame):
        annuaire = read_annuaire(annuaire)
    if national is not None and not isinstance(national, pl.DataFrame):
        national = read_national_list(national)
    schools, problems = locate_schools(partners, annuaire, file=file)
    supports = locate_supports(campuses, partners, schools)
    indicators = territory_indicators(campuses, schools, supports)
    companies, company_problems = describe_companies(partners, file=file)
    return Territories(
        campuses=campuses,
        schools=_with_letter(distances_to_support(schools, supports), campuses),
        supports=supports,
        indicators=indicators,
        comparison=compare_territories(indicators),
        companies=companies,
        characterisation=characterise_campuses(campuses, national),
        problems=problems + company_problems,
    )


def _with_letter(schools: pl.DataFrame, campuses: pl.DataFrame) -> pl.DataFrame:
    """``schools`` with ``campus_letter`` (the campus's ``letter``; empty for a campus without one)."""
    letters = {} if "letter" not in campuses.columns else dict(campuses.select("campus_id", "letter").iter_rows())
    return schools.with_columns(
        pl.col("campus_id").replace_strict(letters, default=None, return_dtype=pl.String).alias("campus_letter")
    )


def write_territories(
    campuses: pl.DataFrame,
    partners: pl.DataFrame,
    out: str | os.PathLike[str],
    annuaire: str | os.PathLike[str] | pl.DataFrame | None = None,
    national: str | os.PathLike[str] | pl.DataFrame | None = None,
) -> list[Path]:
    """Build the territories of ``campuses``/``partners`` and write the CSV files of :func:`save_territories`."""
    return save_territories(build_territories(campuses, partners, annuaire=annuaire, national=national), out)


def write_maps(
    campuses: pl.DataFrame,
    partners: pl.DataFrame,
    out: str | os.PathLike[str],
    annuaire: str | os.PathLike[str] | pl.DataFrame | None = None,
    tiles: str | None = None,
    national: str | os.PathLike[str] | pl.DataFrame | None = None,
) -> list[Path]:
    """Build the territories of ``campuses``/``partners`` and write the maps of :func:`save_maps`."""
    from effipia.territories.interactive import check_tiles

    check_tiles(tiles)
    return save_maps(build_territories(campuses, partners, annuaire=annuaire, national=national), out, tiles=tiles)


def save_territories(result: Territories, out: str | os.PathLike[str]) -> list[Path]:
    """Write ``territories.csv``, ``schools.csv``, ``supports.csv``, ``comparison.csv``,
    ``companies.csv``, ``problems.csv`` (French reasons) and the characterisation tables
    ``campus_<table>.csv`` (region, academie, year_created) to ``out``; return the paths."""
    folder = _output_folder(out)
    # metres to the decimetre and km to the metre: enough for every use, readable files
    metres = pl.col("^(support_)?[xy]_l93$").round(1)
    km = pl.col("^.*_km2?$").round(3)
    files = {
        "territories.csv": result.indicators.select(list(TERRITORY_COLUMNS)).with_columns(km),
        "schools.csv": result.schools.select(SCHOOLS_CSV_COLUMNS).with_columns(metres, km),
        "supports.csv": result.supports.with_columns(metres),
        "comparison.csv": result.comparison.with_columns(km),
        "companies.csv": result.companies,
        "problems.csv": pl.DataFrame(
            {
                "column": [p.column for p in result.problems],
                "code": [p.code for p in result.problems],
                "partner_id": [dict(p.params).get("partner") for p in result.problems],
                "reason": [p.reason for p in result.problems],
            },
            schema={"column": pl.String, "code": pl.String, "partner_id": pl.String, "reason": pl.String},
        ),
    }
    files |= {f"campus_{name}.csv": table for name, table in result.characterisation.items()}
    written = []
    for name, frame in files.items():
        path = folder / name
        write_csv(frame, path)  # effipia.csvsafe: no cell runs as a formula
        written.append(path)
    return written


def save_maps(result: Territories, out: str | os.PathLike[str], tiles: str | None = None) -> list[Path]:
    """Write the national map, the map of campuses by region, one map per campus (SVG and
    PNG) and the interactive map (``carte_interactive.html``) to ``out``; return the paths."""
    from effipia.territories.interactive import check_tiles, interactive_map
    from effipia.territories.maps import campus_map, national_map, region_map

    check_tiles(tiles)
    folder = _output_folder(out)
    written = national_map(result.campuses, result.schools, result.supports, folder / "carte_nationale")
    if "region" in result.characterisation:
        written += region_map(result.characterisation["region"], folder / "carte_regions")
    supports = {r["campus_id"]: r for r in result.supports.iter_rows(named=True)}
    for campus in result.campuses.iter_rows(named=True):
        written += campus_map(campus, result.schools, supports.get(campus["campus_id"]), folder / "campus" / _safe_name(campus["campus_id"]))
    written.append(interactive_map(result.campuses, result.schools, result.supports, folder / "carte_interactive.html", tiles=tiles))
    return written


def _output_folder(out: str | os.PathLike[str]) -> Path:
    """The output folder, created if needed; a French error when it cannot be (a file in the
    way, a read-only place) rather than a traceback."""
    folder = Path(out)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        raise EffipiaError("territories.out_unwritable", path=str(folder)) from None
    return folder


def _safe_name(campus_id: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in str(campus_id))
