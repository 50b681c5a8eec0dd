"""Companies among the partners: SIRET check, NAF rév. 2 roll-up to sections, Sirene size groups.

Section 6.1 of the report describes partner companies by NAF section and by size
(TPE/PME/ETI/GE) against all French companies (Figure 2). This module turns the
registry's ``siret``, ``naf`` and ``size_class`` columns into those descriptors and
reports each value it cannot use (SIRET failing Luhn, NAF code absent from the
nomenclature, unknown size class) as a :class:`effipia.errors.Problem`.

Codes are read by the reference stage's rules, the same ones analysis uses
(:mod:`effipia.reference.naf`: a NAF code at any level of the hierarchy, with or without
the dot, in either case; :mod:`effipia.reference.sizes`: Sirene size class ``NN`` grouped
with the TPE, as class ``00`` is).
"""

from __future__ import annotations

import polars as pl

from effipia.errors import Problem
from effipia.reference.naf import naf_entry, naf_section, naf_section_label, normalize_naf
from effipia.reference.sizes import SIZE_GROUPS, normalize_size_class, size_entry, size_group
from effipia.registry.identifiers import is_valid_siret, normalize_siret

__all__ = ["COMPANY_COLUMNS", "SIZE_GROUPS", "describe_companies", "naf_section", "normalize_naf", "size_distribution", "size_group"]

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


def describe_companies(partners: pl.DataFrame, file: str = "partenaires") -> tuple[pl.DataFrame, list[Problem]]:
    """Describe every partner with a SIRET, NAF code or size class, or of survey group ``entreprise``.

    Returns a frame with :data:`COMPANY_COLUMNS` (one row per such partner) and the problems
    met. A value that fails its check keeps its typed form in the frame, with the derived
    columns empty.
    """
    rows: list[dict] = []
    problems: list[Problem] = []
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
        naf, section, division = naf_entry(raw_naf) or (normalize_naf(raw_naf), None, None)
        if naf is not None and section is None:
            problems.append(Problem.at(file, None, "naf", "territories.naf_unknown", naf=str(raw_naf), partner=pid))
        size, size_label, group = size_entry(raw_size) or (normalize_size_class(raw_size), None, None)
        if size is not None and group is None:
            problems.append(Problem.at(file, None, "size_class", "territories.size_unknown", size=str(raw_size), partner=pid))
        rows.append(
            {
                "campus_id": p.get("campus_id"), "partner_id": pid, "name": p.get("name"),
                "siret": siret, "siret_valid": siret_valid, "naf": naf, "naf_section": section,
                "naf_section_label": naf_section_label(section), "naf_division": division,
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
