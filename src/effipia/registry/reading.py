"""Reading registry files as people send them: CSV (UTF-8 with or without BOM, UTF-16,
or Windows-1252; ``;``, ``,`` or tab separated, or as Excel's ``sep=`` line says) and XLSX
(first sheet), read by :mod:`effipia.tabular`, with a header line that may come after
a few title lines.

What cannot be read faithfully is a problem at its place, all of them collected: a CSV
row with fewer values than the header (a row cut, a separator missing) or with values
beyond the last column, a header written twice (the second column would be ignored),
workbook cells in error or formulas without a value. Rows keep the line number the user
sees (header = its own line, data below).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from effipia.errors import EffipiaError, Problem, ValidationFailed
from effipia.registry.text import WHITESPACE, cell_text, normalize
from effipia.tabular import csv_cells, csv_records, csv_text, defect_problems, xlsx_sheet

if TYPE_CHECKING:
    import polars as pl

__all__ = ["Table", "read_table"]

_HEADER_SCAN = 10
_XLSX_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class Table:
    """A file's header and data rows with their line numbers (empty rows left out).

    ``problems``: what the file could not give faithfully (ragged rows, repeated
    headers, defective cells); the rows concerned are still given (a defective cell as
    ``None``) so that the caller reports every other problem in the same pass."""

    file: str
    header_line: int
    header: list[str | None]
    given_rows: list[tuple[int, list[object]]] | None
    problems: list[Problem] = field(default_factory=list)
    #: Every cell is text (a CSV file): column-wise readers can skip the per-cell conversion.
    text_only: bool = False
    #: The data rows as a frame (``__line``, ``cells``) when the file was split column-wise
    #: (:func:`effipia.tabular.csv_cells`); ``rows`` is then made from it when asked for.
    cells: "pl.DataFrame | None" = None

    @property
    def rows(self) -> list[tuple[int, list[object]]]:
        """(line, cells) of every data row."""
        if self.given_rows is not None:
            return self.given_rows
        return list(self.cells.iter_rows()) if self.cells is not None else []

    @property
    def lines(self) -> list[int]:
        """The line of every data row."""
        if self.cells is not None:
            return self.cells.get_column("__line").to_list()
        return [line for line, _ in self.rows]

    def column_cells(self, columns: dict[str, int]) -> dict[str, "list[object] | pl.Series"]:
        """The cells of each canonical column (``None`` past the end of a short row): a
        String series when the file was split column-wise, else a list."""
        if self.cells is None:
            from effipia.registry.columns import raw_columns

            return raw_columns(self.rows, columns)
        import polars as pl

        return {c: self.cells.select(pl.col("cells").list.get(i, null_on_oob=True).alias(c)).to_series()
                for c, i in columns.items()}


def _width(header: list[str | None]) -> int:
    """Columns of the header up to its last named one (trailing separators ignored)."""
    named = [i for i, h in enumerate(header) if h]
    return named[-1] + 1 if named else 0


def _row_problems(file: str, header: list[str | None], rows: list[tuple[int, list[object]]]) -> list[Problem]:
    """CSV rows whose length does not match the header: short rows always (a row cut or
    a separator missing), long rows when a value lies beyond the last named column."""
    width = _width(header)
    problems = []
    for line, cells in rows:
        if len(cells) < width:
            problems.append(Problem.at(file, line, None, "reading.short_row", found=len(cells), expected=width))
        elif len(cells) > width and any(cell_text(c) for c in cells[width:]):
            problems.append(Problem.at(file, line, None, "reading.long_row", found=len(cells), expected=width))
    return problems


def _duplicate_headers(file: str, line: int, header: list[str | None], used: Callable[[str], bool]) -> list[Problem]:
    """Headers written twice (same text once normalised) that feed a column."""
    seen: dict[str, int] = {}
    problems = []
    for position, name in enumerate(header):
        if not name:
            continue
        key = normalize(name) or name
        if key in seen and used(name):
            problems.append(Problem.at(file, line, name, "reading.duplicate_header", value=name, other=seen[key] + 1))
        seen.setdefault(key, position)
    return problems


def _split_table(
    name: str,
    frame: "pl.DataFrame",
    is_header: Callable[[list[str | None]], bool],
    missing_header: str,
    used: Callable[[str], bool] | None,
    require_rows: bool,
) -> Table:
    """:func:`read_table` for a CSV text split column-wise (:func:`effipia.tabular.csv_cells`):
    the same header search, blank rows, row lengths and problems, as Polars expressions."""
    import polars as pl

    blank = pl.col("cells").list.join("").str.strip_chars(WHITESPACE).str.len_bytes() == 0
    non_empty = frame.filter(~blank)
    for position, (line, cells) in enumerate(non_empty.head(_HEADER_SCAN).iter_rows()):
        header = [cell_text(c) for c in cells]
        if not is_header(header):
            continue
        data = non_empty.slice(position + 1)
        problems = _duplicate_headers(name, line, header, used or (lambda _: True))
        width = _width(header)
        count = pl.col("cells").list.len()
        beyond = pl.col("cells").list.slice(width).list.join("").str.strip_chars(WHITESPACE).str.len_bytes() > 0
        ragged = data.select(
            "__line", count.alias("found"), (count < width).alias("short"), ((count > width) & beyond).alias("long")
        ).filter(pl.col("short") | pl.col("long"))
        for row, found, short, _long in ragged.iter_rows():
            code = "reading.short_row" if short else "reading.long_row"
            problems.append(Problem.at(name, row, None, code, found=found, expected=width))
        if require_rows and data.height == 0:
            problems.append(Problem.at(name, line, None, "reading.header_only"))
        return Table(name, line, header, None, problems, text_only=True, cells=data)
    raise ValidationFailed([Problem.at(name, None, None, missing_header)])


def read_table(
    path: str | Path,
    is_header: Callable[[list[str | None]], bool],
    missing_header: str,
    *,
    used: Callable[[str], bool] | None = None,
    require_rows: bool = False,
    file: str | None = None,
) -> Table:
    """Read ``path`` and find its header: the first of the first ten non-empty rows
    that ``is_header`` accepts.

    ``used(header_text)`` tells whether a header feeds a column (a repeated header is a
    problem only then; default: every header). ``require_rows``: a file with a header
    and no data row is a problem. Raises :class:`ValidationFailed` with a French reason
    when the file cannot be read at all (``missing_header`` is the problem code when no
    header line is found); other problems are returned in ``Table.problems``. ``file``:
    the name problems give the file (default: ``path`` as given)."""
    name = file or str(path)
    path = Path(path)
    if not path.is_file():
        raise ValidationFailed([Problem.at(name, None, None, "generic.file_not_found", path=name)])
    raw = path.read_bytes()
    suffix = path.suffix.lower()
    sheet = None
    try:
        if suffix in (".xlsx", ".xlsm") or raw.startswith(_XLSX_MAGIC):
            sheet = xlsx_sheet(path, name)
            rows = sheet.rows
        elif suffix in (".csv", ".txt", ".tsv", ""):
            source = csv_text(raw, name)
            del raw
            frame = csv_cells(source)
            if frame is not None:
                return _split_table(name, frame, is_header, missing_header, used, require_rows)
            rows = list(csv_records(source))
        else:
            raise ValidationFailed([Problem.at(name, None, None, "registry.unknown_format", suffix=suffix)])
    except ValidationFailed:
        raise
    except EffipiaError as exc:  # pragma: no cover - every reader failure is a ValidationFailed
        raise ValidationFailed([Problem.at(name, None, None, exc.code, **exc.params)]) from None
    if sheet is None:  # CSV cells are text: blank when nothing but spaces (what cell_text strips)
        non_empty = [(line, cells) for line, cells in rows if "".join(cells).strip()]
    else:
        non_empty = [(line, cells) for line, cells in rows if any(cell_text(c) for c in cells)]
    del rows
    for position, (line, cells) in enumerate(non_empty[:_HEADER_SCAN]):
        header = [cell_text(c) for c in cells]
        if is_header(header):
            data = non_empty[position + 1:]  # lines only grow: the rows below the header
            problems = _duplicate_headers(name, line, header, used or (lambda _: True))
            if sheet is None:
                problems += _row_problems(name, header, data)
            else:
                problems += defect_problems(sheet, name, line, header)
            if require_rows and not data:
                problems.append(Problem.at(name, line, None, "reading.header_only"))
            return Table(name, line, header, data, problems, text_only=sheet is None)
    if sheet is not None and sheet.defects:
        raise ValidationFailed(defect_problems(sheet, name))
    raise ValidationFailed([Problem.at(name, None, None, missing_header)])
