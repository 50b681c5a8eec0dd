"""Fixtures of the registry tests: a store holding two real campuses, file writers."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from effipia.store import Store

CAMPUSES = pl.DataFrame(
    {
        "campus_id": ["CMQ-BDB", "CMQ-AERO"],
        "name": ["CMQ bâtiment durable Bretagne", "CMQ d'excellence aéronautique et spatial Occitanie"],
    }
)


@pytest.fixture
def store(sqlite_url: str) -> Store:
    """A SQLite store with the campuses CMQ-BDB and CMQ-AERO."""
    s = Store(sqlite_url)
    s.write_campuses(CAMPUSES)
    return s


def _write_csv(path: Path, lines: list[str], encoding: str, bom: bool = False) -> Path:
    """Write ``lines`` as a CSV file in ``encoding`` (CRLF, as spreadsheets save them)."""
    data = "\r\n".join(lines).encode(encoding) + b"\r\n"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


def _write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    """Write ``rows`` to the first sheet of an XLSX workbook."""
    from openpyxl import Workbook

    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    wb.save(path)
    return path


@pytest.fixture
def write_csv():
    """``write_csv(path, lines, encoding, bom=False)``: a CSV file as spreadsheets save it."""
    return _write_csv


@pytest.fixture
def write_xlsx():
    """``write_xlsx(path, rows)``: an XLSX workbook with ``rows`` on its first sheet."""
    return _write_xlsx
