"""Tables as people send them, for every importer: CSV text and the first XLSX sheet.

Everything here refuses what it cannot read faithfully, at its place, in French:

CSV: the encoding is decided once for the whole file: UTF-8 (with or without BOM),
UTF-16 with its BOM (Excel's « Texte Unicode »), else Windows-1252. A UTF-8 file with
some lines in another encoding is *mixed*: each such line is refused (never the whole
file silently decoded as Windows-1252, which turns every accent into mojibake); a line
with bytes undefined in Windows-1252 or an invisible control character (NUL…) is refused
too. An optional first line ``sep=;`` (``sep=,``, ``sep=|``, tab…) written for Excel
names the separator, otherwise the separator is the most frequent of ``;``, ``,`` and
tab outside quotes on the first lines. A cell that effipia's CSV writer escaped against
formula injection (:mod:`effipia.csvsafe`, ``'=…``) is given back as written. Quoting is strict: an unclosed quote (a file cut
in the middle of a row), a quote followed by text, or a field past the size limit is a
problem at the record's line.

XLSX: the first sheet is scanned (stream of its XML) *before* it is loaded, so that a
workbook whose used range reaches a far cell (``XFD1048576``) is refused at once instead
of allocating gigabytes (limit: setting ``xlsx_max_cells``); error cells (``#N/A``,
``#DIV/0!``…) and formulas without a cached value (a file written by a program and never
opened in a spreadsheet) are reported at their cell, because the XLSX reader would give
them as empty. Rows come from A1, so a row's index is the line the user sees.

Both give rows with their 1-based line numbers in the file (the ``sep=`` line counts as
line 1). Used by the registry (campus files, partner directories, user tables), the
response exchange and the territories' national lists. No library's English text reaches
a user: known failures are translated, others reported with the file name and a French
reason.
"""

from __future__ import annotations

import csv
import html
import sys
import io
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from effipia.csvsafe import restore
from effipia.errors import Problem, ValidationFailed

__all__ = [
    "CsvText",
    "XlsxSheet",
    "column_letters",
    "csv_records",
    "csv_text",
    "decode_text",
    "defect_problems",
    "xlsx_rows",
    "xlsx_sheet",
]

_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE2: encrypted OOXML, or legacy .xls
# Control characters never found in a real CSV: their presence means binary or a wrong decoding.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Excel's separator directive: « sep=; » alone on the first line (some tools quote it or
# pad it with separators up to the width of the table).
_SEP_LINE = re.compile(r'^"?sep=([^\w"\r\n])"?(?:\1)*\r?$', re.IGNORECASE)
_QUOTED = re.compile(r'"[^"]*"')
_CANDIDATES = (";", ",", "\t")
_SNIFF_LINES = 20
_FIELD_LIMIT = csv.field_size_limit()
_ESCAPED_CELL = re.compile(r"'+[=+\-@\t\r]")
#: Every character ``str.strip()`` removes (``str.isspace``): column-wise readers strip
#: cells with exactly these, as a cell read one by one is stripped.
WHITESPACE = "".join(chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace())


# ------------------------------------------------------------------------------ encodings


def _control_problems(text: str, file: str, first_line: int = 1) -> list[Problem]:
    problems = []
    if not _CONTROL.search(text):
        return problems
    for number, line in enumerate(text.split("\n"), start=first_line):
        found = _CONTROL.search(line)
        if found:
            char = found.group()
            shown = "NUL" if char == "\x00" else f"U+{ord(char):04X}"
            problems.append(Problem.at(file, number, None, "reading.control_character", character=shown))
    return problems


