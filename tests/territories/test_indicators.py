"""Territory indicators checked against hand-computed distances for three real schools.

The three lycées, with their coordinates in the Annuaire de l'éducation extract (WGS 84):
R 0351907H Lycée René Descartes, Rennes     48.08839581314323, -1.642879342483228
S 0352072M Institution Saint-Malo La Providence 48.65056459764527, -2.0257701785148496
V 0350053T Lycée Bertrand d'Argentré, Vitré  48.11888943601618, -1.213519686192245

Hand computation (equirectangular, 1° of latitude = 111.2 km, longitudes × cos 48.1° = 0.6678):
R–V: Δφ 0.0305°, Δλ 0.4294° → 0.2867° → √(0.0305² + 0.2867²) × 111.2 = 32.06 km.
Reference values: geodesic distances on GRS80 (Karney's algorithm, pyproj.Geod.inv), R–S
68.647 km, R–V 32.156 km, S–V 84.348 km; geodesic triangle area 1 049.39 km²
(pyproj.Geod.polygon_area_perimeter). Lambert-93's scale error in Brittany is below 0.1 %
(secant cone at 44° and 49° N), hence a relative tolerance of 1e-3 on distances and 2e-3 on area.
"""

from __future__ import annotations

import polars as pl
import pytest

from effipia.territories.annuaire import read_annuaire
from effipia.territories.geolocate import locate_schools
from effipia.territories.indicators import (
    compare_territories,
    distances_to_support,
    locate_supports,
    territory_indicators,
)
from effipia.reference import commune_positions

RS, RV, SV = 68.647, 32.156, 84.348
AREA = 1049.39


@pytest.fixture
def three(make_partners, make_campuses, annuaire_path):
    partners = make_partners(
        partner_id=["r", "s", "v", "u", "s2"],
        campus_id=["c1", "c1", "c1", "c1", "c1"],
        category=["lycee", "lycee", "lycee", "superieur", "lycee"],
        partner_type=["lycee", "lycee", "lycee", "universite", "lycee"],
        consortium=[1, 0, 0, 1, 0],
        uai=["0351907H", "0352072M", "0350053T", None, "0352072M"],  # s2: same school listed twice
        commune_insee=[None, None, None, "35238", None],
    )
    campuses = make_campuses(campus_id=["c1", "c2"], support_type=["lycee", "universite"], academie=["14", "Nantes"])
    schools, problems = locate_schools(partners, read_annuaire(annuaire_path))
    assert problems == []
    return campuses, partners, schools


def test_spread_of_three_schools(three):
    campuses, partners, schools = three
    supports = locate_supports(campuses, partners, schools)
    row = territory_indicators(campuses, schools, supports).row(0, named=True)
    assert row["n_schools"] == 3  # the school listed twice counts once
    assert (row["n_departements"], row["n_academies"], row["n_regions"]) == (1, 1, 1)
    assert row["max_distance_km"] == pytest.approx(SV, rel=1e-3)
    assert row["hull_area_km2"] == pytest.approx(AREA, rel=2e-3)
    assert row["n_approximate"] == 0
    # support: campus c1 wants a lycée; the consortium member r (Rennes) is chosen
    assert row["mean_distance_to_support_km"] == pytest.approx((0 + RS + RV) / 3, rel=1e-3)


def test_distance_of_each_school_to_the_support(three):
    campuses, partners, schools = three
    supports = locate_supports(campuses, partners, schools)
    c1 = supports.row(0, named=True)
    assert (c1["support_partner_id"], c1["support_rule"], c1["support_approximate"]) == ("r", "partenaire_etablissement", False)
    distances = dict(distances_to_support(schools, supports).select("partner_id", "distance_to_support_km").iter_rows())
    assert distances["r"] == pytest.approx(0.0, abs=1e-9)
    assert distances["s"] == pytest.approx(RS, rel=1e-3)
    assert distances["v"] == pytest.approx(RV, rel=1e-3)


