"""Malformed inputs for the fuzzing suite: valid base tables, the defects a careless or
hostile user brings, and writers for every supported format.

A :class:`Case` is a table (header + rows of text) in one format and encoding, with one
defect planted at a known place; :func:`render` writes it as the bytes of a file. The
expected location (line, and column header where the defect concerns one cell) is what
the French problem must name.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

#: Campuses of the fuzzing store: two registry campuses with full rows.
CAMPUS_HEADER = ["campus_id", "name", "filiere", "region", "academie", "year_created"]
CAMPUS_ROWS = [
    ["CMQ-AERO", "CMQ aéronautique et spatial Occitanie", "F06", "Occitanie", "Toulouse", "2015"],
    ["CMQ-BDB", "CMQ bâtiment durable Bretagne", "F04", "Bretagne", "Rennes", "2016"],
    ["C01", "Campus aéronautique", "F06", "Occitanie", "Toulouse", "2017"],
    ["C02", "Campus industrie du futur", "F04", "Bretagne", "Rennes", "2018"],
]
DIRECTORY_HEADER = ["Raison sociale", "Catégorie", "Membre du consortium", "SIRET", "Courriel"]
DIRECTORY_ROWS = [
    ["Lycée professionnel Abbé Pierre", "Lycée professionnel", "x", "", "ce.lycee@ac-rennes.fr"],
    ["Électricité de France", "Entreprise", "", "55208131766522", "contact@edf.example"],
    ["Société générale", "Entreprise", "oui", "", ""],
    ["OPCO 2i", "OPCO", "non", "", "opco@example.fr"],
]
RESPONSE_HEADER = ["respondent_id", "campus_id", "category", "partner_type", "consortium", "pia_concerned", "dyn_1", "dyn_2", "collab"]
RESPONSE_ROWS = [
    ["R1", "C01", "entreprise", "", "1", "0", "1", "9", "2"],
    ["R2", "C01", "lycee", "lycee", "0", "1", "2", "1", "1"],
    ["R3", "C02", "superieur", "universite", "1", "1", "1", "1", "3"],
    ["R4", "C02", "autre", "", "", "", "1", "2", "9"],
]
#: Columns KoboToolbox adds to an export (a Kobo CSV is recognised by them).
KOBO_EXTRA = ["_uuid", "_submission_time"]

#: Integer columns of each kind of file, where numbers are planted.
INTEGER_COLUMNS = {"campuses": ["year_created"], "directory": [], "responses": ["dyn_1", "dyn_2", "collab"]}
#: A column and the store's declared length for very long strings.
LONG_COLUMNS = {"campuses": ("campus_id", 64), "directory": ("Raison sociale", 500), "responses": ("respondent_id", 128)}


@dataclass
class Case:
    """One malformed file: what it is, where its defect is, and how to write it."""

    kind: str  # campuses | directory | responses
    fmt: str  # csv | kobo | xlsx | parquet | sav | dta
    defect: str
    header: list[str]
    rows: list[list[str | None]]
    encoding: str = "utf-8"
    separator: str = ";"
    line: int | None = None  # file line the problem must name (None: the whole file)
    column: str | None = None  # header the problem must name (None: the whole line)
    raw_cells: dict[tuple[int, int], str] = field(default_factory=dict)  # (row index, col) -> XLSX cell XML
    cp1252_rows: set[int] = field(default_factory=set)  # rows written in Windows-1252 (mixed file)
    raw_bytes: dict[int, bytes] = field(default_factory=dict)  # row index -> bytes replacing the row
    truncate: float | None = None  # keep this share of the file's bytes
    numbers: dict[tuple[int, str], float] = field(default_factory=dict)  # typed numbers (binary formats)

    @property
    def suffix(self) -> str:
        return {"kobo": ".csv", "csv": ".csv"}.get(self.fmt, f".{self.fmt}")


def _csv_bytes(case: Case) -> bytes:
    lines = []
    for index, row in enumerate([case.header, *case.rows]):
        if index - 1 in case.raw_bytes:
            lines.append(case.raw_bytes[index - 1])
            continue
        buffer = io.StringIO()
        csv.writer(buffer, delimiter=case.separator, lineterminator="").writerow(["" if v is None else v for v in row])
        encoding = "cp1252" if index - 1 in case.cp1252_rows else case.encoding
        text = buffer.getvalue()
        data = text.encode(encoding.replace("-sig", "")) if encoding != "utf-16" else text.encode("utf-16-le")
        lines.append(data)
    newline = "\r\n".encode("utf-16-le") if case.encoding == "utf-16" else b"\r\n"
    body = newline.join(lines) + newline
    if case.encoding == "utf-16":
        return b"\xff\xfe" + body
    if case.encoding == "utf-8-sig":
        return b"\xef\xbb\xbf" + body
    return body


def _cell(value: str | None) -> object:
    if value is None or value == "":
        return None
    try:
        return int(value) if value.lstrip("-").isdigit() and len(value) < 16 else value
    except ValueError:
        return value


def _xlsx_bytes(case: Case, path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(case.header)
    for row in case.rows:
        sheet.append([_cell(v) for v in row])
    for (r, c), number in ((k, v) for k, v in case.numbers.items()):
        sheet.cell(row=r + 2, column=case.header.index(c) + 1, value=number)
    book.save(path)
    if not case.raw_cells:
        return
    from effipia.tabular import column_letters

    with zipfile.ZipFile(path) as zin:
        members = {i.filename: zin.read(i.filename) for i in zin.infolist()}
    xml = members["xl/worksheets/sheet1.xml"].decode()
    for (r, c), cell in case.raw_cells.items():
        ref = f"{column_letters(c)}{r + 2}"
        start = xml.find(f'<c r="{ref}"')
        if start >= 0:
            end = xml.index("</c>", start) + 4 if not xml[start:xml.index(">", start) + 1].endswith("/>") else xml.index(">", start) + 1
            xml = xml[:start] + cell.format(ref=ref) + xml[end:]
        else:  # an empty cell openpyxl did not write: add it at the end of its row
            row_end = xml.index("</row>", xml.index(f'<row r="{r + 2}"'))
            xml = xml[:row_end] + cell.format(ref=ref) + xml[row_end:]
    members["xl/worksheets/sheet1.xml"] = xml.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in members.items():
            zout.writestr(name, data)


def _frame(case: Case) -> pl.DataFrame:
    columns = {}
    for j, name in enumerate(case.header):
        values = [row[j] if j < len(row) else None for row in case.rows]
        if any(c == name for (_, c) in case.numbers) or (name in INTEGER_COLUMNS["responses"] + ["consortium", "pia_concerned"]):
            numbers = []
            for i, v in enumerate(values):
                if (i, name) in case.numbers:
                    numbers.append(case.numbers[(i, name)])
                else:
                    numbers.append(float(v) if v not in (None, "") else None)
            columns[name] = pl.Series(name, numbers, dtype=pl.Float64)
        else:
            columns[name] = pl.Series(name, [v or None for v in values], dtype=pl.String)
    return pl.DataFrame(columns)


def render(case: Case, path: Path) -> Path:
    """Write ``case`` at ``path`` (suffix added) and return the file's path."""
    path = path.with_suffix(case.suffix)
    if case.fmt in ("csv", "kobo"):
        path.write_bytes(_csv_bytes(case))
    elif case.fmt == "xlsx":
        _xlsx_bytes(case, path)
    elif case.fmt == "parquet":
        _frame(case).write_parquet(path)
    else:
        import pyreadstat

        frame = _frame(case).to_pandas()
        for name in frame.columns:  # pyreadstat wants text columns as str, not None
            if frame[name].dtype == object:
                frame[name] = frame[name].fillna("")
        (pyreadstat.write_sav if case.fmt == "sav" else pyreadstat.write_dta)(frame, str(path))
    if case.truncate is not None:
        data = path.read_bytes()
        path.write_bytes(data[: max(8, int(len(data) * case.truncate))])
    return path
