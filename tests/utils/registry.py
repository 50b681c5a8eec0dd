"""Registry factories: two real campuses, CSV and XLSX files as people send them, stores.

CMQ-AERO and CMQ-BDB are two of the 32 PIA campuses (report « Études n° 56 », annex list):
filières from ``filieres.csv`` (F06 mobilité/aéronautique, F04 bâtiment), regions and
académies spelled as in ``departements_academies_regions.csv``.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from effipia.schema import CAMPUS_COLUMNS
from effipia.store import Store

_CAMPUSES = {
    "campus_id": ["CMQ-AERO", "CMQ-BDB"],
    "name": ["CMQ d'excellence aéronautique et spatial Occitanie", "CMQ bâtiment durable Bretagne"],
    "letter": ["A", "B"],
    "filiere": ["F06", "F04"],
    "region": ["Occitanie", "Bretagne"],
    "academie": ["Toulouse", "Rennes"],
    "year_created": [2015, 2016],
    "excellence": [1, 1],
    "pia_wave": [1, 2],
    "duration_years": [8, 7],
    "pia_amount_eur": [3_500_000, 2_500_000],
    "support_type": ["Université", "Lycée"],
}


def campus_frame(**columns: list[object]) -> pl.DataFrame:
    """CMQ-AERO then CMQ-BDB in the canonical campus layout; ``columns`` replace whole columns."""
    return pl.DataFrame({**_CAMPUSES, **columns}, schema=CAMPUS_COLUMNS)


def store_with_campuses(url: str, campuses: pl.DataFrame) -> Store:
    """A store at ``url`` (created and migrated) holding ``campuses``."""
    store = Store(url)
    store.write_campuses(campuses)
    return store


def write_csv(path: Path, lines: list[str], encoding: str = "utf-8", bom: bool = False) -> Path:
    """Write ``lines`` as a CSV file in ``encoding`` (CRLF, as spreadsheets save them)."""
    data = "\r\n".join(lines).encode(encoding) + b"\r\n"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


def write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    """Write ``rows`` to the first sheet of an XLSX workbook."""
    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path
