"""Territory indicators and maps of a campaign (``effipia territories``, ``effipia map``, the demo).

One path for every caller: the campuses and partners are read once, the campaign must have
campuses, the territories are built once, then written as tables and/or maps. Partners the
stage could not place or describe (bad UAI, unknown NAF code…) are the result's
``problems``: non-fatal, the rest is built.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from effipia.errors import EffipiaError
from effipia.operations.results import OperationResult

if TYPE_CHECKING:
    import polars as pl

    from effipia.store import Store
    from effipia.territories import Territories

__all__ = ["TerritoryOutput", "build_territories", "write_territories"]

PathLike = str | Path


@dataclass(frozen=True)
class TerritoryOutput:
    """The territories of a campaign and the files written from them."""

    campaign: str
    territories: "Territories"
    tables: list[Path] = field(default_factory=list)
    maps: list[Path] = field(default_factory=list)

    def rows(self, name: str) -> int | None:
        """Rows of the written table ``name`` (``territories.csv``, ``schools.csv``), if written."""
        frames = {"territories.csv": self.territories.indicators, "schools.csv": self.territories.schools}
        if name not in frames or not any(p.name == name for p in self.tables):
            return None
        return frames[name].height


def build_territories(
    store: "Store",
    campaign: str | None = None,
    *,
    annuaire: "PathLike | pl.DataFrame | None" = None,
    national: "PathLike | pl.DataFrame | None" = None,
) -> OperationResult["Territories"]:
    """The territories of ``campaign`` (optional when the store holds one): French error when
    the store has no campus; partners not placed or described are the result's problems."""
    from effipia.territories import build_territories as build

    name = store.resolve_campaign(campaign)
    campuses = store.campuses()
    partners = store.partners(name)
    if campuses.height == 0:
        raise EffipiaError("territories.no_campus")
    result = build(campuses, partners, annuaire=annuaire, national=national)
    return OperationResult(result, problems=list(result.problems))


def write_territories(
    store: "Store",
    campaign: str | None = None,
    *,
    tables: PathLike | None = None,
    maps: PathLike | None = None,
    annuaire: "PathLike | pl.DataFrame | None" = None,
    national: "PathLike | pl.DataFrame | None" = None,
    tiles: str | None = None,
) -> OperationResult[TerritoryOutput]:
    """Build the territories of ``campaign`` once and write the tables to the folder
    ``tables`` (``territories.csv``, ``schools.csv``… see
    :func:`effipia.territories.save_territories`) and/or the maps to the folder ``maps``
    (national, regional and per-campus SVG/PNG, interactive HTML with optional web ``tiles``)."""
    from effipia.territories import save_maps, save_territories
    from effipia.territories.interactive import check_tiles

    if maps is not None:
        check_tiles(tiles)  # a bad address is refused before any work
    built = build_territories(store, campaign, annuaire=annuaire, national=national)
    name = store.resolve_campaign(campaign)
    written_tables = save_territories(built.value, tables) if tables is not None else []
    written_maps = save_maps(built.value, maps, tiles=tiles) if maps is not None else []
    output = TerritoryOutput(campaign=name, territories=built.value, tables=written_tables, maps=written_maps)
    return OperationResult(output, problems=built.problems, warnings=built.warnings)
