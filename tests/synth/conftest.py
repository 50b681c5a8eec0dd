"""Fixtures of the generator's tests: the default campaign (seed 2024, as ``effipia demo``)."""

from __future__ import annotations

import polars as pl
import pytest

from effipia.synth import SyntheticCampaign, generate
from effipia.synth import sources


@pytest.fixture(scope="session")
def campaign() -> SyntheticCampaign:
    """The default 32-campus synthetic campaign."""
    return generate(seed=2024)


@pytest.fixture(scope="session")
def responses(campaign: SyntheticCampaign) -> pl.DataFrame:
    return campaign.responses


@pytest.fixture(scope="session")
def published() -> dict:
    """Published figures (data/reference/published_cereq_2024.toml)."""
    return sources.published()
