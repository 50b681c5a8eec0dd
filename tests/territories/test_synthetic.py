"""The territories stage on the synthetic 32-campus campaign (``effipia.synth.generate``)."""

from __future__ import annotations

import polars as pl
import pytest

from pathlib import Path

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
    # without the annuaire every position is approximate: the commune's centroid (all 3 605
    # shipped lycées of a known commune; the demo enrols none of Saint-Martin's two)
    assert (indicators["n_approximate"] == indicators["n_schools"]).all()
    assert set(result.schools["precision"]) == {"commune"} and set(indicators["precision"]) == {"commune"}
    assert indicators["campus_letter"].to_list() == synthetic.campuses["letter"].to_list()
    assert (indicators["n_schools"] >= 1).all()
    # each campus has a placed support establishment
    assert result.supports["support_x_l93"].null_count() == 0


ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "territories"


def test_national_map_of_the_demo_is_kept_for_a_person_to_look_at(synthetic):
    """The demo's national map (32 campuses, one panel each as Illustration 2) rendered to PNG
    under ``artifacts/territories/`` (git-ignored): territories inside their académie, some
    concentrated, some spread, « lettre (identifiant) » above each panel."""
    from effipia.territories.maps import national_map

    result = build_territories(synthetic.campuses, synthetic.partners)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    svg, png = national_map(result.campuses, result.schools, result.supports, ARTIFACTS / "carte_nationale_demo")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 50_000
    text = svg.read_text(encoding="utf-8")
    assert "ZA (CMQ11)" in text and "U (CMQ16)" in text
    assert f"Positions : {result.schools.height} au centre de la commune." in text.replace("\u202f", "")
