"""Fixtures of the questionnaire tests: the shipped questionnaire and the parsed codebook."""

from __future__ import annotations

from pathlib import Path

import pytest

from effipia.questionnaire import Questionnaire, load_questionnaire
from .codebook import Codebook, read_codebook


@pytest.fixture(scope="session")
def q() -> Questionnaire:
    return load_questionnaire()


@pytest.fixture(scope="session")
def codebook(shared_dir: Path) -> Codebook:
    return read_codebook(shared_dir / "docs" / "codebook.md")
