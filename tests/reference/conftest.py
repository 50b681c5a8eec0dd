"""Fixtures of the reference-stage tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def annuaire_path(shared_dir: Path) -> Path:
    """The real Ille-et-Vilaine extract of the Annuaire de l'éducation (86 establishments, 84 with coordinates)."""
    return shared_dir / "data/lycees/annuaire_education_lycees_ille_et_vilaine.csv"
