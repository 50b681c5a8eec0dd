"""Response readers refuse what they cannot read faithfully (issue 11, item 1), each
defect from a small file made here; the store is unchanged and no campaign is created."""

from __future__ import annotations

import zipfile
from pathlib import Path

import polars as pl
import pytest

from effipia.errors import Problem, ValidationFailed, message

try:  # the import operation (application layer); the exchange function before it existed
    from effipia.operations.responses import import_responses
except ImportError:  # pragma: no cover - transition
    from effipia.exchange import import_responses

from .conftest import snapshot, write_text

HEADER = "respondent_id,campus_id,category,partner_type,consortium,pia_concerned,dyn_1,dyn_2"
ROWS = ["R1,C01,entreprise,,1,0,1,9", "R2,C01,lycee,lycee,0,1,2,1"]


def refused(store, path: Path, campaign: str = "vague1") -> list[Problem]:
    before = snapshot(store)
    with pytest.raises(ValidationFailed) as info:
        import_responses(store, path, campaign)
    assert snapshot(store) == before
    assert campaign not in store.campaign_names()
    return info.value.problems


def test_non_finite_and_huge_numbers_are_refused_at_their_cell(store, tmp_path: Path) -> None:
    # Before: « erreur inattendue (InvalidOperationError) : conversion from f64 to i64 failed ».
    path = write_text(tmp_path / "r.csv", "\n".join([HEADER, "R1,C01,entreprise,,1,0,inf,9", f"R2,C01,lycee,lycee,0,1,2,{'9' * 30}", "R3,C01,lycee,lycee,0,1,NaN,1"]))
    found = refused(store, path)
    f = str(path)
    assert Problem.at(f, 2, "dyn_1", "reading.not_finite", value="inf") in found
    assert Problem.at(f, 3, "dyn_2", "reading.number_too_large", value="9" * 30, limit="9 007 199 254 740 992".replace(" ", "\u202f")) in found
    assert Problem.at(f, 4, "dyn_1", "reading.not_finite", value="NaN") in found
    assert all(p.row is not None and p.column for p in found)


def test_parquet_non_finite_and_huge_numbers(store, tmp_path: Path) -> None:
    path = tmp_path / "r.parquet"
    pl.DataFrame(
        {"respondent_id": ["R1", "R2"], "campus_id": ["C01", "C01"], "category": ["entreprise", "lycee"],
         "dyn_1": [float("inf"), 1.0], "dyn_2": [1.0, 1e30]}
    ).write_parquet(path)
    found = refused(store, path)
    f = str(path)
    assert Problem.at(f, 2, "dyn_1", "reading.not_finite", value="inf") in found
    assert [p for p in found if p.row == 3 and p.column == "dyn_2" and p.code == "reading.number_too_large"]


def test_identifier_longer_than_the_store_column(store, tmp_path: Path) -> None:
    long_id = "R" * 129  # responses.respondent_id is VARCHAR(128)
    path = write_text(tmp_path / "r.csv", "\n".join([HEADER, f"{long_id},C01,entreprise,,1,0,1,9"]))
    assert Problem.at(str(path), 2, "respondent_id", "reading.text_too_long", length=129, limit=128) in refused(store, path)


def test_error_cell_of_a_response_workbook(store, tmp_path: Path) -> None:
    from openpyxl import Workbook

    path = tmp_path / "r.xlsx"
    book = Workbook()
    book.active.append(HEADER.split(","))
    for row in ROWS:
        book.active.append([int(v) if v.isdigit() else (v or None) for v in row.split(",")])
    book.save(path)
    with zipfile.ZipFile(path) as zin:
        members = {i.filename: zin.read(i.filename) for i in zin.infolist()}
    sheet = members["xl/worksheets/sheet1.xml"].decode()
    start = sheet.index('<c r="G3"')
    sheet = sheet[:start] + '<c r="G3" t="e"><v>#DIV/0!</v></c>' + sheet[sheet.index("</c>", start) + 4:]
    members["xl/worksheets/sheet1.xml"] = sheet.encode()
    with zipfile.ZipFile(path, "w") as zout:
        for name, data in members.items():
            zout.writestr(name, data)
    # Before: read as an empty answer (« no answer »).
    assert Problem.at(str(path), 3, "dyn_1", "reading.error_cell", value="#DIV/0!") in refused(store, path)


def test_mixed_encoding_response_file(store, tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_bytes(
        (HEADER + ",expectations\n").encode() + "Ré1,C01,entreprise,,1,0,1,9,\n".encode() + "Rè2,C01,lycee,lycee,0,1,2,1,\n".encode("cp1252")
    )
    assert refused(store, path) == [Problem.at(str(path), 3, None, "reading.mixed_encoding", encoding="UTF-8")]


def test_header_only_file_does_not_create_the_campaign(store, tmp_path: Path) -> None:
    path = write_text(tmp_path / "r.csv", HEADER + "\n")
    assert refused(store, path, "nouvelle") == [Problem.at(str(path), None, None, "exchange.no_rows")]


def test_unclosed_quote_is_refused_at_its_record(store, tmp_path: Path) -> None:
    path = write_text(tmp_path / "r.csv", "\n".join([HEADER, ROWS[0], 'R2,"C01,lycee,lycee,0,1,2,1']))
    assert refused(store, path) == [Problem.at(str(path), 3, None, "reading.unclosed_quote")]


def test_damaged_parquet_is_said_in_french(store, tmp_path: Path) -> None:
    path = tmp_path / "r.parquet"
    path.write_bytes(b"PAR1" + b"\x00" * 100)
    assert refused(store, path) == [
        Problem.at(str(path), None, None, "reading.unreadable_binary", format="PARQUET", name="r.parquet")
    ]
    assert "PARQUET" in message("reading.unreadable_binary", format="PARQUET", name="r.parquet")
