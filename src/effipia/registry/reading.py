"""Reading registry files as people send them: CSV (UTF-8 with or without BOM, or
Windows-1252; ``;``, ``,`` or tab separated, or as Excel's ``sep=`` line says) and XLSX
(first sheet), read by :mod:`effipia.tabular`, with a header line that may come after
a few title lines.

Rows keep the line number the user sees (header = its own line, data below).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from effipia.errors import EffipiaError, Problem, ValidationFailed
from effipia.registry.text import cell_text
from effipia.tabular import csv_records, csv_text, xlsx_rows

__all__ = ["Table", "read_table"]

_HEADER_SCAN = 10
_XLSX_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class Table:
    """A file's header and data rows with their line numbers (empty rows left out)."""

    file: str
    header_line: int
    header: list[str | None]
    rows: list[tuple[int, list[object]]]


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
            rows = xlsx_rows(path)
        elif suffix in (".csv", ".txt", ".tsv", ""):
            rows = list(csv_records(csv_text(raw)))
        else:
            raise ValidationFailed([Problem.at(name, None, None, "registry.unknown_format", suffix=suffix)])
    except ValidationFailed:
        raise
    except EffipiaError as exc:  # encoding, damaged workbook, malformed quoting
        raise ValidationFailed([Problem.at(name, None, None, exc.code, **exc.params)]) from None
    non_empty = [(line, cells) for line, cells in rows if any(cell_text(c) for c in cells)]
    for line, cells in non_empty[:_HEADER_SCAN]:
        header = [cell_text(c) for c in cells]
        if is_header(header):
            data = [(n, c) for n, c in non_empty if n > line]
            return Table(name, line, header, data)
    raise ValidationFailed([Problem.at(name, None, None, missing_header)])
