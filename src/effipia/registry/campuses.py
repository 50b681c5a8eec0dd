"""Campus registry files (CSV or XLSX, canonical or French headers) → the canonical campus frame.

Checks: required identifier and name, unique identifier and publication letter
(A…Z, ZA…ZF), filière among the 12 CMQ filières (code or label, stored as the code),
région and académie among the shipped geography (stored with their reference
spelling; the académie must belong to the région), type of support establishment
recoded to a partner-type code (« Université » → ``universite``), integers in range (wave 1–5). Every problem is reported at once.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import polars as pl

from effipia import nomenclatures
from effipia.errors import Problem, ValidationFailed
from effipia.registry.columns import by_value, columns_of, text_frame
from effipia.registry.reading import read_table
from effipia.registry.tables import RegistryTables, default_tables
from effipia.registry.text import normalize
from effipia.schema import CAMPUS_COLUMNS
from effipia.store.limits import column_limits

__all__ = ["LETTER_PATTERN", "read_campuses"]

#: Anonymous publication letters: A…Z then ZA…ZF (32 campuses).
LETTER_PATTERN = re.compile(r"^(Z[A-F]|[A-Z])$")

_RANGES = {"year_created": (1900, 2100), "pia_wave": (1, 5), "duration_years": (1, 50), "pia_amount_eur": (0, 10**12)}


@cache
def _filieres() -> dict[str, str]:
    table = nomenclatures.load("filieres")
    mapping = {normalize(label): code for code, label in zip(table["code"], table["filiere"], strict=True)}
    mapping.update({normalize(code): code for code in table["code"]})
    return mapping


@cache
def _geography(column: str) -> dict[str, str]:
    table = nomenclatures.load("departements_academies_regions")
    return {normalize(v): v for v in table[column].unique().to_list()}


@cache
def _academie_regions() -> dict[str, str]:
    """Académie (reference spelling) → its région (one région per académie in the table)."""
    table = nomenclatures.load("departements_academies_regions")
    return dict(zip(table["libelleAcademie"], table["libelleRegion"], strict=True))


def _integer(value: object) -> int | None:
    """An integer cell (« 1 500 000 € », ``2015.0``); ``None`` for anything else, including
    non-finite numbers and negative text (no range here admits one)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):  # inf, NaN and floats past 2**53 are no exact integers
        return int(value) if value.is_integer() and abs(value) < 2**53 else None
    text = re.sub(r"[\s\u00a0\u202f€]", "", str(value))
    if re.fullmatch(r"\d+([.,]0+)?", text):
        return int(re.split(r"[.,]", text)[0])
    return None


def _filiere_check(text: str | None) -> tuple[dict, list]:
    if not text:
        return {"filiere": None}, []
    code = _filieres().get(normalize(text))
    return {"filiere": code}, [] if code is not None else [("filiere", "registry.unknown_filiere", {"value": text})]


def _place_check(region: str | None, academie: str | None) -> tuple[dict, list]:
    """Région and académie in their reference spelling; the académie must be the région's."""
    out: dict[str, object] = {}
    found: list = []
    for column, text, reference, code in (
        ("region", region, "libelleRegion", "registry.unknown_region"),
        ("academie", academie, "libelleAcademie", "registry.unknown_academie"),
    ):
        out[column] = None
        if text:
            value = _geography(reference).get(normalize(text))
            if value is None:
                found.append((column, code, {"value": text}))
            out[column] = value
    if out["region"] and out["academie"]:
        home = _academie_regions().get(str(out["academie"]))
        if home is not None and home != out["region"]:
            found.append(("academie", "registry.academie_outside_region", {"value": academie, "region": home, "given": region}))
    return out, found


def _yes_no_check(tables: RegistryTables):
    def check(text: str | None) -> tuple[dict, list]:
        if not text:
            return {"excellence": None}, []
        flag = tables.recode_yes_no(text)
        return {"excellence": flag}, [] if flag is not None else [("excellence", "registry.bad_yes_no", {"value": text})]

    return check


def _support_check(tables: RegistryTables):
    def check(text: str | None) -> tuple[dict, list]:
        if not text:
            return {"support_type": None}, []
        # Same codes as partner types (universite, lycee…), so campus and partners compare.
        support = tables.recode_category(text)
        found = [] if support is not None else [("support_type", "registry.unknown_support_type", {"value": text})]
        return {"support_type": support}, found

    return check


def _letter_check(text: str | None) -> tuple[dict, list]:
    if not text:
        return {"letter": None}, []
    letter = text.upper()
    if not LETTER_PATTERN.match(letter):
        return {"letter": None}, [("letter", "registry.bad_letter", {"value": text})]
    return {"letter": letter}, []


def _range_check(column: str, low: int, high: int):
    def check(raw: object, text: str | None) -> tuple[dict, list]:
        if not text:
            return {column: None}, []
        number = _integer(raw)
        if number is None:
            return {column: None}, [(column, "registry.bad_integer", {"value": text})]
        if not low <= number <= high:
            return {column: None}, [(column, "registry.out_of_range", {"value": number, "low": low, "high": high})]
        return {column: number}, []

    return check


