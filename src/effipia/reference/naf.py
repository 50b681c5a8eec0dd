"""NAF rév. 2 (INSEE 2008): the nomenclature tables and the one rule reading a partner's code.

A NAF code is accepted at any level of the hierarchy (section, division, groupe, classe,
sous-classe), typed with or without the dot, in either case and with stray spaces
(``2562B``, ``25.62b``, ``25.62 B``, ``25``, ``C``). A code is *known* when its canonical
spelling is in the hierarchy: only then has it a section and a division. Every stage
(territories' company descriptors, analysis' ``structure_naf`` and the NAF reweighting)
reads codes through :func:`naf_entry`, so they agree on every code.
"""

from __future__ import annotations

import re
from functools import cache

import polars as pl

from effipia import nomenclatures

__all__ = [
    "naf_division",
    "naf_divisions",
    "naf_entry",
    "naf_hierarchy",
    "naf_section",
    "naf_section_label",
    "naf_sections",
    "naf_sections_of",
    "naf_divisions_of",
    "normalize_naf",
]

_NAF_SHAPES = [
    (re.compile(r"^(\d{2})\.?(\d{2})([A-Z])$"), "{0}.{1}{2}"),
    (re.compile(r"^(\d{2})\.?(\d{2})$"), "{0}.{1}"),
    (re.compile(r"^(\d{2})\.?(\d)$"), "{0}.{1}"),
    (re.compile(r"^(\d{2})$"), "{0}"),
    (re.compile(r"^([A-U])$"), "{0}"),
]


def naf_sections() -> pl.DataFrame:
    """NAF rév. 2 sections (``section``, ``libelle``…), INSEE 2008."""
    return nomenclatures.load("naf_sections")


def naf_divisions() -> pl.DataFrame:
    """NAF rév. 2 divisions with their section (``division``, ``section``, ``libelle``…)."""
    return nomenclatures.load("naf_divisions")


def naf_hierarchy() -> pl.DataFrame:
    """NAF rév. 2 full hierarchy (section, division, groupe, classe, sous-classe: ``code``, ``niveau``, ``section``…)."""
    return nomenclatures.load("naf_hierarchy")


def normalize_naf(value: object) -> str | None:
    """Canonical NAF rév. 2 spelling (``"2562b"`` → ``"25.62B"``); ``None`` for an empty value.

    A value matching no NAF shape is returned upper-cased and unchanged (it then fails the
    nomenclature check).
    """
    if value is None:
        return None
    text = re.sub(r"[\s\u00a0\u202f]", "", str(value)).upper()
    if not text:
        return None
    for pattern, shape in _NAF_SHAPES:
        match = pattern.match(text)
        if match:
            return shape.format(*match.groups())
    return text


@cache
def _index() -> dict[str, tuple[str, str | None]]:
    rows = naf_hierarchy().select("code", "section", "division").iter_rows()
    return {code: (section, division or None) for code, section, division in rows}


@cache
def _section_labels() -> dict[str, str]:
    return dict(naf_sections().select("section", "libelle").iter_rows())


def naf_entry(value: object) -> tuple[str, str, str | None] | None:
    """``(canonical code, section, division)`` of a known NAF code (division ``None`` for a
    section letter); ``None`` for an empty or unknown code."""
    code = normalize_naf(value)
    entry = _index().get(code) if code else None
    return (code, entry[0], entry[1]) if entry else None


def naf_section(value: object) -> str | None:
    """NAF section letter of a code at any level (``"25.62B"`` → ``"C"``); ``None`` if unknown."""
    entry = naf_entry(value)
    return entry[1] if entry else None


def naf_division(value: object) -> str | None:
    """Two-digit NAF division of a code at division level or below (``"2562B"`` → ``"25"``); ``None`` otherwise."""
    entry = naf_entry(value)
    return entry[2] if entry else None


def naf_section_label(section: str | None) -> str | None:
    """Label of a NAF section letter (``"C"`` → ``"INDUSTRIE MANUFACTURIÈRE"``)."""
    return _section_labels().get(section) if section else None


def _per_value(codes: pl.Series, rule, name: str) -> pl.Series:
    text = codes.cast(pl.String)
    mapping = {v: rule(v) for v in text.unique().drop_nulls().to_list()}
    return text.replace_strict(mapping, default=None, return_dtype=pl.String).alias(name)


def naf_sections_of(codes: pl.Series) -> pl.Series:
    """:func:`naf_section` of every value of a column (one look-up per distinct value)."""
    return _per_value(codes, naf_section, "naf_section")


def naf_divisions_of(codes: pl.Series) -> pl.Series:
    """:func:`naf_division` of every value of a column (one look-up per distinct value)."""
    return _per_value(codes, naf_division, "division")
