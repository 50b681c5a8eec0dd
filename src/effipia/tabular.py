"""Tables as people send them, for every importer: CSV text and the first XLSX sheet.

CSV: UTF-8 (with or without BOM) or Windows-1252; an optional first line ``sep=;``
(``sep=,``, ``sep=|``, tab…) written for Excel names the separator, otherwise the
separator is the most frequent of ``;``, ``,`` and tab outside quotes on the first
lines. XLSX: every row of the first sheet from A1, so that a row's index
is the line the user sees. Both give rows with their 1-based line numbers in the file
(the ``sep=`` line counts as line 1). Used by the registry (campus files, partner
directories) and the response exchange.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from effipia.errors import EffipiaError

__all__ = ["CsvText", "csv_records", "csv_text", "decode_text", "xlsx_rows"]

_UTF8_BOM = b"\xef\xbb\xbf"
# Control characters never found in a real CSV: their presence means a wrong decoding.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Excel's separator directive: « sep=; » alone on the first line (some tools quote it or
# pad it with separators up to the width of the table).
_SEP_LINE = re.compile(r'^"?sep=([^\w"\r\n])"?(?:\1)*\r?$', re.IGNORECASE)
_QUOTED = re.compile(r'"[^"]*"')
_CANDIDATES = (";", ",", "\t")
_SNIFF_LINES = 20


@dataclass(frozen=True)
class CsvText:
    """Decoded CSV text without its ``sep=`` line, its separator and the file line of its first line."""

    text: str
    separator: str
    first_line: int = 1


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


def _sniff(text: str) -> str:
    # Counted over the first lines, outside quotes, so that a title line above the
    # header or a quoted « Nom, prénom » does not decide.
    lines = [line for line in text[: 1 << 16].splitlines()[:_SNIFF_LINES] if line.strip()]
    unquoted = _QUOTED.sub("", "\n".join(lines))
    counts = {sep: unquoted.count(sep) for sep in _CANDIDATES}
    best = max(counts, key=counts.get)  # ties: « ; » first, as French spreadsheets save
    return best if counts[best] else ","


def csv_text(raw: bytes) -> CsvText:
    """Decode ``raw`` and find its separator (``sep=`` line first, else sniffed)."""
    text = decode_text(raw)
    first, _, rest = text.partition("\n")
    directive = _SEP_LINE.match(first.strip(" "))
    if directive:
        return CsvText(rest, directive.group(1), first_line=2)
    return CsvText(text, _sniff(text))


def csv_records(source: CsvText) -> Iterator[tuple[int, list[str]]]:
    """Every record of ``source`` with the file line where it starts (quoted line breaks
    included). Raises ``EffipiaError("generic.unreadable_file")`` on a malformed quote."""
    reader = csv.reader(io.StringIO(source.text, newline=""), delimiter=source.separator)
    start = source.first_line
    try:
        for record in reader:
            yield start, record
            start = source.first_line + reader.line_num
    except csv.Error as exc:
        raise EffipiaError("generic.unreadable_file", detail=str(exc)) from None


def xlsx_rows(path: str | Path) -> list[tuple[int, list[object]]]:
    """Rows of the first sheet of an XLSX workbook with their line numbers (from 1), cells
    as typed by the workbook (numbers as ``float``/``int``, dates, text, ``None``).

    calamine (Rust) reads a sheet some 25 times faster than openpyxl. Raises
    ``EffipiaError("generic.unreadable_file")`` for a damaged workbook.
    """
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
        # Keeping the empty area gives each row its position in the sheet.
        values = sheet.to_python(skip_empty_area=False)
    except (CalamineError, OSError, ValueError) as exc:  # a damaged or protected workbook
        raise EffipiaError("generic.unreadable_file", detail=str(exc)) from None
    return [(line, list(row)) for line, row in enumerate(values, start=1)]
