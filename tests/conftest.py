"""Shared fixtures: database URLs for both back-ends, external tools.

A test that needs a service absent from this machine is skipped with the reason;
under CI (``EFFIPIA_REQUIRE_SERVICES=1``, set by ``scripts/test.sh``) the same
absence fails the test, so CI never passes on skipped PostgreSQL, R or browser tests.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from utils.services import require_service

SHARED = Path(__file__).resolve().parents[2] / "shared"
if not SHARED.exists():  # CI clones main next to a copy of shared/
    SHARED = Path(__file__).resolve().parents[1].parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The read-only ``shared/`` folder (reference data, codebook, report)."""
    if not SHARED.exists():
        require_service("shared/ folder not found beside the repository")
    return SHARED


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """URL of a fresh SQLite file."""
    return f"sqlite:///{tmp_path / 'effipia.db'}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """URL of a fresh PostgreSQL database, dropped after the test."""
    base = os.environ.get("EFFIPIA_TEST_POSTGRES_URL")
    if not base:
        require_service("PostgreSQL not available (EFFIPIA_TEST_POSTGRES_URL unset)")
    import sqlalchemy as sa

    name = f"effipia_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = base.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest) -> str:
    """A fresh database URL on each back-end in turn."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    return request.getfixturevalue("postgres_url")


@pytest.fixture(scope="session")
def rscript() -> str:
    """Path of Rscript with survey, sandwich and MASS installed."""
    path = shutil.which("Rscript")
    if not path:
        require_service("Rscript not installed (apt-get install r-cran-survey r-cran-sandwich r-cran-mass)")
    return path


@pytest.fixture(scope="session")
def chromium() -> str:
    """Path of Debian's Chromium for Playwright."""
    path = "/usr/bin/chromium"
    if not os.path.exists(path):
        require_service("Chromium not installed (apt-get install chromium)")
    return path
