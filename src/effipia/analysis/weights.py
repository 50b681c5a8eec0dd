"""Nonresponse: response rates and calibrated weights of respondents to the invited population.

The invited population of a campaign is its invitations (one per partner, with campus and
survey group). Respondents are weighted to it with ``svy`` (pinned version):

* ``"poststratification"`` — one weight per campus × survey group cell:
  ``invited / respondents`` (``svy.Sample.weighting.poststratify``). Invited cells without
  any respondent cannot be represented: they are left out of the targets (their partners
  are then represented by nobody) and listed in :attr:`Calibration.empty_cells`.
* ``"raking"`` — iterative proportional fitting to the campus margin and the survey-group
  margin (``svy.Sample.weighting.rake``): fewer constraints than the cells, hence less
  variable weights. Its margins are those of the covered cells (campus × group cells with
  at least one respondent), so that they are consistent and always reachable.

The result is a :class:`~effipia.analysis.domains.Design` (weights + calibration margins)
that every statistic passes to the kernel, whose linearisation then accounts for the
calibration as R's ``survey`` and ``svy`` do.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl

from effipia.analysis.disclosure import DEFAULT_MIN_N
from effipia.analysis.domains import Design
from effipia.errors import EffipiaError, message

__all__ = ["Calibration", "calibrate", "invited_counts", "response_rate_rows", "METHODS"]

METHODS = ("poststratification", "raking")
_WEIGHT = "w_cal"  # never "wr": svy reads that name as a design flag (docs/dependencies.md)


@dataclass(frozen=True)
class Calibration:
    """Calibrated weights of a response frame and what the variance needs to know."""

    method: str
    design: Design
    empty_cells: list[tuple[str, str]] = field(default_factory=list)


def invited_counts(invitations: pl.DataFrame) -> pl.DataFrame:
    """Invited partners per ``campus_id × category`` (column ``invited``)."""
    return invitations.group_by("campus_id", "category").agg(pl.len().alias("invited")).sort("campus_id", "category")


def _codes(values: list[str]) -> np.ndarray:
    _, inverse = np.unique(np.asarray(values, dtype=object).astype(str), return_inverse=True)
    return inverse.astype(np.int64)


def calibrate(
    responses: pl.DataFrame,
    invitations: pl.DataFrame,
    *,
    method: str = "poststratification",
    cluster: bool = False,
    strata: bool = False,
) -> Calibration:
    """Weights calibrating ``responses`` to the invited population of ``invitations``.

    ``strata``: campus as stratum in the returned design (respondents are the PSUs within
    each campus). ``cluster`` (campus as PSU) is refused: both calibrations constrain totals
    inside each campus (campus × group cells, or the campus margin), so the residualised
    campus totals are zero and the variance between campuses vanishes by construction
    (R's ``survey`` gives 0 as well; see docs/analysis.md). Raises :class:`EffipiaError`
    then, when there is no invitation, or when a respondent belongs to a campus × group
    with no invitation (the population would not contain it).
    """
    if cluster:
        raise EffipiaError("analysis.cluster_calibrated")
    if method not in METHODS:
        raise EffipiaError("analysis.unknown_method", value=method)
    if invitations is None or invitations.is_empty():
        raise EffipiaError("analysis.no_invitations")
    pop = invited_counts(invitations)
    frame = responses.select(
        pl.col("campus_id").cast(pl.String), pl.col("category").cast(pl.String), pl.lit(1.0).alias("_one")
    )
    present = frame.group_by("campus_id", "category").agg(pl.len().alias("respondents"))
    joined = present.join(pop, on=["campus_id", "category"], how="full", coalesce=True).fill_null(0)
    uncovered = joined.filter((pl.col("respondents") > 0) & (pl.col("invited") == 0))
    if uncovered.height:
        cells = " ; ".join(
            message("analysis.uninvited_cell", campus=r["campus_id"], group=r["category"], respondents=r["respondents"])
            for r in uncovered.sort("campus_id", "category").iter_rows(named=True)
        )
        raise EffipiaError("analysis.uninvited_cells", cells=cells)
    empty = [
        (r["campus_id"], r["category"])
        for r in joined.filter((pl.col("respondents") == 0) & (pl.col("invited") > 0)).iter_rows(named=True)
    ]
    import svy  # imported here: heavy, and only calibrated runs need it

    sample = svy.Sample(frame, svy.Design(wgt="_one"))
    campus_codes = _codes(frame["campus_id"].to_list())
    group_codes = _codes(frame["category"].to_list())
    if method == "poststratification":
        covered = joined.filter(pl.col("respondents") > 0)
        controls = {(r["campus_id"], r["category"]): float(r["invited"]) for r in covered.iter_rows(named=True)}
        out = sample.weighting.poststratify(controls=controls, cells=["campus_id", "category"], wgt_name=_WEIGHT)
        margins = (campus_codes * (group_codes.max() + 1) + group_codes,)
    else:
        covered = joined.filter(pl.col("respondents") > 0)
        controls = {
            margin: {k: float(v) for k, v in covered.group_by(margin).agg(pl.col("invited").sum()).iter_rows()}
            for margin in ("campus_id", "category")
        }
        out = sample.weighting.rake(controls=controls, wgt_name=_WEIGHT, tol=1e-12, max_iter=1000)
        margins = (campus_codes, group_codes)
    weights = out.data[_WEIGHT].to_numpy().astype(np.float64)
    design = Design(weights=weights, strata=campus_codes if strata else None, calibration=margins)
    return Calibration(method, design, empty)


def response_rate_rows(responses: pl.DataFrame, invitations: pl.DataFrame, *, min_n: int = DEFAULT_MIN_N) -> pl.DataFrame:
    """Statistics-set rows ``response_rate``: respondents / invited, in percent.

    Domains: ensemble, survey group, campus, campus × group. ``n`` = invited partners (the
    base of the rate); the rate is exact (a census of the invited), so no interval is given.
    """
    from effipia.analysis.disclosure import apply_min_count
    from effipia.analysis.layout import ENSEMBLE, conform_rows

    inv = invitations.select(pl.col("campus_id").cast(pl.String), pl.col("category").cast(pl.String))
    resp = responses.select(pl.col("campus_id").cast(pl.String), pl.col("category").cast(pl.String))
    frames = []
    for keys, domain in (([], "ensemble"), (["category"], "group"), (["campus_id"], "campus"), (["campus_id", "category"], "campus_group")):
        if keys:
            a = inv.group_by(keys).agg(pl.len().alias("n"))
            b = resp.group_by(keys).agg(pl.len().alias("respondents"))
            t = a.join(b, on=keys, how="left").fill_null(0)
        else:
            t = pl.DataFrame({"n": [inv.height], "respondents": [resp.height]})
        t = t.with_columns(
            (100.0 * pl.col("respondents") / pl.col("n")).alias("estimate"),
            (pl.col("category") if "category" in keys else pl.lit(ENSEMBLE)).alias("group"),
            (pl.col("campus_id") if "campus_id" in keys else pl.lit(ENSEMBLE)).alias("campus"),
            pl.lit(domain).alias("domain"),
        )
        frames.append(t.select("group", "campus", "domain", "estimate", pl.col("n").cast(pl.Int64)).sort("campus", "group"))
    rows = pl.concat(frames).with_columns(
        pl.lit("response_rate").alias("statistic"),
        pl.lit("response").alias("item"),
        pl.lit("percent").alias("unit"),
        pl.col("n").cast(pl.Int64),
    )
    return apply_min_count(conform_rows(rows), min_n)