def _legacy_text(body: bytes, file: str, had_bom: bool) -> str:
    """``body`` (not valid UTF-8 as a whole) decoded as Windows-1252, unless some lines are
    UTF-8 with accents (or the file has a UTF-8 BOM): then the file is mixed, and each line
    that is not UTF-8 is refused at its line."""
    lines = body.split(b"\n")
    utf8_accented = had_bom
    invalid: list[int] = []
    for number, line in enumerate(lines, start=1):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            utf8_accented = True
        except UnicodeDecodeError:
            invalid.append(number)
    if utf8_accented:
        raise ValidationFailed(
            [Problem.at(file, n, None, "reading.mixed_encoding", encoding="UTF-8") for n in invalid]
        )
    problems = []
    for number, line in enumerate(lines, start=1):
        try:
            line.decode("cp1252")
        except UnicodeDecodeError:
            problems.append(Problem.at(file, number, None, "reading.undecodable_line", encoding="Windows-1252"))
    if problems:
        raise ValidationFailed(problems)
    return body.decode("cp1252")


def decode_text(raw: bytes, file: str = "") -> str:
    """Decode CSV bytes with one encoding for the whole file: UTF-8 (with or without
    BOM), UTF-16 with BOM, else Windows-1252.

    Raises :class:`ValidationFailed` naming every line that does not fit: lines in
    another encoding than the rest (mixed file), bytes undefined in Windows-1252,
    invisible control characters (NUL…). ``file`` names the file in the problems.
    """
    if raw.startswith(_UTF16_BOMS):
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError:
            raise ValidationFailed([Problem.at(file, None, None, "reading.utf16_unpaired")]) from None
    else:
        body = raw.removeprefix(_UTF8_BOM)
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            text = _legacy_text(body, file, raw.startswith(_UTF8_BOM))
    problems = _control_problems(text, file)
    if problems:
        raise ValidationFailed(problems)
    return text


# ------------------------------------------------------------------------------ CSV


@dataclass(frozen=True)
class CsvText:
    """Decoded CSV text without its ``sep=`` line, its separator and the file line of its first line."""

    text: str
    separator: str
    first_line: int = 1
    file: str = ""


def _sniff(text: str) -> str:
    # Counted over the first lines, outside quotes, so that a title line above the
    # header or a quoted « Nom, prénom » does not decide.
    lines = [line for line in text[: 1 << 16].splitlines()[:_SNIFF_LINES] if line.strip()]
    unquoted = _QUOTED.sub("", "\n".join(lines))
    counts = {sep: unquoted.count(sep) for sep in _CANDIDATES}
    best = max(counts, key=counts.get)  # ties: « ; » first, as French spreadsheets save
    return best if counts[best] else ","


def csv_text(raw: bytes, file: str = "") -> CsvText:
    """Decode ``raw`` (see :func:`decode_text`) and find its separator (``sep=`` line first, else sniffed)."""
    text = decode_text(raw, file)
    first, _, rest = text.partition("\n")
    directive = _SEP_LINE.match(first.strip(" "))
    if directive:
        return CsvText(rest, directive.group(1), first_line=2, file=file)
    return CsvText(text, _sniff(text), file=file)


def _csv_problem(file: str, line: int, error: csv.Error) -> Problem:
    text = str(error)
    if text.startswith("field larger than field limit"):
        from effipia.formatting import number

        return Problem.at(file, line, None, "reading.field_too_large", limit=number(_FIELD_LIMIT))
    if text.startswith("unexpected end of data"):
        return Problem.at(file, line, None, "reading.unclosed_quote")
    if "expected after" in text:
        return Problem.at(file, line, None, "reading.bad_quote")
    return Problem.at(file, line, None, "reading.malformed_csv")


def csv_records(source: CsvText) -> Iterator[tuple[int, list[str]]]:
    """Every record of ``source`` with the file line where it starts (quoted line breaks
    included). Raises :class:`ValidationFailed` at the record's line on an unclosed quote
    (file cut in the middle of a row), a quote followed by text or a field over the limit."""
    reader = csv.reader(io.StringIO(source.text, newline=""), delimiter=source.separator, strict=True)
    start = source.first_line
    # Cells effipia's own CSV writer escaped against formula injection get their text back
    # (see effipia.csvsafe); most files have none, so they are looked for once.
    escaped = "'" in source.text and _ESCAPED_CELL.search(source.text) is not None
    try:
        for record in reader:
            yield start, ([restore(cell) for cell in record] if escaped else record)
            start = source.first_line + reader.line_num
    except csv.Error as exc:
        raise ValidationFailed([_csv_problem(source.file, start, exc)]) from None


