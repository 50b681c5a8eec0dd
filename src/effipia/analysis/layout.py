"""The statistics-set layout: one row per statistic × item × answer × domain.

Contract columns (docs/architecture.md): ``statistic, item, answer, group, campus, estimate,
n, ci_low, ci_high, suppressed``; extras: ``se`` (standard error, same unit as ``estimate``),
``unit`` (``percent``, ``score``, ``count``, ``mean``, ``coefficient``…), ``domain``
(``ensemble``, ``group``, ``campus``, ``campus_group``), ``title`` (French title of the
statistic, from the catalogue). ``group`` is a survey-group code or ``ensemble``; ``campus``
a ``campus_id`` or ``ensemble``; ``answer`` the code whose share is given (empty otherwise).
``estimate`` is unrounded (percentages 0–100 for shares and scores) and empty when
``suppressed``. Precision (docs/analysis.md, « Précision des estimations »): ``df`` (design
degrees of freedom of the estimate's domain and base), ``n_eff`` (effective sample size
``p(1-p)/SE²`` capped at ``n``), ``precision`` (``reliable``, ``imprecise``, ``unreliable``;
empty for statistics the presentation rules do not assess) and ``precision_reason`` (the
rule that decided: ``n_eff``, ``width``, ``relative_width``, ``df``, or empty); the two last
are set by :func:`effipia.analysis.precision.assess` (``compute()`` does it for the whole set). Every producer returns frames conformed with :func:`conform_rows`.
"""

from __future__ import annotations

import polars as pl

__all__ = ["STATISTICS_COLUMNS", "ENSEMBLE", "DOMAIN_SETS", "conform_rows", "empty_rows"]

ENSEMBLE = "ensemble"

#: Domain sets, in the order rows are produced.
DOMAIN_SETS: tuple[str, ...] = ("ensemble", "group", "campus", "campus_group")

STATISTICS_COLUMNS: dict[str, pl.DataType] = {
    "statistic": pl.String,
    "item": pl.String,
    "answer": pl.String,
    "group": pl.String,
    "campus": pl.String,
    "estimate": pl.Float64,
    "n": pl.Int64,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
    "suppressed": pl.Boolean,
    "se": pl.Float64,
    "unit": pl.String,
    "domain": pl.String,
    "title": pl.String,
    "df": pl.Int64,
    "n_eff": pl.Float64,
    "precision": pl.String,
    "precision_reason": pl.String,
}


def conform_rows(df: pl.DataFrame) -> pl.DataFrame:
    """``df`` with exactly the statistics-set columns, in order and with their dtypes.

    Missing extras are filled (``domain`` from ``group``/``campus``, ``suppressed`` false);
    other columns a producer adds (``p_value``, ``family``…) are kept after these.
    """
    if "domain" not in df.columns and {"group", "campus"} <= set(df.columns):
        df = df.with_columns(
            pl.when((pl.col("group") == ENSEMBLE) & (pl.col("campus") == ENSEMBLE))
            .then(pl.lit("ensemble"))
            .when(pl.col("campus") == ENSEMBLE)
            .then(pl.lit("group"))
            .when(pl.col("group") == ENSEMBLE)
            .then(pl.lit("campus"))
            .otherwise(pl.lit("campus_group"))
            .alias("domain")
        )
    if "suppressed" not in df.columns:
        df = df.with_columns(pl.lit(False).alias("suppressed"))
    extras = [c for c in df.columns if c not in STATISTICS_COLUMNS]
    return df.select(
        [
            (pl.col(name) if name in df.columns else pl.lit(None)).cast(dtype).alias(name)
            for name, dtype in STATISTICS_COLUMNS.items()
        ]
        + extras
    )


def empty_rows() -> pl.DataFrame:
    """An empty statistics set."""
    return pl.DataFrame(schema=STATISTICS_COLUMNS)
