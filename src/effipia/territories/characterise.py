"""Territorial characterisation of the campuses (report chapter 1, sections 1.2 and 1.3).

:mod:`effipia.analysis.structure` gives campuses by filière, region, duration and amount as
statistics rows; this module gives the territorial side as plain tables: campuses by région
and by académie, set against all campuses when the user supplies a national list (the
report contrasts the weight of each region among PIA campuses with its weight among all
campuses), and by year of creation (section 1.3). Régions and académies may be given as codes
or names; they are reported under the names of the département → académie → région table.
"""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl

from effipia.errors import EffipiaError
from effipia.reference import departements, fold

__all__ = ["characterise_campuses", "normalise_academie", "normalise_region", "read_national_list"]


def _lookup(code_column: str, name_column: str) -> dict[str, str]:
    table = departements().select(code_column, name_column).unique()
    lookup = {code: name for code, name in table.iter_rows()}
    lookup |= {fold(name): name for name in table[name_column]}
    return lookup


def _normalise(values: pl.Series, code_column: str, name_column: str) -> pl.Series:
    lookup = _lookup(code_column, name_column)

    def one(value: str | None) -> str | None:
        if value is None or not str(value).strip():
            return None
        value = str(value).strip()
        return lookup.get(value) or lookup.get(fold(value)) or value

    return values.cast(pl.String).map_elements(one, return_dtype=pl.String)


def normalise_region(values: pl.Series) -> pl.Series:
    """Region names from codes or variously spelt names (``"53"``, ``"bretagne"`` → ``"Bretagne"``)."""
    return _normalise(values, "region_code", "region")


def normalise_academie(values: pl.Series) -> pl.Series:
    """Académie names from codes or names (``"14"``, ``"RENNES"`` → ``"Rennes"``)."""
    return _normalise(values, "academie_code", "academie")


def read_national_list(path: str | os.PathLike[str]) -> pl.DataFrame:
    """A national list of campuses (CSV or XLSX) with a region column, as the ministry or a
    director sends it.

    Read like a campus registry file (:mod:`effipia.tabular`: UTF-8 or Windows-1252,
    ``;``/``,``/tab, Excel's ``sep=`` line, first XLSX sheet) and its headers mapped by the
    registry's campus aliases (``Région``, ``Région académique``…). Returns text columns
    named as the campus registry (``region`` always, ``name``, ``filiere``… when present).
    """
    from effipia.registry.tables import map_header
    from effipia.tabular import csv_records, csv_text, xlsx_rows

    source = Path(path)
    if not source.is_file():
        raise EffipiaError("generic.file_not_found", path=str(source))
    if source.suffix.lower() in (".xlsx", ".xlsm"):
        rows = [values for _, values in xlsx_rows(source)]
    else:
        rows = [values for _, values in csv_records(csv_text(source.read_bytes()))]
    rows = [r for r in rows if any(v is not None and str(v).strip() for v in r)]
    header = [None if v is None else str(v) for v in rows[0]] if rows else []
    columns = map_header(header, "campus")
    if "region" not in columns:
        raise EffipiaError("generic.missing_column", column="region")

    def cell(row: list, index: int) -> str | None:
        value = row[index] if index < len(row) else None
        if isinstance(value, float) and value.is_integer():  # a region code typed as a number
            value = int(value)
        return (str(value).strip() or None) if value is not None else None

    return pl.DataFrame(
        {name: [cell(row, index) for row in rows[1:]] for name, index in columns.items()},
        schema={name: pl.String for name in columns},
    )


def _counts(values: pl.Series, name: str) -> pl.DataFrame:
    frame = pl.DataFrame({name: values}).filter(pl.col(name).is_not_null())
    total = frame.height
    counts = frame.group_by(name).len("n").with_columns(pl.col("n").cast(pl.Int64))
    return counts.with_columns((pl.col("n") / total if total else pl.lit(None)).alias("share")).sort(name)


def characterise_campuses(campuses: pl.DataFrame, national: pl.DataFrame | None = None) -> dict[str, pl.DataFrame]:
    """Tables ``region``, ``academie`` and ``year_created`` of the campuses (``n``, ``share`` 0–1).

    With ``national`` (all campuses, a ``region`` column), the ``region`` table adds
    ``n_national``, ``share_national`` and ``ratio`` (share among these campuses ÷ share
    among all campuses: above 1, the region is over-represented).
    """
    tables: dict[str, pl.DataFrame] = {}
    region = _counts(normalise_region(campuses["region"]), "region")
    if national is not None:
        reference = _counts(normalise_region(national["region"]), "region").rename(
            {"n": "n_national", "share": "share_national"}
        )
        region = (
            region.join(reference, on="region", how="full", coalesce=True)
            .with_columns(pl.col("n").fill_null(0), pl.col("share").fill_null(0.0))
            .with_columns((pl.col("share") / pl.col("share_national")).alias("ratio"))
            .sort("region")
        )
    tables["region"] = region
    tables["academie"] = _counts(normalise_academie(campuses["academie"]), "academie")
    tables["year_created"] = _counts(campuses["year_created"].cast(pl.Int64), "year_created")
    return tables
