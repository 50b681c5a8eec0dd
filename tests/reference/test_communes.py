"""Commune centroids: lycées placed at their commune when the Annuaire gives no coordinates."""

from __future__ import annotations

import numpy as np
import polars as pl

from effipia.reference import commune_centroids, commune_key, commune_positions, lycees, reference_path
from effipia.schema import PARTNER_COLUMNS, conform
from effipia.territories.annuaire import read_annuaire
from effipia.territories.geolocate import locate_schools


def test_shipped_file_is_the_shared_derived_file(shared_dir):
    shipped = reference_path("communes_centroides.csv")
    assert shipped.read_bytes() == (shared_dir / "data/geo/communes_centroides.csv").read_bytes()
    table = commune_centroids()
    assert table.height == 35357  # shared/data/README.md: 35 357 communes (COG 2018)
    assert table["commune_insee"].n_unique() == table.height


def test_arrondissements_are_read_as_their_commune():
    assert [commune_key(c) for c in ("75115", "69383", "13208", "35238", " 2a004 ", "")] == [
        "75056", "69123", "13055", "35238", "2A004", None]
    paris, lyon, marseille = commune_positions(["75056", "69123", "13055"])
    assert commune_positions(["75101", "75120"]) == [paris, paris]
    assert commune_positions(["69389"]) == [lyon]
    assert commune_positions(["13216"]) == [marseille]


def test_every_shipped_lycee_is_placed_at_its_commune_but_those_of_an_unknown_commune():
    table = lycees()
    partners = conform(
        table.select(
            pl.col("uai").alias("partner_id"), pl.lit("C").alias("campus_id"), pl.lit("lycee").alias("category"), "uai"
        ),
        PARTNER_COLUMNS,
    )
    schools, problems = locate_schools(partners)
    assert problems == [] and schools.height == table.height == 3607
    counts = dict(schools["precision"].value_counts().iter_rows())
    # Only Saint-Martin (97801, a collectivité since 2007, absent from the 2018 commune
    # polygons of Guadeloupe) is unknown: its 2 lycées sit at Guadeloupe's centre.
    assert counts == {"commune": 3605, "departement": 2}
    off = schools.filter(pl.col("precision") == "departement")
    assert sorted(off["uai"]) == ["9710981P", "9711252J"] and set(off["commune_insee"]) == {"97801"}
    assert schools["approximate"].all() and schools["x_l93"].null_count() == 0
    # Lycées of Paris arrondissements all share the Paris centroid.
    paris = schools.filter(pl.col("commune_insee").str.starts_with("751"))
    assert paris.height > 50 and paris.select("x_l93", "y_l93").n_unique() == 1


def test_commune_centroid_is_about_two_km_from_the_exact_position(annuaire_path):
    # Ille-et-Vilaine extract of the Annuaire (84 lycées with coordinates): distance from the
    # Annuaire position to the commune centroid; measured median 1.6 km, 90 % under 2.8 km.
    exact = read_annuaire(annuaire_path)
    positions = commune_positions(exact["commune_insee"].to_list())
    assert all(p is not None for p in positions)
    distance = np.hypot(
        exact["x_l93"].to_numpy() - np.array([p[0] for p in positions]),
        exact["y_l93"].to_numpy() - np.array([p[1] for p in positions]),
    ) / 1000
    assert exact.height == 84
    assert 1.0 <= float(np.median(distance)) <= 3.0
    assert distance.max() < 10.0  # a commune of Ille-et-Vilaine is at most ~15 km across
