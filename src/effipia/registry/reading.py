"""Reading tabular files as people send them: CSV (UTF-8 with or without BOM, or
Windows-1252; ``;``, ``,`` or tab separated) and XLSX (first sheet), with a header
line that may come after a few title lines.

Rows keep the line number the user sees (header = its own line, data below).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from effipia.errors import Problem, ValidationFailed
from effipia.registry.text import cell_text

__all__ = ["Table", "read_table", "decode"]

_HEADER_SCAN = 10
_XLSX_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class Table:
    """A file's header and data rows with their line numbers (empty rows left out)."""

    file: str
    header_line: int
    header: list[str | None]
    rows: list[tuple[int, list[object]]]


def decode(raw: bytes) -> str | None:
    """Text of a CSV file in UTF-8 (BOM allowed) or Windows-1252; ``None`` if neither fits.

    UTF-8 is tried first (strict); bytes with NULs (UTF-16, binary files) are refused;
    otherwise Windows-1252 must decode every byte.
    """
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    if b"\x00" in raw:
        return None
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError:
        return None


def _csv_rows(text: str) -> list[tuple[int, list[object]]]:
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), "")
    separator = max(";,\t", key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    rows: list[tuple[int, list[object]]] = []
    start = 1
    for record in reader:
        rows.append((start, list(record)))
        start = reader.line_num + 1
    return rows


def _xlsx_rows(path: Path) -> list[tuple[int, list[object]]]:
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        return [(i, list(values)) for i, values in enumerate(sheet.iter_rows(values_only=True), start=1)]
    finally:
        workbook.close()


def read_table(path: str | Path, is_header: Callable[[list[str | None]], bool], missing_header: str) -> Table:
    """Read ``path`` and find its header: the first of the first ten non-empty rows
    that ``is_header`` accepts. Raises :class:`ValidationFailed` with a French reason
    (``missing_header`` is the problem code when no header line is found)."""
    name = str(path)
    path = Path(path)
    if not path.is_file():
        raise ValidationFailed([Problem.at(name, None, None, "generic.file_not_found", path=name)])
    raw = path.read_bytes()
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm") or raw.startswith(_XLSX_MAGIC):
            rows = _xlsx_rows(path)
        elif suffix in (".csv", ".txt", ".tsv", ""):
            text = decode(raw)
            if text is None:
                raise ValidationFailed([Problem.at(name, None, None, "generic.bad_encoding")])
            rows = _csv_rows(text)
        else:
            raise ValidationFailed([Problem.at(name, None, None, "registry.unknown_format", suffix=suffix)])
    except (zipfile.BadZipFile, KeyError, OSError, csv.Error, ValueError) as exc:
        raise ValidationFailed([Problem.at(name, None, None, "generic.unreadable_file", detail=str(exc))]) from None
    non_empty = [(line, cells) for line, cells in rows if any(cell_text(c) for c in cells)]
    for line, cells in non_empty[:_HEADER_SCAN]:
        header = [cell_text(c) for c in cells]
        if is_header(header):
            data = [(n, c) for n, c in non_empty if n > line]
            return Table(name, line, header, data)
    raise ValidationFailed([Problem.at(name, None, None, missing_header)])
