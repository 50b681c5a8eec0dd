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
from effipia.registry.reading import read_table
from effipia.registry.tables import RegistryTables, default_tables
from effipia.registry.text import cell_text, normalize
from effipia.schema import CAMPUS_COLUMNS
from effipia.store.limits import value_problem

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


def read_campuses(path: str | Path, tables: RegistryTables | None = None) -> pl.DataFrame:
    """Read and validate a campus file; return the canonical campus frame (file order).

    ``tables``: header aliases and recoding tables (default: the shipped ones extended by
    ``EFFIPIA_REGISTRY_TABLES``; see :func:`effipia.registry.tables.load_tables`).
    Raises :class:`ValidationFailed` with every problem (file, line, column, reason)."""
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
    records: list[dict[str, object]] = []
    seen_ids: dict[str, int] = {}
    seen_letters: dict[str, int] = {}
    for line, cells in table.rows:
        raw = {c: (cells[i] if i < len(cells) else None) for c, i in columns.items()}
        text = {c: cell_text(v) for c, v in raw.items()}
        out: dict[str, object] = {c: None for c in CAMPUS_COLUMNS}

        def bad(column: str, code: str, **params: object) -> None:
            problems.append(Problem.at(table.file, line, headers.get(column, column), code, **params))  # noqa: B023

        campus_id = text.get("campus_id")
        if not campus_id:
            bad("campus_id", "registry.missing_campus_id")
        elif campus_id in seen_ids:
            bad("campus_id", "registry.duplicate_campus_id", value=campus_id, other=seen_ids[campus_id])
        else:
            seen_ids[campus_id] = line
        out["campus_id"] = campus_id
        out["name"] = text.get("name")
        if not out["name"]:
            bad("name", "registry.missing_campus_name")
        if text.get("letter"):
            letter = text["letter"].upper()
            if not LETTER_PATTERN.match(letter):
                bad("letter", "registry.bad_letter", value=text["letter"])
            elif letter in seen_letters:
                bad("letter", "registry.duplicate_letter", value=letter, other=seen_letters[letter])
            else:
                seen_letters[letter] = line
                out["letter"] = letter
        if text.get("filiere"):
            code = _filieres().get(normalize(text["filiere"]))
            if code is None:
                bad("filiere", "registry.unknown_filiere", value=text["filiere"])
            out["filiere"] = code
        for column, reference, code in (
            ("region", "libelleRegion", "registry.unknown_region"),
            ("academie", "libelleAcademie", "registry.unknown_academie"),
        ):
            if text.get(column):
                value = _geography(reference).get(normalize(text[column]))
                if value is None:
                    bad(column, code, value=text[column])
                out[column] = value
        if out["region"] and out["academie"]:
            home = _academie_regions().get(str(out["academie"]))
            if home is not None and home != out["region"]:
                problem = "registry.academie_outside_region"
                bad("academie", problem, value=text["academie"], region=home, given=text["region"])
        if text.get("excellence"):
            flag = tables.recode_yes_no(text["excellence"])
            if flag is None:
                bad("excellence", "registry.bad_yes_no", value=text["excellence"])
            out["excellence"] = flag
        for column, (low, high) in _RANGES.items():
            if text.get(column):
                number = _integer(raw[column])
                if number is None:
                    bad(column, "registry.bad_integer", value=text[column])
                elif not low <= number <= high:
                    bad(column, "registry.out_of_range", value=number, low=low, high=high)
                else:
                    out[column] = number
        if text.get("support_type"):
            # Same codes as partner types (universite, lycee…), so campus and partners compare.
            support = tables.recode_category(text["support_type"])
            if support is None:
                bad("support_type", "registry.unknown_support_type", value=text["support_type"])
            out["support_type"] = support
        for column, value in out.items():
            unfit = value_problem("campuses", column, value)
            if unfit:
                bad(column, unfit[0], **unfit[1])
        records.append(out)
    if problems:
        raise ValidationFailed(problems)
    return pl.DataFrame(records, schema=CAMPUS_COLUMNS) if records else pl.DataFrame(schema=CAMPUS_COLUMNS)

