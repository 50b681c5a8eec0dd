"""Fixtures of the registry tests: a store holding two real campuses, file writers."""

from __future__ import annotations

import pytest
from utils.registry import campus_frame, store_with_campuses
from utils.registry import write_csv as _write_csv
from utils.registry import write_xlsx as _write_xlsx

from effipia.store import Store

CAMPUSES = campus_frame().select("campus_id", "name")


@pytest.fixture
def store(sqlite_url: str) -> Store:
    """A SQLite store with the campuses CMQ-BDB and CMQ-AERO."""
    return store_with_campuses(sqlite_url, CAMPUSES)


@pytest.fixture
def write_csv():
    """``write_csv(path, lines, encoding="utf-8", bom=False)``: a CSV file as spreadsheets save it."""
    return _write_csv


@pytest.fixture
def write_xlsx():
    """``write_xlsx(path, rows)``: an XLSX workbook with ``rows`` on its first sheet."""
    return _write_xlsx