def csv_cells(source: CsvText) -> "pl.DataFrame | None":
    """The records of ``source`` as a frame (``__line``: the file line where each starts;
    ``cells``: its fields, a list of strings), split by Polars without a Python object per
    cell — or ``None`` when the text needs the ``csv`` module to be read faithfully: a
    quote anywhere (quoted separators, line breaks, strict quoting), a carriage return
    outside a CRLF pair, a cell escaped by effipia's writer, or a line over the field limit.

    For every other text the result is exactly what :func:`csv_records` gives: one record
    per line, fields between separators (blank lines give one empty field, dropped by the
    readers like the ``csv`` module's empty record)."""
    import polars as pl

    text = source.text
    if '"' in text or ("'" in text and _ESCAPED_CELL.search(text) is not None):
        return None
    if "\r" in text:
        if text.count("\r") != text.count("\r\n"):
            return None
        text = text.replace("\r\n", "\n")
    if text.endswith("\n"):
        text = text[:-1]
    lines = pl.Series("line", [text], dtype=pl.String).str.split("\n").explode()
    if lines.str.len_chars().max() > _FIELD_LIMIT:
        return None
    return pl.DataFrame({"cells": lines.str.split(source.separator, inclusive=False)}).with_row_index(
        "__line", offset=source.first_line
    ).with_columns(pl.col("__line").cast(pl.Int64))


# ------------------------------------------------------------------------------ XLSX


