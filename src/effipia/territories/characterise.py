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
from effipia.territories.reference import departements, fold

__all__ = ["characterise_campuses", "read_national_list", "normalise_region", "normalise_academie"]


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
    """A national list of campuses (CSV, ``,`` or ``;``) with at least a ``region`` column."""
    source = Path(path)
    if not source.is_file():
        raise EffipiaError("generic.file_not_found", path=str(source))
    raw = source.read_bytes().removeprefix(b"\xef\xbb\xbf")
    header = raw.split(b"\n", 1)[0]
    separator = ";" if header.count(b";") > header.count(b",") else ","
    frame = pl.read_csv(raw, separator=separator, infer_schema=False)
    if "region" not in frame.columns:
        raise EffipiaError("generic.missing_column", column="region")
    return frame


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
