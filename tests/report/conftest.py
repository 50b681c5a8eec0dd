"""Shared fixtures of the report tests: the synthetic campaign, its statistics set, and the
reports written once per session (expensive: kept small — national + two campuses)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from effipia.analysis import compute
from effipia.report import Context, load_texts, write_reports
from effipia.synth import generate

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "reports"


@pytest.fixture(scope="session")
def synthetic():
    """The synthetic 32-campus campaign of the demo (seed 2024)."""
    return generate(seed=2024, campaign="synthetique")


@pytest.fixture(scope="session")
def statistics(synthetic) -> pl.DataFrame:
    """Its statistics set at the default disclosure minimum (5)."""
    return compute(synthetic.responses, partners=synthetic.partners, invitations=synthetic.invitations, campuses=synthetic.campuses, min_n=5)


@pytest.fixture(scope="session")
def territories(synthetic):
    """Its territories (lycées at their commune centroid: no Annuaire file), for Illustration 2."""
    from effipia.territories import build_territories

    return build_territories(synthetic.campuses, synthetic.partners)


@pytest.fixture(scope="session")
def context(synthetic, territories) -> Context:
    return Context(campaign="synthetique", texts=load_texts(), campuses=synthetic.campuses, min_n=5, authors="Équipe de test",
                   dates="du 1er au 30 mars 2024", territories=territories)


@pytest.fixture(scope="session")
def written(tmp_path_factory, statistics, context):
    """National report and two campus reports (HTML + PDF) written once."""
    out = tmp_path_factory.mktemp("reports")
    files = write_reports(statistics, out, context, campuses=["CMQ01", "CMQ02"], workers=2)
    return files
