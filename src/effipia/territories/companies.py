"""Companies among the partners: SIRET check, NAF rév. 2 roll-up to sections, Sirene size groups.

Section 6.1 of the report describes partner companies by NAF section and by size
(TPE/PME/ETI/GE) against all French companies (Figure 2). This module turns the
registry's ``siret``, ``naf`` and ``size_class`` columns into those descriptors and
reports each value it cannot use (SIRET failing Luhn, NAF code absent from the
nomenclature, unknown size class) as a :class:`effipia.errors.Problem`.

A NAF code is accepted at any level of the hierarchy, typed with or without the dot
and in either case (``2562B``, ``25.62b``, ``25.62 B``, ``25``, ``C``). Sirene size class
``NN`` (no salaried employee at the reference date) is grouped with the TPE, as class
``00`` is.
"""

from __future__ import annotations

import re
from functools import cache

import polars as pl

from effipia.errors import Problem
from effipia.registry.identifiers import is_valid_siret, normalize_siret
from effipia.territories.reference import naf_hierarchy, naf_sections, size_classes

__all__ = ["COMPANY_COLUMNS", "describe_companies", "naf_section", "normalize_naf", "size_distribution", "size_group"]

COMPANY_COLUMNS: dict[str, pl.DataType] = {
    "campus_id": pl.String,
    "partner_id": pl.String,
    "name": pl.String,
    "siret": pl.String,
    "siret_valid": pl.Boolean,
    "naf": pl.String,
    "naf_section": pl.String,
    "naf_section_label": pl.String,
    "naf_division": pl.String,
    "size_class": pl.String,
    "size_label": pl.String,
    "size_group": pl.String,
}

#: Order of the size groups in tables and figures.
SIZE_GROUPS = ("TPE", "PME", "ETI", "GE")

_NAF_SHAPES = [
    (re.compile(r"^(\d{2})\.?(\d{2})([A-Z])$"), "{0}.{1}{2}"),
    (re.compile(r"^(\d{2})\.?(\d{2})$"), "{0}.{1}"),
    (re.compile(r"^(\d{2})\.?(\d)$"), "{0}.{1}"),
    (re.compile(r"^(\d{2})$"), "{0}"),
    (re.compile(r"^([A-U])$"), "{0}"),
]


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
def _naf_index() -> dict[str, tuple[str, str | None]]:
    return {code: (section, division or None) for code, section, division in naf_hierarchy().select("code", "section", "division").iter_rows()}


@cache
def _section_labels() -> dict[str, str]:
    return dict(naf_sections().select("section", "libelle").iter_rows())


def naf_section(naf: str | None) -> str | None:
    """NAF section letter of a code at any level (``"25.62B"`` → ``"C"``); ``None`` if unknown."""
    code = normalize_naf(naf)
    entry = _naf_index().get(code) if code else None
    return entry[0] if entry else None


@cache
def _sizes() -> dict[str, tuple[str, str]]:
    table = {code: (label, group) for code, label, group in size_classes().select("code_tefen", "label", "taille_lbb").iter_rows()}
    table.setdefault("NN", ("non employeuse", "TPE"))
    return table


def _normalize_size(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip().upper()
    text = text.removesuffix(".0")
    return text.zfill(2) if text.isdigit() else (text or None)


def size_group(size_class: object) -> str | None:
    """TPE/PME/ETI/GE group of a Sirene size class (``"21"`` → ``"PME"``); ``None`` if unknown."""
    code = _normalize_size(size_class)
    entry = _sizes().get(code) if code else None
    return entry[1] if entry else None


def describe_companies(partners: pl.DataFrame, file: str = "partenaires") -> tuple[pl.DataFrame, list[Problem]]:
    """Describe every partner with a SIRET, NAF code or size class, or of survey group ``entreprise``.

    Returns a frame with :data:`COMPANY_COLUMNS` (one row per such partner) and the problems
    met. A value that fails its check keeps its typed form in the frame, with the derived
    columns empty.
    """
    rows: list[dict] = []
    problems: list[Problem] = []
    naf_index, sizes, labels = _naf_index(), _sizes(), _section_labels()
    for p in partners.iter_rows(named=True):
        raw_siret, raw_naf, raw_size = p.get("siret"), p.get("naf"), p.get("size_class")
        filled = [v for v in (raw_siret, raw_naf, raw_size) if v is not None and str(v).strip()]
        if not filled and p.get("category") != "entreprise":
            continue
        pid = p["partner_id"]
        siret = normalize_siret(raw_siret) if raw_siret is not None and str(raw_siret).strip() else None
        siret_valid = None if siret is None else is_valid_siret(siret)
        if siret_valid is False:
            problems.append(Problem.at(file, None, "siret", "territories.siret_invalid", siret=str(raw_siret), partner=pid))
        naf = normalize_naf(raw_naf)
        section = division = None
        if naf is not None:
            if naf in naf_index:
                section, division = naf_index[naf]
            else:
                problems.append(Problem.at(file, None, "naf", "territories.naf_unknown", naf=str(raw_naf), partner=pid))
        size = _normalize_size(raw_size)
        size_label = group = None
        if size is not None:
            if size in sizes:
                size_label, group = sizes[size]
            else:
                problems.append(Problem.at(file, None, "size_class", "territories.size_unknown", size=str(raw_size), partner=pid))
        rows.append(
            {
                "campus_id": p.get("campus_id"), "partner_id": pid, "name": p.get("name"),
                "siret": siret, "siret_valid": siret_valid, "naf": naf, "naf_section": section,
                "naf_section_label": labels.get(section) if section else None, "naf_division": division,
                "size_class": size, "size_label": size_label, "size_group": group,
            }
        )
    frame = pl.DataFrame(rows, schema=COMPANY_COLUMNS) if rows else pl.DataFrame(schema=COMPANY_COLUMNS)
    return frame, problems


def size_distribution(companies: pl.DataFrame, by: str | None = None) -> pl.DataFrame:
    """Count and share of companies by size group (optionally within ``by``, e.g. ``campus_id`` or ``naf_section``).

    Companies without a known group are left out of the shares. Columns: [``by``,]
    ``size_group``, ``n``, ``share`` (0–1).
    """
    keys = ([by] if by else []) + ["size_group"]
    known = companies.filter(pl.col("size_group").is_not_null())
    counts = known.group_by(keys).len("n").with_columns(pl.col("n").cast(pl.Int64))
    total = pl.col("n").sum().over(by) if by else pl.col("n").sum()
    order = pl.col("size_group").replace_strict({g: i for i, g in enumerate(SIZE_GROUPS)}, return_dtype=pl.Int64)
    return counts.with_columns((pl.col("n") / total).alias("share")).sort(([by] if by else []) + [order])
