"""INSEE national counts of French companies: the one loader of both shipped tables.

Two tables, one loader (:func:`company_counts`), one way to replace them:

* ``by="sector_size"`` (default) — enterprises by sector × size band, the reference of the
  NAF reweighting and of Figure 2 (``structure_size_reweighted``). Shipped:
  ``insee_entreprises_secteur_taille_2007.csv``. Replaced by the file of the
  ``insee_reference`` setting (``EFFIPIA_INSEE_REFERENCE``), else by a file of the same name
  in the ``reference`` folder (``EFFIPIA_REFERENCE``).
* ``by="category"`` — enterprises, legal units, FTE employees and value added by category
  (GE, ETI, PME hors MIC, MIC), 2017. Shipped: ``insee_categories_entreprises_2017.csv``;
  replaced by a file of the same name in the ``reference`` folder.

Every defect of a user's file is a French :class:`EffipiaError` naming file, line and value.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import polars as pl

from effipia.errors import EffipiaError
from effipia.reference.files import reference_path
from effipia.reference.sizes import size_bounds
from effipia.settings import get_settings

__all__ = ["CATEGORIES_FILE", "SECTOR_SIZE_FILE", "company_counts", "company_counts_path"]

SECTOR_SIZE_FILE = "insee_entreprises_secteur_taille_2007.csv"
CATEGORIES_FILE = "insee_categories_entreprises_2017.csv"
_REQUIRED = {"sector_size": ("sector", "naf_divisions", "size_band", "count"), "category": ("champ", "indicateur")}


def company_counts_path(by: str = "sector_size") -> Path:
    """The file :func:`company_counts` reads for table ``by`` when given no path."""
    if by == "sector_size":
        chosen = get_settings().insee_reference
        return Path(chosen) if chosen else reference_path(SECTOR_SIZE_FILE)
    if by == "category":
        return reference_path(CATEGORIES_FILE)
    raise ValueError(f"unknown INSEE table: {by}")


def company_counts(path: str | os.PathLike[str] | None = None, *, by: str = "sector_size") -> pl.DataFrame:
    """INSEE national company counts, table ``by`` (see the module docstring).

    ``by="sector_size"``: a CSV with columns ``sector, naf_divisions, size_band, count``
    (optional ``label``); returns ``sector, label, size_band, size_min, size_max, count``
    plus the list column ``divisions`` (two-digit NAF divisions), one row per sector × band.

    ``by="category"``: long layout ``champ``, ``indicateur``, ``category`` (``GE``, ``ETI``,
    ``PME``, ``TPE``, ``Ensemble``; MIC, the INSEE micro-enterprise, read as TPE), ``value``.
    """
    source = Path(path) if path else company_counts_path(by)
    if not source.is_file():
        raise EffipiaError("reference.file_not_found", path=str(source))
    raw = pl.read_csv(source.read_bytes().removeprefix(b"\xef\xbb\xbf"), infer_schema=False)
    missing = [c for c in _REQUIRED[by] if c not in raw.columns]
    if missing:
        raise EffipiaError("reference.columns", path=source.name, columns=", ".join(missing))
    return _sector_size(raw, source.name) if by == "sector_size" else _categories(raw, source.name)


def _number(text: object) -> float | None:
    """A count as published (``"3 701 363"``, ``"12,5"``); ``None`` when unreadable or negative."""
    try:
        value = float(re.sub(r"[\s\u00a0\u202f]", "", str(text)).replace(",", "."))
    except ValueError:
        return None
    return value if value >= 0 else None


def _categories(wide: pl.DataFrame, name: str) -> pl.DataFrame:
    rename = {"PME_hors_MIC": "PME", "MIC": "TPE"}
    categories = [c for c in wide.columns if c not in ("champ", "indicateur")]
    for line, row in enumerate(wide.iter_rows(named=True), start=2):
        for c in categories:
            if row[c] is not None and _number(row[c]) is None:
                raise EffipiaError("reference.bad_count", path=name, row=line, value=row[c])
    long = wide.unpivot(index=["champ", "indicateur"], variable_name="category", value_name="value")
    return long.with_columns(
        pl.col("category").replace(rename),
        pl.col("value").map_elements(_number, return_dtype=pl.Float64),
    )


def _parse_divisions(text: str) -> list[str] | None:
    out: list[str] = []
    for part in str(text).replace(" ", "").split(";"):
        m = re.fullmatch(r"(\d{1,2})(?:-(\d{1,2}))?", part)
        if not m:
            return None
        lo, hi = int(m.group(1)), int(m.group(2) or m.group(1))
        if hi < lo:
            return None
        out.extend(f"{d:02d}" for d in range(lo, hi + 1))
    return out


def _sector_size(raw: pl.DataFrame, name: str) -> pl.DataFrame:
    records = []
    for line, r in enumerate(raw.iter_rows(named=True), start=2):
        divisions = _parse_divisions(r["naf_divisions"])
        if not divisions:
            raise EffipiaError("reference.bad_divisions", path=name, row=line, value=r["naf_divisions"])
        bounds = size_bounds(r["size_band"])
        if bounds is None:
            raise EffipiaError("reference.bad_band", path=name, row=line, value=r["size_band"])
        count = _number(r["count"])
        if count is None:
            raise EffipiaError("reference.bad_count", path=name, row=line, value=r["count"])
        records.append(
            dict(sector=r["sector"], label=r.get("label") or r["sector"], divisions=divisions,
                 size_band=r["size_band"], size_min=bounds[0], size_max=bounds[1], count=count)
        )
    return pl.DataFrame(records, schema_overrides={"divisions": pl.List(pl.String), "size_max": pl.Float64,
                                                   "size_min": pl.Int64})