def test_support_rules_fall_back_in_order(three, make_campuses):
    _, partners, schools = three
    campuses = make_campuses(
        campus_id=["c1", "c1", "c9"], support_type=["universite", "Université", "lycee"], academie=["14", "14", "Nantes"]
    )
    supports = locate_supports(campuses, partners, schools)
    # the university u has no UAI: placed at its commune's centroid (Rennes, 35238)
    (rennes,) = commune_positions(["35238"])
    rows = supports.rows(named=True)
    for row in rows[:2]:  # code or French label of the partner type
        assert (row["support_partner_id"], row["support_rule"], row["support_approximate"]) == ("u", "partenaire_commune", True)
        assert (row["support_x_l93"], row["support_y_l93"]) == rennes
        assert row["support_precision"] == "commune"
    # campus without partners: académie de Nantes (by name), inside Pays de la Loire
    assert rows[2]["support_rule"] == "academie" and rows[2]["support_approximate"] is True
    assert 300_000 < rows[2]["support_x_l93"] < 550_000 and 6_600_000 < rows[2]["support_y_l93"] < 6_850_000


def test_campus_without_school_and_campus_with_one(three, make_campuses):
    campuses, _, schools = three
    one = schools.filter(pl.col("partner_id") == "v").with_columns(pl.lit("c2").alias("campus_id"))
    indicators = territory_indicators(campuses, pl.concat([schools, one]))
    by_id = {r["campus_id"]: r for r in indicators.iter_rows(named=True)}
    assert by_id["c2"]["n_schools"] == 1
    assert (by_id["c2"]["max_distance_km"], by_id["c2"]["hull_area_km2"]) == (0.0, 0.0)
    empty = territory_indicators(make_campuses(campus_id=["c3"]), schools)
    assert empty.row(0, named=True)["n_schools"] == 0 and empty["max_distance_km"].to_list() == [None]
    assert indicators["mean_distance_to_support_km"].to_list() == [None, None]  # no supports given


def test_compare_territories_ranks_and_profiles():
    indicators = pl.DataFrame(
        {
            "campus_id": ["a", "b", "c", "d", "e"],
            "n_schools": [5, 4, 6, 1, 3],
            "max_distance_km": [20.0, 300.0, 120.0, 0.0, 60.0],
        }
    )
    compared = compare_territories(indicators)
    # measured (≥ 2 schools): 20, 60, 120, 300; terciles (linear) 60 and 120 → a, e concentrated; c, b spread
    assert compared["rank_spread"].to_list() == [4, 1, 2, None, 3]
    assert compared["profile"].to_list() == ["concentre", "etendu", "etendu", None, "concentre"]


@pytest.mark.parametrize(
    ("dep", "a", "b", "geodesic_km"),
    [
        # Saint-Denis (55.45° E, 20.88° S) – Saint-Pierre (55.48° E, 21.34° S), La Réunion:
        # geodesic on GRS80 (pyproj.Geod.inv) 51.026 km; Lambert-93 would give ≈ 1.9 × that
        ("974", (55.45, -20.88), (55.48, -21.34), 51.026),
        # Pointe-à-Pitre (61.53° W, 16.24° N) – Basse-Terre (61.73° W, 16.00° N): 34.104 km
        ("971", (-61.53, 16.24), (-61.73, 16.00), 34.104),
    ],
)
def test_overseas_campus_is_measured_in_its_own_projection(make_campuses, dep, a, b, geodesic_km):
    from pyproj import Transformer

    to_l93 = Transformer.from_crs("EPSG:4326", "EPSG:2154", always_xy=True)
    (x1, y1), (x2, y2) = to_l93.transform(*a), to_l93.transform(*b)
    schools = pl.DataFrame(
        {
            "campus_id": ["o", "o"], "partner_id": ["p1", "p2"], "uai": ["U1", "U2"],
            "x_l93": [x1, x2], "y_l93": [y1, y2], "approximate": [False, False],
            "departement": [dep, dep], "academie_code": ["x", "x"], "region_code": ["y", "y"],
        }
    )
    supports = pl.DataFrame({"campus_id": ["o"], "support_x_l93": [x1], "support_y_l93": [y1]})
    row = territory_indicators(make_campuses(campus_id=["o"]), schools, supports).row(0, named=True)
    # UTM scale error ≤ 0.04 % near the central meridian
    assert row["max_distance_km"] == pytest.approx(geodesic_km, rel=1e-3)
    assert row["mean_distance_to_support_km"] == pytest.approx(geodesic_km / 2, rel=1e-3)
