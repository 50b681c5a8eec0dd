"""Read a file of any supported format into a frame of text (first stage of reading).

Every format gives the same thing: one String column per header (empty cells are
null, text stripped) plus ``__row__``, the line number as the user sees it (header =
line 1). Values stay text so that « abc » or « 2.5 » in an item column becomes a
validation problem downstream, never a crash here. Structural defects (ragged CSV
lines, duplicated or empty headers) are returned as problems, not raised, so that a
failing import lists everything at once.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl

from effipia.errors import EffipiaError, Problem
from effipia.exchange.detect import Format

__all__ = ["ROW", "TextTable", "decode_text", "read_table", "read_csv_header"]

#: Name of the column holding the user-visible line number of each row.
ROW = "__row__"

_UTF8_BOM = b"\xef\xbb\xbf"
# Control characters never found in a real CSV: their presence means a wrong decoding.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass
class TextTable:
    """A file read as text: ``frame`` (String columns + ``__row__``) and structural ``problems``."""

    frame: pl.DataFrame
    problems: list[Problem] = field(default_factory=list)


def decode_text(raw: bytes) -> str:
    """Decode CSV bytes: UTF-8 (with or without BOM), else Windows-1252.

    Raises ``EffipiaError("generic.bad_encoding")`` for anything else (UTF-16 saved
    by a spreadsheet, binary content, bytes undefined in Windows-1252).
    """
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise EffipiaError("generic.bad_encoding")
    try:
        text = raw.removeprefix(_UTF8_BOM).decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = raw.decode("cp1252")
        except UnicodeDecodeError:
            raise EffipiaError("generic.bad_encoding") from None
    if _CONTROL.search(text):
        raise EffipiaError("generic.bad_encoding")
    return text


def _separator(first_line: str) -> str:
    counts = {sep: first_line.count(sep) for sep in (";", ",", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


def _header_problems(file: str, header: list[str]) -> tuple[list[int], list[Problem]]:
    """Positions of usable columns, and problems for empty or repeated names."""
    keep: list[int] = []
    seen: set[str] = set()
    problems: list[Problem] = []
    for position, name in enumerate(header):
        if not name:
            problems.append(Problem.at(file, 1, None, "exchange.empty_header", position=position + 1))
        elif name == ROW:
            problems.append(Problem.at(file, None, ROW, "questionnaire.unknown_column", column=ROW))
        elif name in seen:
            problems.append(Problem.at(file, 1, name, "exchange.duplicate_column"))
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


def read_csv_header(path: Path) -> list[str]:
    """Header names of a CSV file (decoded and split as :func:`read_table` would)."""
    text = decode_text(path.read_bytes())
    first = text.split("\n", 1)[0]
    row = next(csv.reader(io.StringIO(first), delimiter=_separator(first)), [])
    return [name.strip() for name in row]


def _read_csv(path: Path, file: str) -> TextTable:
    text = decode_text(path.read_bytes())
    sep = _separator(text.split("\n", 1)[0])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    header: list[str] | None = None
    rows: list[tuple[int, list[str | None]]] = []
    problems: list[Problem] = []
    start = 1
    try:
        for record in reader:
            line, start = start, reader.line_num + 1
            if not any(cell.strip() for cell in record):
                continue
            if header is None:
                header = [cell.strip() for cell in record]
                continue
            if len(record) != len(header):
                problems.append(
                    Problem.at(file, line, None, "exchange.ragged_row", found=len(record), expected=len(header))
                )
                continue
            rows.append((line, [_clean(cell) for cell in record]))
    except csv.Error as exc:
        raise EffipiaError("generic.unreadable_file", detail=str(exc)) from None
    if header is None:
        raise EffipiaError("exchange.empty_file", path=file)
    header, rows = _drop_blank_columns(header, rows)
    keep, header_problems = _header_problems(file, header)
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
    # calamine (Rust) reads a sheet some 25 times faster than openpyxl; keeping the empty
    # area gives each row its position in the sheet, hence the user's line numbers.
    from python_calamine import CalamineWorkbook

    try:
        sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
        values = sheet.to_python(skip_empty_area=False)
    except Exception as exc:  # calamine raises its own error types for a damaged workbook
        raise EffipiaError("generic.unreadable_file", detail=str(exc)) from None
    header: list[str] | None = None
    rows: list[tuple[int, list[str | None]]] = []
    for line, raw in enumerate(values, start=1):
        cells = [_cell_text(v) for v in raw]
        if not any(cells):
            continue
        if header is None:
            header = [c or "" for c in cells]
            continue
        rows.append((line, cells))
    if header is None:
        raise EffipiaError("exchange.empty_file", path=file)
    width = max([len(header)] + [len(r) for _, r in rows])
    header = header + [""] * (width - len(header))
    header, rows = _drop_blank_columns(header, [(line, r + [None] * (width - len(r))) for line, r in rows])
    keep, problems = _header_problems(file, header)
    return TextTable(_frame(header, keep, rows), problems)


def _typed_to_text(df: pl.DataFrame) -> pl.DataFrame:
    """Every column of a typed frame as text (integral floats without ".0", "" as null)."""
    exprs = []
    for name, dtype in df.schema.items():
        col = pl.col(name)
        if dtype.is_float():
            integral = col.is_finite() & (col == col.floor())
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


def _read_binary(path: Path, fmt: Format) -> pl.DataFrame:
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
    except Exception as exc:  # pyarrow / readstat errors: the file is damaged or not what it claims
        raise EffipiaError("generic.unreadable_file", detail=str(exc)) from None


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
    typed = _read_binary(p, fmt)
    problems: list[Problem] = []
    if ROW in typed.columns:
        problems.append(Problem.at(file, None, ROW, "questionnaire.unknown_column", column=ROW))
        typed = typed.drop(ROW)
    try:
        text = _typed_to_text(typed)
    except pl.exceptions.PolarsError as exc:  # nested or binary columns: not a response table
        raise EffipiaError("generic.unreadable_file", detail=str(exc).splitlines()[0]) from None
    frame = text.with_columns(pl.int_range(2, typed.height + 2, dtype=pl.Int64).alias(ROW))
    return TextTable(frame, problems)
