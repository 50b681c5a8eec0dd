"""Synthetic territories look like the report's (section 1.2, Illustration 2): each campus
mostly in its own académie, none farther than a neighbouring one, some concentrated and
some spread; rule and parameters in ``data/synth/calibration.toml`` ``[territories]``."""

from __future__ import annotations

import polars as pl
import pytest

from effipia.reference import academie_neighbours, departement_of_commune, departements, lycees
from effipia.synth import generate, sources
from effipia.territories import build_territories

SEEDS = (1, 7, 2024)


@pytest.fixture(scope="module", params=SEEDS)
def drawn(request):
    campaign = generate(seed=request.param)
    return campaign, build_territories(campaign.campuses, campaign.partners)


def _own_codes(campuses: pl.DataFrame) -> pl.DataFrame:
    codes = dict(departements().select("academie", "academie_code").unique().iter_rows())
    return campuses.select("campus_id", pl.col("academie").replace_strict(codes).alias("own"))


def test_lycees_stay_in_their_academie_or_a_neighbouring_one(drawn):
    campaign, _ = drawn
    reference = lycees().select("uai", pl.col("academie_code").alias("lycee_academie"))
    enrolled = (
        campaign.partners.filter(pl.col("category") == "lycee")
        .join(reference, on="uai")
        .join(_own_codes(campaign.campuses), on="campus_id")
    )
    assert enrolled.height == 437  # the directory's lycées (section 1.4: 23 % of the partnership)
    own = enrolled.group_by("campus_id").agg((pl.col("lycee_academie") == pl.col("own")).mean().alias("share"))
    assert own.height == 32 and own["share"].min() >= 0.8
    neighbours = academie_neighbours()
    outside = enrolled.filter(pl.col("lycee_academie") != pl.col("own"))
    farther = [(c, a, o) for c, a, o in outside.select("campus_id", "lycee_academie", "own").iter_rows()
               if a not in neighbours.get(o, ())]
    assert farther == []
    # a few campuses reach beyond their académie (Pays de la Loire campus with two Breton lycées)
    assert 1 <= outside["campus_id"].n_unique() <= 16


def test_support_establishment_is_in_the_campus_academie(drawn):
    campaign, territories = drawn
    codes = dict(departements().select("departement", "academie_code").iter_rows())
    supports = (
        territories.supports.filter(pl.col("support_partner_id").is_not_null())
        .join(campaign.partners.select(pl.col("partner_id").alias("support_partner_id"), "commune_insee"),
              on="support_partner_id")
        .join(_own_codes(campaign.campuses), on="campus_id")
    )
    assert supports.height >= 30
    placed = [codes.get(departement_of_commune(c)) for c in supports["commune_insee"]]
    assert placed == supports["own"].to_list()


def test_hull_areas_cover_concentrated_and_spread_campuses(drawn):
    _, territories = drawn
    areas = territories.indicators["hull_area_km2"]
    # commune centroids: a campus of a few communes has a hull of a few km² (0 for one
    # commune), a région-wide one thousands of km² (Bretagne is 27 000 km²)
    assert (areas <= 100).sum() >= 3
    assert (areas >= 5_000).sum() >= 3
    assert areas.max() < 60_000  # never across the country (metropolitan France: 550 000 km²)
    assert territories.indicators["max_distance_km"].max() < 450


def test_profiles_follow_the_calibrated_shares():
    from effipia.synth.territory import _profiles

    import numpy as np

    shares = sources.calibration()["territories"]["profiles"]
    drawn = _profiles(32, shares, np.random.default_rng(3))
    # largest remainder of 32 × (0.30, 0.30, 0.25, 0.15) = 9.6, 9.6, 8, 4.8 -> 10, 9, 8, 5 or 9, 10, 8, 5
    counts = dict(zip(*np.unique(drawn, return_counts=True), strict=True))
    assert counts["academie"] == 8 and counts["region"] == 5 and counts["concentre"] + counts["departement"] == 19
