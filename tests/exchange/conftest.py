"""Fixtures of the exchange tests: questionnaire, stores with a small registry, file writers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa
from utils.registry import store_with_campuses

from effipia.exchange.form import FormView, form_view
from effipia.questionnaire import load_questionnaire
from effipia.store import Store

#: Two campuses of a hand-made registry (codebook campus layout).
CAMPUSES = pl.DataFrame(
    {
        "campus_id": ["C01", "C02"],
        "name": ["Campus aéronautique", "Campus industrie du futur"],
        "filiere": ["aeronautique", "industrie"],
    }
)


@pytest.fixture(scope="session")
def questionnaire():
    return load_questionnaire()


@pytest.fixture(scope="session")
def form(questionnaire) -> FormView:
    return form_view(questionnaire)


def open_store(url: str) -> Store:
    """A store at ``url`` holding the two campuses."""
    return store_with_campuses(url, CAMPUSES)


@pytest.fixture
def store(sqlite_url: str) -> Iterator[Store]:
    """A SQLite store holding the two campuses and no campaign."""
    s = open_store(sqlite_url)
    yield s
    s.close()


@pytest.fixture
def any_store(db_url: str) -> Iterator[Store]:
    """The same on SQLite then PostgreSQL."""
    s = open_store(db_url)
    yield s
    s.close()


def snapshot(store: Store) -> dict[str, object]:
    """Row counts and full content of every table, to prove an import left the store unchanged."""
    content: dict[str, object] = {"counts": store.counts()}
    with store.engine.connect() as conn:
        for table in ("campaigns", "campuses", "partners", "invitations", "responses"):
            rows = conn.execute(sa.text(f"SELECT * FROM {table}")).all()
            content[table] = sorted(tuple(str(v) for v in row) for row in rows)
    return content


def write_text(path: Path, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` exactly (newlines as given) in ``encoding``."""
    path.write_bytes(text.encode(encoding))
    return path


@pytest.fixture
def fresh_urls(request: pytest.FixtureRequest, db_url: str, tmp_path: Path) -> Iterator:
    """A maker of further fresh database URLs on the same back-end as ``db_url``."""
    import os
    import uuid

    made: list[str] = []

    def make() -> str:
        if db_url.startswith("sqlite"):
            return f"sqlite:///{tmp_path / f'fresh_{uuid.uuid4().hex[:8]}.db'}"
        name = f"effipia_test_{uuid.uuid4().hex[:12]}"
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        made.append(name)
        return db_url.rsplit("/", 1)[0] + f"/{name}"

    admin = None
    if not db_url.startswith("sqlite"):
        admin = sa.create_engine(os.environ["EFFIPIA_TEST_POSTGRES_URL"], isolation_level="AUTOCOMMIT")
    yield make
    if admin is not None:
        with admin.connect() as conn:
            for name in made:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
