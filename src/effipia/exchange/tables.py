"""Read a file of any supported format into a frame of text (first stage of reading).

Every format gives the same thing: one String column per header (empty cells are
null, text stripped) plus ``__row__``, the line number as the user sees it (header =
line 1). Values stay text so that « abc » or « 2.5 » in an item column becomes a
validation problem downstream, never a crash here. Structural defects (ragged CSV
lines, duplicated or empty headers) are returned as problems, not raised, so that a
failing import lists everything at once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl

from effipia.errors import EffipiaError, Problem, ValidationFailed
from effipia.exchange.detect import Format
from effipia.tabular import WHITESPACE, csv_cells, csv_records, csv_text, defect_problems, xlsx_sheet

__all__ = ["ROW", "TextTable", "read_table"]

#: Name of the column holding the user-visible line number of each row.
ROW = "__row__"


@dataclass
class TextTable:
    """A file read as text: ``frame`` (String columns + ``__row__``) and structural ``problems``."""

    frame: pl.DataFrame
    problems: list[Problem] = field(default_factory=list)


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


def _header_problems(file: str, header: list[str], line: int = 1) -> tuple[list[int], list[Problem]]:
    """Positions of usable columns, and problems for empty or repeated names (``line``: the header's)."""
    keep: list[int] = []
    seen: set[str] = set()
    problems: list[Problem] = []
    for position, name in enumerate(header):
        if not name:
            problems.append(Problem.at(file, line, None, "exchange.empty_header", position=position + 1))
        elif name == ROW:
            problems.append(Problem.at(file, None, ROW, "questionnaire.unknown_column", column=ROW))
        elif name in seen:
            problems.append(Problem.at(file, line, name, "exchange.duplicate_column"))
        else:
            seen.add(name)
            keep.append(position)
    return keep, problems


def _drop_blank_columns(
    header: list[str], rows: list[tuple[int, list[str | None]]]
) -> tuple[list[str], list[tuple[int, list[str | None]]]]:
    """Drop columns with neither a header nor a value (trailing separators, touched spreadsheet cells)."""
    used = [i for i, name in enumerate(header) if name or any(r[i] is not None for _, r in rows)]
    if len(used) == len(header):
        return header, rows
    return [header[i] for i in used], [(line, [r[i] for i in used]) for line, r in rows]


def _frame(header: list[str], keep: list[int], rows: list[tuple[int, list[str | None]]]) -> pl.DataFrame:
    data: dict[str, list[Any]] = {header[i]: [r[i] for _, r in rows] for i in keep}
    data[ROW] = [line for line, _ in rows]
    schema = {header[i]: pl.String for i in keep} | {ROW: pl.Int64}
    return pl.DataFrame(data, schema=schema)


def _split_csv(split: pl.DataFrame, file: str) -> TextTable:
    """:func:`_read_csv` for a text split column-wise (:func:`effipia.tabular.csv_cells`):
    the same blank rows, header, ragged rows, blank columns and cleaned cells, as Polars
    expressions instead of a Python object per cell."""
    cells = pl.col("cells")
    non_empty = split.filter(cells.list.join("").str.strip_chars(WHITESPACE).str.len_bytes() > 0)
    if non_empty.height == 0:
        raise EffipiaError("exchange.empty_file", path=file)
    header_line, first = non_empty.row(0)
    header = [cell.strip() for cell in first]
    data = non_empty.slice(1)
    count = cells.list.len()
    problems = [
        Problem.at(file, line, None, "exchange.ragged_row", found=found, expected=len(header))
        for line, found in data.filter(count != len(header)).select("__line", count).iter_rows()
    ]
    good = data.filter(count == len(header))
    values = good.select(
        [cells.list.get(i, null_on_oob=True).str.strip_chars(WHITESPACE).alias(f"c{i}") for i in range(len(header))]
    ).with_columns(pl.when(pl.all().str.len_bytes() > 0).then(pl.all()).name.keep())
    used = [i for i, name in enumerate(header) if name or values.get_column(f"c{i}").null_count() < values.height]
    header = [header[i] for i in used]
    keep, header_problems = _header_problems(file, header, header_line)
    frame = pl.DataFrame([values.get_column(f"c{used[i]}").alias(header[i]) for i in keep]
                         + [good.get_column("__line").alias(ROW)])
    return TextTable(frame, header_problems + problems)


def _read_csv(path: Path, file: str) -> TextTable:
    header: list[str] | None = None
    header_line = 1
    rows: list[tuple[int, list[str | None]]] = []
    problems: list[Problem] = []
    source = csv_text(path.read_bytes(), file)
    split = csv_cells(source)
    if split is not None:
        return _split_csv(split, file)
    for line, record in csv_records(source):
        if not any(cell.strip() for cell in record):
            continue
        if header is None:
            header, header_line = [cell.strip() for cell in record], line
            continue
        if len(record) != len(header):
            problems.append(Problem.at(file, line, None, "exchange.ragged_row", found=len(record), expected=len(header)))
            continue
        rows.append((line, [_clean(cell) for cell in record]))
    if header is None:
        raise EffipiaError("exchange.empty_file", path=file)
    header, rows = _drop_blank_columns(header, rows)
    keep, header_problems = _header_problems(file, header, header_line)
    return TextTable(_frame(header, keep, rows), header_problems + problems)


def _cell_text(value: Any) -> str | None:
    """Text of a typed cell: integral numbers without a decimal part (12.0 → "12")."""
    if value is None:
        return None
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return _clean(str(value))


def _read_xlsx(path: Path, file: str) -> TextTable:
    header: list[str] | None = None
    header_line = 1
    rows: list[tuple[int, list[str | None]]] = []
    sheet = xlsx_sheet(path, file)
    for line, raw in sheet.rows:
        cells = [_cell_text(v) for v in raw]
        if not any(cells):
            continue
        if header is None:
            header, header_line = [c or "" for c in cells], line
            continue
        rows.append((line, cells))
    if header is None:
        if sheet.defects:
            raise ValidationFailed(defect_problems(sheet, file))
        raise EffipiaError("exchange.empty_file", path=file)
    width = max([len(header)] + [len(r) for _, r in rows])
    header = header + [""] * (width - len(header))
    # Cells in error or formulas without a value: reported under their header (the cell
    # is read as empty only so that every other problem is found in the same pass).
    defects = defect_problems(sheet, file, header_line, list(header))
    header, rows = _drop_blank_columns(header, [(line, r + [None] * (width - len(r))) for line, r in rows])
    keep, problems = _header_problems(file, header, header_line)
    return TextTable(_frame(header, keep, rows), problems + defects)


def _typed_to_text(df: pl.DataFrame) -> pl.DataFrame:
    """Every column of a typed frame as text (integral floats without ".0", "" as null)."""
    exprs = []
    for name, dtype in df.schema.items():
        col = pl.col(name)
        if dtype.is_float():
            # Beyond 2**53 a float is not an exact integer: kept as written (e.g. « 1e+30 »)
            # so that validation refuses it at its cell, never turned into an empty cell.
            integral = col.is_finite() & (col == col.floor()) & (col.abs() < 2.0**53)
            expr = (
                pl.when(col.is_nan()).then(None)
                .when(integral).then(col.cast(pl.Int64, strict=False).cast(pl.String))
                .otherwise(col.cast(pl.String))
            )
        elif dtype == pl.Boolean:
            expr = col.cast(pl.Int8).cast(pl.String)
        elif dtype == pl.String:
            expr = col.str.strip_chars()
            expr = pl.when(expr == "").then(None).otherwise(expr)
        else:
            expr = col.cast(pl.String)
        exprs.append(expr.alias(name))
    return df.select(exprs)


def _read_binary(path: Path, fmt: Format, file: str) -> pl.DataFrame:
    try:
        if fmt is Format.PARQUET:
            return pl.read_parquet(path)
        import pyreadstat

        if fmt is Format.SAV:
            # SPSS users often declare 8/9 as "missing values": they are still answer codes.
            pdf, _meta = pyreadstat.read_sav(str(path), apply_value_formats=False, user_missing=True)
        else:
            pdf, _meta = pyreadstat.read_dta(str(path), apply_value_formats=False)
        return pl.from_pandas(pdf)
    except EffipiaError:
        raise
    except Exception:  # pyarrow / readstat errors (English): the file is damaged or not what it claims
        raise ValidationFailed(
            [Problem.at(file, None, None, "reading.unreadable_binary", format=fmt.value.upper(), name=path.name)]
        ) from None


def read_table(path: str | Path, fmt: Format, file: str | None = None) -> TextTable:
    """Read ``path`` (of format ``fmt``) as text columns plus ``__row__``.

    ``file`` is the name used in problems (default: ``str(path)``). Raises
    ``EffipiaError`` when the file cannot be read at all (encoding, damage, emptiness).
    """
    p = Path(path)
    file = file or str(path)
    if fmt in (Format.CSV, Format.KOBO):
        return _read_csv(p, file)
    if fmt is Format.XLSX:
        return _read_xlsx(p, file)
    typed = _read_binary(p, fmt, file)
    problems: list[Problem] = []
    if ROW in typed.columns:
        problems.append(Problem.at(file, None, ROW, "questionnaire.unknown_column", column=ROW))
        typed = typed.drop(ROW)
    try:
        text = _typed_to_text(typed)
    except pl.exceptions.PolarsError:  # nested or binary columns: not a response table
        raise ValidationFailed(
            [Problem.at(file, None, None, "reading.unreadable_binary", format=fmt.value.upper(), name=p.name)]
        ) from None
    frame = text.with_columns(pl.int_range(2, typed.height + 2, dtype=pl.Int64).alias(ROW))
    return TextTable(frame, problems)
