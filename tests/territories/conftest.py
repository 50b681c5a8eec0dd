"""Fixtures for the territories tests: hand-made registry frames with real UAI values."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from effipia.schema import CAMPUS_COLUMNS, PARTNER_COLUMNS, conform


def _partners(**columns: list) -> pl.DataFrame:
    return conform(pl.DataFrame(columns), PARTNER_COLUMNS)


def _campuses(**columns: list) -> pl.DataFrame:
    return conform(pl.DataFrame(columns), CAMPUS_COLUMNS)


@pytest.fixture
def make_partners():
    """Factory: a partner frame in the registry layout from column lists (missing columns empty)."""
    return _partners


@pytest.fixture
def make_campuses():
    """Factory: a campus frame in the registry layout from column lists."""
    return _campuses


@pytest.fixture(scope="session")
def annuaire_path(shared_dir: Path) -> Path:
    """The real Ille-et-Vilaine extract of the Annuaire de l'éducation (86 establishments)."""
    return shared_dir / "data/lycees/annuaire_education_lycees_ille_et_vilaine.csv"