def column_letters(index: int) -> str:
    """Spreadsheet letters of the 0-based column ``index`` (0 → A, 16383 → XFD)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _column_index(letters: bytes) -> int:
    index = 0
    for char in letters:
        index = index * 26 + (char - 64)
    return index - 1


@dataclass
class XlsxSheet:
    """The first sheet: rows with their lines (from 1), and the cells that had no
    faithful value, as ``(line, column index from 0, problem code, parameters)``
    (those cells are given as ``None`` in ``rows``)."""

    rows: list[tuple[int, list[object]]]
    defects: list[tuple[int, int, str, dict[str, object]]] = field(default_factory=list)


def _first_sheet_member(book: zipfile.ZipFile) -> str | None:
    """Path in the archive of the first sheet in workbook order (what the reader reads)."""
    names = set(book.namelist())
    try:
        workbook = book.read("xl/workbook.xml")
        rels = book.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        workbook = rels = b""
    sheet = re.search(rb"<(?:\w+:)?sheet\b[^>]*?\b(?:\w+:)?id=\"([^\"]+)\"", workbook)
    if sheet:
        for rel in re.finditer(rb"<(?:\w+:)?Relationship\b[^>]*>", rels):
            tag = rel.group()
            rid = re.search(rb'\bId="([^"]+)"', tag)
            target = re.search(rb'\bTarget="([^"]+)"', tag)
            if rid and target and rid.group(1) == sheet.group(1):
                path = target.group(1).decode("utf-8", "replace")
                path = path.lstrip("/") if path.startswith("/") else f"xl/{path}"
                if path in names:
                    return path
    sheets = sorted(n for n in names if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n))
    return sheets[0] if sheets else None


_CHUNK = 1 << 23


class _SheetScan:
    """Streaming scan of a sheet's XML: extent of the cells holding a value, error cells
    and formulas without a cached value (cells never span two processed segments)."""

    def __init__(self) -> None:
        self.max_row = 0
        self.max_col = -1
        self.columns: set[bytes] = set()
        self.defects: list[tuple[int, int, str, dict[str, object]]] = []
        self.prefix: bytes | None = None

    def _patterns(self, prefix: bytes) -> None:
        p = re.escape(prefix)
        self.open_tag = b"<" + prefix + b"c "
        self.valued = re.compile(rb"<" + p + rb'c\s[^>]*?\br="([A-Z]{1,3})([0-9]{1,7})"[^>/]*>')
        self.error = re.compile(rb"<" + p + rb'c\s([^>]*?\bt="e"[^>]*)>(.*?)</' + p + rb"c>", re.S)
        self.formula = re.compile(rb"<" + p + rb"f[\s>/]")
        self.close_tag = b"</" + prefix + b"c>"
        self.value = re.compile(rb"<" + p + rb"v>([^<]*)</" + p + rb"v>")
        self.formula_text = re.compile(rb"<" + p + rb"f\b[^>]*>([^<]*)</" + p + rb"f>")

    @staticmethod
    def _ref(attributes: bytes) -> tuple[int, int] | None:
        found = re.search(rb'\br="([A-Z]{1,3})([0-9]{1,7})"', attributes)
        return (int(found.group(2)), _column_index(found.group(1))) if found else None

    def feed(self, segment: bytes) -> None:
        found = self.valued.findall(segment)
        if found:
            self.columns.update(c for c, _ in found)
            self.max_row = max(self.max_row, max(int(r) for _, r in found))
        for match in self.error.finditer(segment):
            ref = self._ref(match.group(1))
            if ref:
                value = self.value.search(match.group(2))
                shown = html.unescape(value.group(1).decode("utf-8", "replace")) if value else "#?"
                self.defects.append((ref[0], ref[1], "reading.error_cell", {"value": shown}))
        for match in self.formula.finditer(segment):
            start = segment.rfind(self.open_tag, 0, match.start())
            end = segment.find(self.close_tag, match.end())
            if start < 0 or end < 0:
                continue
            cell = segment[start:end]
            head = cell[: cell.find(b">") + 1]
            if b't="e"' in head:
                continue  # already reported as an error cell
            value = self.value.search(cell)
            cached = bool(value and value.group(1)) or (b't="str"' in head and value is not None)
            if not cached:
                ref = self._ref(head)
                if ref:
                    text = self.formula_text.search(cell)
                    formula = "=" + html.unescape(text.group(1).decode("utf-8", "replace")) if text else "="
                    self.defects.append((ref[0], ref[1], "reading.formula_without_value", {"formula": formula}))

    def run(self, stream: io.BufferedIOBase) -> None:
        tail = b""
        while True:
            chunk = stream.read(_CHUNK)
            buffer = tail + chunk
            if self.prefix is None:
                found = re.search(rb"<(\w+:)?sheetData\b", buffer)
                if found is None and chunk:
                    tail = buffer[-4096:]
                    continue
                self.prefix = (found.group(1) or b"") if found else b""
                self._patterns(self.prefix)
            if not chunk:
                self.feed(buffer)
                return
            cut = buffer.rfind(self.open_tag)
            if cut <= 0:
                tail = buffer
                continue
            self.feed(buffer[:cut])
            tail = buffer[cut:]

    @property
    def width(self) -> int:
        return max((_column_index(c) for c in self.columns), default=-1) + 1


def _scan(path: Path, file: str) -> _SheetScan:
    with path.open("rb") as handle:
        head = handle.read(8)
    if head.startswith(_CFB_MAGIC):
        raise ValidationFailed([Problem.at(file, None, None, "reading.encrypted_workbook")])
    try:
        with zipfile.ZipFile(path) as book:
            member = _first_sheet_member(book)
            if member is None:
                raise ValidationFailed([Problem.at(file, None, None, "reading.no_sheet")])
            scan = _SheetScan()
            with book.open(member) as stream:
                scan.run(stream)
    except zipfile.BadZipFile as exc:
        code = "reading.corrupt_zip_member" if "CRC" in str(exc) or "Bad magic" in str(exc) else "reading.bad_zip"
        raise ValidationFailed([Problem.at(file, None, None, code)]) from None
    except (zlib.error, EOFError):
        raise ValidationFailed([Problem.at(file, None, None, "reading.corrupt_zip_member")]) from None
    except NotImplementedError:  # compression method the archive module lacks
        raise ValidationFailed([Problem.at(file, None, None, "reading.unreadable_workbook", name=path.name)]) from None
    return scan


def _calamine_problem(file: str, name: str, error: Exception) -> Problem:
    text = str(error)
    if "password" in text.lower():
        return Problem.at(file, None, None, "reading.encrypted_workbook")
    if "Zip" in text or "EOCD" in text:
        return Problem.at(file, None, None, "reading.bad_zip")
    if "deflate" in text:
        return Problem.at(file, None, None, "reading.corrupt_zip_member")
    return Problem.at(file, None, None, "reading.unreadable_workbook", name=name)


def xlsx_sheet(path: str | Path, file: str | None = None, max_cells: int | None = None) -> XlsxSheet:
    """The first sheet of an XLSX workbook: rows with their line numbers (from 1), cells
    as typed by the workbook (numbers as ``float``/``int``, dates, text, ``None``), and
    the defective cells (error values, formulas without a cached value) located.

    The sheet's extent is measured first; beyond ``max_cells`` (default: setting
    ``xlsx_max_cells``) nothing is loaded. calamine (Rust) reads a sheet some 25 times
    faster than openpyxl. Raises :class:`ValidationFailed` with a French reason for a
    damaged, encrypted or too large workbook.
    """
    from python_calamine import CalamineWorkbook

    path = Path(path)
    file = file if file is not None else str(path)
    if max_cells is None:
        from effipia.settings import get_settings

        max_cells = get_settings().xlsx_max_cells
    scan = _scan(path, file)
    rows, width = scan.max_row, scan.width
    if rows * width > max_cells:
        from effipia.formatting import number

        corner = f"{column_letters(width - 1)}{rows}"
        params = {"cell": corner, "rows": number(rows), "columns": number(width), "cells": number(rows * width),
                  "limit": number(max_cells)}
        raise ValidationFailed([Problem.at(file, None, None, "reading.sheet_too_large", **params)])
    try:
        sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
        # Keeping the empty area gives each row its position in the sheet.
        values = sheet.to_python(skip_empty_area=False)
    except Exception as exc:  # calamine's own errors (Rust): damaged XML, unsupported parts
        raise ValidationFailed([_calamine_problem(file, path.name, exc)]) from None
    for line, column, _code, _params in scan.defects:
        if line <= len(values) and column < len(values[line - 1]):
            values[line - 1][column] = None
    return XlsxSheet([(line, list(row)) for line, row in enumerate(values, start=1)], sorted(scan.defects))


def defect_problems(sheet: XlsxSheet, file: str, header_line: int | None = None,
                    header: list[str | None] | None = None) -> list[Problem]:
    """Problems of the defective cells of ``sheet``, located by the header's column name
    below the header line and by the column letters elsewhere."""
    problems = []
    for line, column, code, params in sheet.defects:
        name = None
        if header is not None and header_line is not None and line > header_line and column < len(header):
            name = header[column]
        problems.append(Problem.at(file, line, name or column_letters(column), code, **params))
    return problems


def xlsx_rows(path: str | Path, file: str | None = None) -> list[tuple[int, list[object]]]:
    """Rows of the first sheet (see :func:`xlsx_sheet`); a defective cell is a
    :class:`ValidationFailed` at its cell (``fichier:ligne:colonne``, column letters)."""
    file = file if file is not None else str(path)
    sheet = xlsx_sheet(path, file)
    if sheet.defects:
        raise ValidationFailed(defect_problems(sheet, file))
    return sheet.rows
