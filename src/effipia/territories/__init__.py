"""Territories: reference geography, school geolocation, territory indicators, companies, maps.

Pipeline: :func:`build_territories` (registry frames → :class:`Territories`), then
:func:`save_territories` (CSV files) and :func:`save_maps` (SVG/PNG and interactive HTML);
:func:`write_territories` / :func:`write_maps` do both from the registry frames.
Reference data (lycées, boundaries, NAF, Sirene, INSEE counts) is loaded through
:mod:`effipia.reference` (the reference stage).
"""

from effipia.territories.annuaire import read_annuaire
from effipia.territories.companies import (
    describe_companies,
    naf_section,
    size_distribution,
    size_group,
)
from effipia.territories.geolocate import locate_schools
from effipia.territories.indicators import (
    compare_territories,
    locate_supports,
    territory_indicators,
)
from effipia.territories.pipeline import (
    Territories,
    build_territories,
    save_maps,
    save_territories,
    write_maps,
    write_territories,
)

__all__ = [
    "Territories",
    "build_territories",
    "compare_territories",
    "describe_companies",
    "locate_schools",
    "locate_supports",
    "naf_section",
    "read_annuaire",
    "save_maps",
    "save_territories",
    "size_distribution",
    "size_group",
    "territory_indicators",
    "write_maps",
    "write_territories",
]
