"""The territories stage on the synthetic 32-campus campaign (``effipia.synth.generate``)."""

from __future__ import annotations

import polars as pl
import pytest

from effipia.territories import build_territories
from effipia.reference import lycees


@pytest.fixture(scope="module")
def synthetic():
    from effipia.synth import generate

    return generate(seed=2024, campaign="synthetique")


def test_every_synthetic_school_is_a_real_lycee_and_placed(synthetic):
    result = build_territories(synthetic.campuses, synthetic.partners)
    school_partners = synthetic.partners.filter(pl.col("uai").is_not_null())
    assert result.schools.height == school_partners.height
    assert [p for p in result.problems if p.column == "uai"] == []
    assert set(result.schools["uai"]) <= set(lycees()["uai"])
    assert result.schools["x_l93"].null_count() == 0
    indicators = result.indicators
    assert indicators.height == synthetic.campuses.height
    # without the annuaire every position is a département centroid
    assert (indicators["n_approximate"] == indicators["n_schools"]).all()
    assert (indicators["n_schools"] >= 1).all()
    # each campus has a placed support establishment
    assert result.supports["support_x_l93"].null_count() == 0