def _duplicates(values: pl.Series, column: str, code: str, lines: list[int]) -> list:
    """Second and later rows holding a value already given above (``other``: the first line)."""
    frame = pl.DataFrame({"value": values, "line": pl.Series(lines, dtype=pl.Int64)}).with_row_index("row")
    given = frame.filter(pl.col("value").is_not_null())
    firsts = given.filter(pl.col("value").is_first_distinct()).select("value", pl.col("line").alias("other"))
    again = given.filter(~pl.col("value").is_first_distinct()).join(firsts, on="value", how="left", maintain_order="left")
    return [(row, column, code, {"value": value, "other": other}) for row, value, other in again.select("row", "value", "other").iter_rows()]


def _fit_problems(frame: pl.DataFrame) -> list:
    """Values the stored campus columns cannot hold (:func:`effipia.store.limits.column_limits`), column-wise."""
    found = []
    for column, (kind, bound) in column_limits("campuses").items():
        if column not in frame.columns:
            continue
        values = frame.get_column(column)
        if kind == "text" and values.dtype == pl.String:
            lengths = values.str.len_chars()
            for row in (lengths > bound).arg_true():
                found.append((row, column, "reading.text_too_long", {"length": lengths[row], "limit": bound}))
        elif kind == "integer" and values.dtype.is_integer():
            low, high = bound
            for row in ((values < low) | (values > high)).arg_true():
                found.append((row, column, "reading.integer_out_of_type", {"value": values[row], "low": low, "high": high}))
    return found


def read_campuses(path: str | Path, tables: RegistryTables | None = None) -> pl.DataFrame:
    """Read and validate a campus file; return the canonical campus frame (file order).

    ``tables``: header aliases and recoding tables (default: the shipped ones extended by
    ``EFFIPIA_REGISTRY_TABLES``; see :func:`effipia.registry.tables.load_tables`).
    Raises :class:`ValidationFailed` with every problem (file, line, column, reason).
    Cells are checked column-wise, each distinct value once."""
    tables = tables or default_tables()
    map_header = tables.map_header

    def is_header(header: list[str | None]) -> bool:
        found = map_header(header, "campus")
        return "campus_id" in found or "name" in found

    def used(header: str) -> bool:
        return bool(map_header([header], "campus"))

    table = read_table(path, is_header, "registry.missing_campus_header", used=used, require_rows=True)
    columns = map_header(table.header, "campus")
    problems: list[Problem] = list(table.problems)
    for required, label in (("campus_id", "identifiant du campus"), ("name", "nom du campus")):
        if required not in columns:
            problems.append(Problem.at(table.file, table.header_line, None, "generic.missing_column", column=label))
    if any(p.code == "generic.missing_column" for p in problems):
        raise ValidationFailed(problems)
    headers = {c: table.header[i] for c, i in columns.items()}
    file, lines, text_only = table.file, table.lines, table.text_only
    height = len(lines)
    raw = table.column_cells(columns)
    del table
    text = text_frame(raw, height, text_only)
    found: list = []
    out: dict[str, pl.Series] = {}

    def keys(*names: str) -> pl.DataFrame:
        return columns_of(text, names)

    def checked(frame: pl.DataFrame, check, schema: dict[str, pl.DataType]) -> None:
        values, problems_found = by_value(frame, check, schema)
        out.update({c: values.get_column(c) for c in schema})
        found.extend(problems_found)

    campus_id, name = text.get_column("campus_id"), text.get_column("name")
    found += [(row, "campus_id", "registry.missing_campus_id", {}) for row in campus_id.is_null().arg_true()]
    found += _duplicates(campus_id, "campus_id", "registry.duplicate_campus_id", lines)
    found += [(row, "name", "registry.missing_campus_name", {}) for row in name.is_null().arg_true()]
    out["campus_id"], out["name"] = campus_id, name
    checked(keys("letter"), _letter_check, {"letter": pl.String})
    letters = out["letter"]
    repeated = _duplicates(letters, "letter", "registry.duplicate_letter", lines)
    found += repeated
    if repeated:
        out["letter"] = letters.scatter([row for row, *_ in repeated], None)
    checked(keys("filiere"), _filiere_check, {"filiere": pl.String})
    checked(keys("region", "academie"), _place_check, {"region": pl.String, "academie": pl.String})
    checked(keys("excellence"), _yes_no_check(tables), {"excellence": pl.Int64})
    for column, (low, high) in _RANGES.items():
        check = _range_check(column, low, high)
        if column not in text.columns:
            out[column] = pl.Series(column, [None] * height, dtype=pl.Int64)
        elif text_only:  # a text cell reads as its stripped text: the distinct texts decide
            checked(keys(column), lambda value, check=check: check(value, value), {column: pl.Int64})
        else:  # workbook numbers: one by one
            results = [check(value, cell) for value, cell in zip(raw[column], text.get_column(column).to_list(), strict=True)]
            out[column] = pl.Series(column, [r[0][column] for r in results], dtype=pl.Int64)
            found += [(row, *problem) for row, (_, problems_found) in enumerate(results) for problem in problems_found]
    checked(keys("support_type"), _support_check(tables), {"support_type": pl.String})
    frame = pl.DataFrame([out[c].alias(c) if c in out else pl.Series(c, [None] * height, dtype=d)
                          for c, d in CAMPUS_COLUMNS.items()])
    found += _fit_problems(frame)
    problems += [Problem.at(file, lines[row], headers.get(column, column), code, **params) for row, column, code, params in found]
    if problems:
        raise ValidationFailed(problems)
    return frame if height else pl.DataFrame(schema=CAMPUS_COLUMNS)
