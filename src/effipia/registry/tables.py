"""The registry's reference tables (package data in ``effipia/data/registry``):
header aliases, category recoding and yes/no recoding. See that folder's README."""

from __future__ import annotations

import csv
from functools import cache
from importlib.resources import files

from effipia import nomenclatures
from effipia.registry.text import normalize

__all__ = ["header_aliases", "map_header", "category_recoding", "recode_category", "yes_no", "recode_yes_no"]


def _rows(name: str) -> list[dict[str, str]]:
    text = (files("effipia") / "data" / "registry" / name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


@cache
def header_aliases(table: str) -> list[tuple[str, str]]:
    """(normalised alias, canonical column) pairs of ``table`` ("partner" or "campus"),
    in priority order."""
    return [(normalize(r["alias"]), r["column"]) for r in _rows("column_aliases.csv") if r["table"] == table]


def map_header(header: list[str | None], table: str) -> dict[str, int]:
    """Canonical column → index of the file column that feeds it. When several file
    columns match one canonical column, the one whose alias comes first in the table wins."""
    found: dict[str, tuple[int, int]] = {}
    normalised = [normalize(h) if h else "" for h in header]
    for priority, (alias, column) in enumerate(header_aliases(table)):
        if column in found:
            continue
        for index, text in enumerate(normalised):
            if text == alias:
                found[column] = (priority, index)
                break
    return {column: index for column, (_, index) in found.items()}


@cache
def category_recoding() -> dict[str, str]:
    """Normalised free text → ``partner_type`` code: the recoding table first, then the
    codes and labels of the ``partner_types`` nomenclature."""
    mapping: dict[str, str] = {}
    for row in _rows("category_recoding.csv"):
        mapping.setdefault(normalize(row["text"]), row["partner_type"])
    types = nomenclatures.load("partner_types")
    for code, label in zip(types["code"], types["label"], strict=True):
        mapping.setdefault(normalize(code), code)
        mapping.setdefault(normalize(label), code)
    return mapping


def recode_category(text: str) -> str | None:
    """``partner_type`` code for a free-text category, or ``None`` when unknown.

    Text in parentheses or after a dash is tried alone when the whole is unknown
    (« Lycée professionnel (LP) », « CCI - Chambre de commerce »)."""
    mapping = category_recoding()
    candidates = [text, text.split("(")[0], *text.replace("–", "-").split(" - ")]
    for candidate in candidates:
        code = mapping.get(normalize(candidate))
        if code:
            return code
    return None


@cache
def yes_no() -> dict[str, int]:
    """Normalised yes/no text → 1/0."""
    return {normalize(r["text"]) if normalize(r["text"]) else r["text"]: int(r["value"]) for r in _rows("yes_no.csv")}


def recode_yes_no(text: str) -> int | None:
    """1 or 0 for a yes/no cell (« oui », « x », « membre »…), ``None`` when unknown."""
    table = yes_no()
    key = normalize(text)
    return table.get(key if key else text.strip())


def partner_type_groups() -> dict[str, str]:
    """``partner_type`` code → survey group (``category``)."""
    types = nomenclatures.load("partner_types")
    return dict(zip(types["code"], types["survey_group"], strict=True))
