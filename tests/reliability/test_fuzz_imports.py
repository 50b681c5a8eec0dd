"""Property-based fuzzing of every importer (issue 11, item 5).

Hypothesis generates campus files, partner directories and response files in every
supported format (CSV in UTF-8, UTF-8 with BOM, Windows-1252 and UTF-16 with ``;``,
``,`` or tab; Kobo CSV; XLSX; Parquet; SAV; DTA), each with one planted defect: short and
long rows, duplicated headers, mixed encodings, undecodable bytes, NUL bytes, unclosed
quotes, workbook error cells and formulas without a value, a far used range, non-finite
and huge numbers, very long strings, truncated files. For each, the command (run in
process through Typer's CliRunner) must exit non-zero with a French message naming the
place (``fichier:ligne:colonne``), print no traceback and no library English, and leave
the store byte-identical. Examples are derandomised (the same cases on every run, a
failure prints its reproducing example); ``RELIABILITY_FUZZ_EXAMPLES`` raises their number
(``scripts/reliability_report.py``), ``RELIABILITY_LOG`` records each case for the report.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from effipia.cli import app

from .inputs import (
    CAMPUS_HEADER,
    CAMPUS_ROWS,
    DIRECTORY_HEADER,
    DIRECTORY_ROWS,
    INTEGER_COLUMNS,
    KOBO_EXTRA,
    LONG_COLUMNS,
    RESPONSE_HEADER,
    RESPONSE_ROWS,
    Case,
    render,
)

EXAMPLES = int(os.environ.get("RELIABILITY_FUZZ_EXAMPLES", "70"))
FUZZ = settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None, print_blob=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
runner = CliRunner()

#: Words of library English that must never reach a user (French texts have none of them).
ENGLISH = re.compile(
    r"\b(error|failed|invalid|expected|unexpected|cannot|could not|not found|exception|traceback|"
    r"overflow|conversion|decode|codec|deflate|password|limit \(|found)\b",
    re.IGNORECASE,
)

FORMATS = {"campuses": ["csv", "xlsx"], "directory": ["csv", "xlsx"],
           "responses": ["csv", "kobo", "xlsx", "parquet", "sav", "dta"]}
TEXT_DEFECTS = ["short_row", "long_row", "duplicate_header", "mixed_encoding", "undecodable", "nul_byte", "unclosed_quote",
                "non_finite", "huge_number", "long_string"]
XLSX_DEFECTS = ["duplicate_header", "error_cell", "formula_without_value", "huge_number", "long_string", "far_cell", "truncated"]
BINARY_DEFECTS = {"parquet": ["non_finite", "huge_number", "long_string", "truncated"],
                  "sav": ["huge_number", "long_string", "truncated"], "dta": ["huge_number", "long_string", "truncated"]}


def base(kind: str) -> tuple[list[str], list[list[str]]]:
    header, rows = {"campuses": (CAMPUS_HEADER, CAMPUS_ROWS), "directory": (DIRECTORY_HEADER, DIRECTORY_ROWS),
                    "responses": (RESPONSE_HEADER, RESPONSE_ROWS)}[kind]
    return list(header), copy.deepcopy(rows)


def defects(kind: str, fmt: str, encoding: str) -> list[str]:
    if fmt in ("csv", "kobo"):
        found = list(TEXT_DEFECTS)
        if encoding not in ("utf-8", "utf-8-sig"):
            found.remove("mixed_encoding")
        if encoding != "cp1252":
            found.remove("undecodable")
        if not INTEGER_COLUMNS[kind]:
            found = [d for d in found if d not in ("non_finite", "huge_number")]
        return found
    if fmt == "xlsx":
        return [d for d in XLSX_DEFECTS if INTEGER_COLUMNS[kind] or d != "huge_number"]
    return BINARY_DEFECTS[fmt]


@st.composite
def malformed(draw, kind: str) -> Case:
    """A file of ``kind`` in a drawn format, encoding and separator, with one drawn defect."""
    header, rows = base(kind)
    fmt = draw(st.sampled_from(FORMATS[kind]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"])) if fmt in ("csv", "kobo") else "utf-8"
    separator = draw(st.sampled_from([";", ",", "\t"]))
    keep = draw(st.integers(1, len(rows)))
    rows = rows[:keep]
    if fmt == "kobo":
        header += KOBO_EXTRA
        rows = [row + [f"uuid-{i}", "2024-03-01T10:00:00"] for i, row in enumerate(rows)]
    defect = draw(st.sampled_from(defects(kind, fmt, encoding)))
    case = Case(kind, fmt, defect, header, rows, encoding=encoding, separator=separator)
    i = draw(st.integers(0, len(rows) - 1))
    line = i + 2
    case.line = line
    if defect == "short_row":
        cut = draw(st.integers(1, len(header) - 1))
        rows[i] = rows[i][:cut]
    elif defect == "long_row":
        rows[i] = rows[i] + draw(st.lists(st.text("abcxyz0189", min_size=1, max_size=6), min_size=1, max_size=3))
    elif defect == "duplicate_header":
        j = draw(st.integers(0, len(header) - 1))
        if header[j] in KOBO_EXTRA:
            j = 0
        case.header = header + [header[j]]
        case.rows = [row + [row[j]] for row in rows]
        case.line, case.column = 1, header[j]
    elif defect == "mixed_encoding":
        # One row in Windows-1252 among UTF-8 rows with accents (the base rows of campuses
        # and directories have some; a response row gets an accented identifier).
        other = (i + 1) % len(rows)
        if kind == "responses":
            rows[i][0] = f"Rè{i}"
            if other == i:
                rows.append(list(rows[i]))
                rows[-1][0] = "Ré9"
            else:
                rows[other][0] = f"Ré{other}"
        else:
            rows[i][1] = rows[i][1] + " é"
            if other == i:
                rows.append([v for v in rows[i]])
                rows[-1][0] = rows[-1][0] + "-b" if kind == "campuses" else rows[-1][0] + " bis"
        case.cp1252_rows = {i}
    elif defect == "undecodable":
        raw = (case.separator.join(rows[i])).encode("cp1252")
        case.raw_bytes = {i: raw[:2] + b"\x81" + raw[2:]}
    elif defect == "nul_byte":
        j = draw(st.integers(0, len(rows[i]) - 1))
        rows[i][j] = (rows[i][j] or "x") + "\x00"
    elif defect == "unclosed_quote":
        i = len(rows) - 1
        case.line = i + 2
        case.raw_bytes = {i: ('"' + case.separator.join(rows[i])).encode(encoding.replace("-sig", "")
                              if encoding != "utf-16" else "utf-16-le")}
    elif defect in ("non_finite", "huge_number"):
        column = draw(st.sampled_from(INTEGER_COLUMNS[kind]))
        if fmt in ("csv", "kobo"):
            value = draw(st.sampled_from(["inf", "-inf", "NaN", "Infinity", "1e400"])) if defect == "non_finite" else \
                draw(st.sampled_from(["9" * 30, "-" + "9" * 25, "1e30", "123456789012345678901"]))
            rows[i][header.index(column)] = value
        else:
            case.numbers[(i, column)] = draw(st.sampled_from([float("inf"), float("-inf")])) if defect == "non_finite" \
                else draw(st.sampled_from([1e30, -1e25, 2.0**60]))
        case.column = column
    elif defect == "long_string":
        column, limit = LONG_COLUMNS[kind]
        rows[i][header.index(column)] = draw(st.sampled_from(["x", "é", "Lycée "])) * (limit + 1 + draw(st.integers(0, 3000)))
        case.column = column
    elif defect == "error_cell":
        j = draw(st.integers(0, len(header) - 1))
        value = draw(st.sampled_from(["#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?"]))
        case.raw_cells = {(i, j): '<c r="{ref}" t="e"><v>' + value.replace("&", "&amp;") + "</v></c>"}
        case.column = header[j]
    elif defect == "formula_without_value":
        j = draw(st.integers(0, len(header) - 1))
        case.raw_cells = {(i, j): '<c r="{ref}"><f>VLOOKUP(A2,Feuil2!A:B,2,0)</f><v/></c>'}
        case.column = header[j]
    elif defect == "far_cell":
        # A filled cell far away (beyond the setting xlsx_max_cells of used range).
        case.far = draw(st.sampled_from([(1_048_574, 16383), (4998, 16383), (100_000, 200)]))  # type: ignore[attr-defined]
        case.line = None
    elif defect == "truncated":
        case.truncate = draw(st.floats(0.05, 0.8))
        case.line = None
    case.rows = case.rows if defect in ("duplicate_header", "far_cell") else rows
    return case


def write(case: Case, folder: Path) -> Path:
    path = render(case, folder / f"{case.kind}_{case.defect}")
    far = getattr(case, "far", None)
    if far is not None:
        _patch_far(path, far)
    return path


def _patch_far(path: Path, far: tuple[int, int]) -> None:
    import zipfile

    from effipia.tabular import column_letters

    with zipfile.ZipFile(path) as zin:
        members = {i.filename: zin.read(i.filename) for i in zin.infolist()}
    ref = f"{column_letters(far[1])}{far[0] + 2}"
    xml = members["xl/worksheets/sheet1.xml"].decode()
    xml = xml.replace("</sheetData>", f'<row r="{far[0] + 2}"><c r="{ref}" t="inlineStr"><is><t>x</t></is></c></row></sheetData>')
    members["xl/worksheets/sheet1.xml"] = xml.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in members.items():
            zout.writestr(name, data)


def command(kind: str, path: Path) -> list[str]:
    if kind == "campuses":
        return ["campuses", "import", str(path)]
    if kind == "directory":
        return ["partners", "import", str(path), "--campus", "CMQ-BDB", "--campaign", "c1"]
    return ["responses", "import", str(path), "--campaign", "r1"]


def fingerprint(db: Path) -> tuple[str, list[str]]:
    with sqlite3.connect(db) as conn:
        content = list(conn.iterdump())
    return hashlib.sha256(db.read_bytes()).hexdigest(), content


@pytest.fixture(scope="module")
def fuzz_store(tmp_path_factory) -> tuple[str, Path]:
    """A SQLite store holding the campus registry, the same for every example."""
    folder = tmp_path_factory.mktemp("fuzz")
    campuses = folder / "campuses.csv"
    campuses.write_text("\n".join(";".join(r) for r in [CAMPUS_HEADER, *CAMPUS_ROWS]) + "\n", encoding="utf-8")
    db = folder / "effipia.db"
    url = f"sqlite:///{db}"
    result = runner.invoke(app, ["--db", url, "campuses", "import", str(campuses)])
    assert result.exit_code == 0, result.output
    return url, db


def _log(case: Case, outcome: str) -> None:
    target = os.environ.get("RELIABILITY_LOG")
    if target:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"suite": "fuzz", "kind": case.kind, "format": case.fmt, "defect": case.defect,
                                     "encoding": case.encoding, "outcome": outcome}) + "\n")


def check_refused(case: Case, url: str, db: Path, folder: Path) -> None:
    path = write(case, folder)
    before = fingerprint(db)
    result = runner.invoke(app, ["--db", url, *command(case.kind, path)])
    output = result.output + (result.stderr if result.stderr_bytes is not None and result.stderr not in result.output else "")
    try:
        assert result.exit_code not in (0, None), output
        assert isinstance(result.exception, SystemExit), repr(result.exception)  # no crash, no traceback
        assert "Traceback" not in output and "inattendue" not in output, output
        problems = [line for line in output.splitlines() if line.startswith(str(path))]
        assert problems, output  # the place is named: the file, then line and column
        for line in problems:
            reason = line[len(str(path)):].split(": ", 1)[-1]
            assert not ENGLISH.search(reason), line
        if case.line is not None:
            where = f"{path}:{case.line}:" + (f"{case.column}:" if case.column else "")
            assert any(p.startswith(where) for p in problems), (where, output)
        assert fingerprint(db) == before  # nothing written, byte for byte
    except AssertionError:
        _log(case, "failed")
        raise
    _log(case, "refused")


@pytest.mark.parametrize("kind", ["campuses", "directory", "responses"])
def test_malformed_files_are_refused_in_french_and_change_nothing(kind, fuzz_store, tmp_path_factory) -> None:
    url, db = fuzz_store
    folder = tmp_path_factory.mktemp(f"cases_{kind}")

    @FUZZ
    @given(case=malformed(kind))
    def run(case: Case) -> None:
        check_refused(case, url, db, folder)

    run()


@pytest.mark.parametrize("kind", ["campuses", "directory", "responses"])
def test_the_base_files_are_accepted_in_every_format(kind, fuzz_store, tmp_path_factory) -> None:
    # The control: without its defect, each generated file imports (so a refusal above is
    # the defect's doing, not the format's).
    url, db = fuzz_store
    folder = tmp_path_factory.mktemp(f"valid_{kind}")

    @settings(max_examples=12, derandomize=True, deadline=None, database=None)
    @given(fmt=st.sampled_from(FORMATS[kind]), encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]),
           separator=st.sampled_from([";", ",", "\t"]))
    def run(fmt: str, encoding: str, separator: str) -> None:
        header, rows = base(kind)
        if fmt == "kobo":
            header += KOBO_EXTRA
            rows = [row + [f"uuid-{i}", "2024-03-01T10:00:00"] for i, row in enumerate(rows)]
        case = Case(kind, fmt, "none", header, rows, encoding=encoding, separator=separator)
        path = render(case, folder / f"valid_{fmt}")
        copy_db = folder / "copy.db"
        shutil.copyfile(db, copy_db)
        result = runner.invoke(app, ["--db", f"sqlite:///{copy_db}", *command(kind, path)])
        assert result.exit_code == 0, (fmt, encoding, separator, result.output)

    run()
