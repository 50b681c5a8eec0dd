"""Per-campus comparison of the registers (report section 6.3, Illustrations 6 and 7).

From the register rows of the statistics set (campus domain), :func:`comparison_rows`
adds, per register, each campus's rank (``register_rank``, 1 = highest score), and the
campus profile (``campus_profile``: plain mean of the profile registers' scores — dynamics,
leadership, resource satisfaction, use of resources, management — with its rank,
``campus_profile_rank``), and the balance of resource satisfaction against dissatisfaction
(``resources_balance``, Illustration 6). Suppressed campus scores (disclosure minimum, or
an unreliable score under a presentation profile that withholds it) are neither ranked nor
averaged.

Ranks carry the uncertainty of the scores: the rank row's ``ci_low`` / ``ci_high`` are the
best and worst ranks compatible with the 95 % intervals (:func:`rank_range`: a campus
cannot rank above the campuses whose interval lies wholly above its own, nor below those
wholly beneath). The campus profile's interval is a Student interval on its own
linearised SE (:func:`profile_uncertainty`), or, without the microdata, the mean of its
registers' bounds (the registers treated as perfectly correlated: never narrower).
Any statement « campus A is above campus B » goes through :func:`ranked_in_words`, which
refuses to order two campuses whose intervals overlap heavily.
:func:`extreme_campuses` names the campuses with the highest and lowest profiles.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import polars as pl

from effipia.analysis.layout import ENSEMBLE, conform_rows, empty_rows

__all__ = [
    "PROFILE_REGISTERS",
    "HEAVY_OVERLAP",
    "comparison_rows",
    "extreme_campuses",
    "rank_range",
    "ranked_in_words",
    "campus_order",
    "profile_uncertainty",
]

#: Registers averaged into a campus profile (Illustration 7; dissatisfaction is its mirror).
PROFILE_REGISTERS: tuple[str, ...] = ("dyn", "lead", "res_level_sat", "res_use", "mgmt")

#: Two intervals overlap heavily when their overlap exceeds this fraction of the mean of the
#: two margins facing each other (Cumming & Finch 2005, « Inference by eye », American
#: Psychologist 60(2): for two independent 95 % intervals, an overlap of about half the
#: average margin of error corresponds to p ≈ 0.05).
HEAVY_OVERLAP = 0.5


def rank_range(low: np.ndarray, high: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Best and worst rank (1 = highest) of each estimate given the 95 % intervals
    ``[low, high]``: best = 1 + the number of intervals wholly above this one, worst = the
    count minus the number wholly below. Missing bounds: that estimate's range is every
    rank."""
    low = np.asarray(low, dtype=np.float64)
    high = np.asarray(high, dtype=np.float64)
    known = ~(np.isnan(low) | np.isnan(high))
    above = (low[None, :] > high[:, None]) & known[None, :] & known[:, None]  # j wholly above i
    below = (high[None, :] < low[:, None]) & known[None, :] & known[:, None]
    m = low.shape[0]
    return 1 + above.sum(axis=1), m - below.sum(axis=1)


def ranked_in_words(a: Mapping[str, Any], b: Mapping[str, Any], *, heavy: float = HEAVY_OVERLAP) -> int:
    """Whether a sentence may say that ``a`` is above (``1``) or below (``-1``) ``b``, or
    neither (``0``: the intervals overlap heavily, or a value or bound is missing).

    ``a`` and ``b`` are statistics-set rows (``estimate``, ``ci_low``, ``ci_high``). With
    ``hi`` the higher estimate and ``lo`` the lower one, the overlap is
    ``lo.ci_high - hi.ci_low``; they are ordered only when it is at most ``heavy`` × the mean
    of the two facing margins ``(hi.estimate - hi.ci_low)`` and ``(lo.ci_high - lo.estimate)``
    (Cumming & Finch's rule for 95 % intervals; disjoint intervals always qualify).
    """
    values = [a.get("estimate"), a.get("ci_low"), a.get("ci_high"), b.get("estimate"), b.get("ci_low"), b.get("ci_high")]
    if any(v is None or (isinstance(v, float) and np.isnan(v)) for v in values):
        return 0
    ea, la, ha, eb, lb, hb = (float(v) for v in values)
    if ea == eb:
        return 0
    (e_hi, l_hi, _), (e_lo, _, h_lo) = ((ea, la, ha), (eb, lb, hb)) if ea > eb else ((eb, lb, hb), (ea, la, ha))
    overlap = h_lo - l_hi
    margins = ((e_hi - l_hi) + (h_lo - e_lo)) / 2.0
    if overlap > heavy * margins:
        return 0
    return 1 if ea > eb else -1


def campus_order(statistics: pl.DataFrame, statistic: str, item: str, a: str, b: str, *, group: str = ENSEMBLE) -> int:
    """:func:`ranked_in_words` for campuses ``a`` and ``b`` on one statistic × item of the
    statistics set (the campus rows of ``group``; ``register``/``campus_profile`` rows for
    Illustrations 6 and 7): ``1`` if ``a`` may be said above ``b``, ``-1`` below, ``0`` not."""
    rows = statistics.filter(
        (pl.col("statistic") == statistic) & (pl.col("item") == item) & (pl.col("group") == group)
        & pl.col("campus").is_in([a, b]) & ~pl.col("suppressed").fill_null(False)
    )
    found = {r["campus"]: r for r in rows.iter_rows(named=True)}
    if a not in found or b not in found:
        return 0
    return ranked_in_words(found[a], found[b])


def _published(register_rows: pl.DataFrame, presentation) -> pl.DataFrame:
    """Campus register rows that are published (not suppressed, and not withheld by the
    presentation profile when one is given)."""
    campus = register_rows.filter(
        (pl.col("statistic") == "register") & (pl.col("domain") == "campus") & ~pl.col("suppressed")
    ).filter(pl.col("estimate").is_not_null())
    if presentation is not None and campus.height:
        from effipia.analysis.precision import apply_outcomes, assess

        campus = apply_outcomes(assess(campus, presentation), presentation).filter(~pl.col("suppressed"))
    return campus


def _with_rank_ranges(frame: pl.DataFrame, by: str | None) -> pl.DataFrame:
    """``ci_low`` / ``ci_high`` of rank rows from the scores' bounds ``_low`` / ``_high``."""
    parts = frame.partition_by(by, maintain_order=True) if by else [frame]
    out = []
    for part in parts:
        best, worst = rank_range(part["_low"].to_numpy(), part["_high"].to_numpy())
        out.append(part.with_columns(pl.Series("ci_low", best.astype(np.float64)), pl.Series("ci_high", worst.astype(np.float64))))
    return pl.concat(out).drop("_low", "_high")


def profile_uncertainty(responses: pl.DataFrame, rules, design, sets) -> pl.DataFrame:
    """SE (score points) and design df of each campus's profile (mean of
    :data:`PROFILE_REGISTERS`), from the microdata (:func:`effipia.analysis.registers.
    profile_stats` on the campus domain set): columns ``campus, profile_se, profile_df``."""
    from effipia.analysis.registers import profile_stats

    campus_set = next((s for s in sets if s.name == "campus"), None)
    if campus_set is None or responses.is_empty():
        return pl.DataFrame(schema={"campus": pl.String, "profile_se": pl.Float64, "profile_df": pl.Float64})
    stats = profile_stats(responses, rules, PROFILE_REGISTERS, campus_set, weights=design)
    return pl.DataFrame({
        "campus": campus_set.campuses,
        "profile_se": stats.se[:, 0] * 100.0,
        "profile_df": np.asarray(stats.df, dtype=np.float64),
    }, schema={"campus": pl.String, "profile_se": pl.Float64, "profile_df": pl.Float64})


def comparison_rows(
    register_rows: pl.DataFrame,
    *,
    titles: dict[str, str] | None = None,
    presentation: Any = None,
    uncertainty: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Ranks per register (with their best–worst range as ``ci_low``–``ci_high``) and
    campus profiles with their interval from register rows (statistic ``register``).
    ``presentation``: a profile (:mod:`effipia.analysis.precision`) whose withheld scores
    are left out of the ranks and profiles; ``uncertainty``: :func:`profile_uncertainty`
    (the profile's own SE and df: Student interval), else the profile's interval is the mean
    of the registers' bounds (an upper bound, the registers treated as perfectly
    correlated)."""
    titles = titles or {}
    campus = _published(register_rows, presentation)
    if campus.is_empty():
        return empty_rows()
    ranks = campus.with_columns(
        pl.col("estimate").rank("min", descending=True).over("item").cast(pl.Float64).alias("estimate"),
        pl.len().over("item").cast(pl.Int64).alias("n"),
        pl.lit("register_rank").alias("statistic"),
        pl.lit("rank").alias("unit"),
        pl.lit(titles.get("register_rank")).cast(pl.String).alias("title"),
        pl.col("ci_low").alias("_low"),
        pl.col("ci_high").alias("_high"),
        pl.lit(None, dtype=pl.Float64).alias("se"),
    ).drop("df", "n_eff", "precision", "precision_reason", "sd", strict=False)
    ranks = _with_rank_ranges(ranks, "item")
    profile = (
        campus.filter(pl.col("item").is_in(PROFILE_REGISTERS))
        .group_by("campus", maintain_order=True)  # campuses in register-row order: same file every run
        .agg(
            pl.col("estimate").mean(),
            pl.col("n").max(),
            # mean of the bounds: the interval of the mean if the registers were perfectly
            # correlated, an upper bound of the exact one (registers share respondents)
            pl.col("ci_low").mean(),
            pl.col("ci_high").mean(),
            pl.col("item").n_unique().alias("_k"),
        )
        .filter(pl.col("_k") == pl.col("_k").max())
        .drop("_k")
    )
    if uncertainty is not None and uncertainty.height:
        from effipia.analysis.intervals import t_interval

        profile = profile.join(uncertainty, on="campus", how="left")
        low, high = t_interval(profile["estimate"].to_numpy(), profile["profile_se"].fill_null(np.nan).to_numpy(),
                               profile["profile_df"].fill_null(np.nan).to_numpy(), bounds=(0.0, 100.0))
        profile = profile.with_columns(
            pl.Series("ci_low", low, nan_to_null=True), pl.Series("ci_high", high, nan_to_null=True),
            pl.col("profile_se").alias("se"), pl.col("profile_df").cast(pl.Int64).alias("df"),
        ).drop("profile_se", "profile_df")
    profile = profile.with_columns(
        pl.lit("campus_profile").alias("statistic"),
        pl.lit("profile").alias("item"),
        pl.lit(ENSEMBLE).alias("group"),
        pl.lit("campus").alias("domain"),
        pl.lit("score").alias("unit"),
        pl.lit(titles.get("campus_profile")).cast(pl.String).alias("title"),
    )
    profile_rank = profile.with_columns(
        pl.col("estimate").rank("min", descending=True).cast(pl.Float64).alias("estimate"),
        pl.len().cast(pl.Int64).alias("n"),
        pl.lit("campus_profile_rank").alias("statistic"),
        pl.lit("rank").alias("unit"),
        pl.lit(titles.get("campus_profile_rank")).cast(pl.String).alias("title"),
        pl.col("ci_low").alias("_low"),
        pl.col("ci_high").alias("_high"),
    )
    profile_rank = _with_rank_ranges(profile_rank, None)
    parts = [conform_rows(ranks), conform_rows(profile), conform_rows(profile_rank)]
    balance = _resources_balance(campus, titles)
    if balance is not None:
        parts.append(balance)
    return pl.concat(parts, how="diagonal_relaxed")


def _resources_balance(campus: pl.DataFrame, titles: dict[str, str]) -> pl.DataFrame | None:
    """Illustration 6: satisfaction minus dissatisfaction per campus, and how many campuses
    have dissatisfaction dominating (``item = "dissat_dominates"``, ensemble row)."""
    sat = campus.filter(pl.col("item") == "res_level_sat").select("campus", "n", pl.col("estimate").alias("sat"))
    dis = campus.filter(pl.col("item") == "res_level_dissat").select("campus", pl.col("estimate").alias("dissat"))
    both = sat.join(dis, on="campus")
    if both.is_empty():
        return None
    title = titles.get("resources_balance")
    per_campus = both.select(
        pl.lit("resources_balance").alias("statistic"),
        pl.lit("sat_minus_dissat").alias("item"),
        pl.lit(ENSEMBLE).alias("group"),
        "campus",
        (pl.col("sat") - pl.col("dissat")).alias("estimate"),
        pl.col("n"),
        pl.lit("campus").alias("domain"),
        pl.lit("score").alias("unit"),
        pl.lit(title).cast(pl.String).alias("title"),
    )
    count = pl.DataFrame(
        {
            "statistic": ["resources_balance"],
            "item": ["dissat_dominates"],
            "group": [ENSEMBLE],
            "campus": [ENSEMBLE],
            "estimate": [float((both["dissat"] > both["sat"]).sum())],
            "n": [both.height],
            "domain": ["ensemble"],
            "unit": ["count"],
            "title": [title],
        },
        schema_overrides={"title": pl.String},
    )
    return pl.concat([conform_rows(per_campus), conform_rows(count)], how="diagonal_relaxed")


def extreme_campuses(statistics: pl.DataFrame, *, top: int = 5, bottom: int = 3) -> tuple[list[str], list[str]]:
    """``(highest, lowest)`` campus ids by profile (highest first; lowest, lowest first).

    Naming them together says « these are above those »: a highest campus is kept only if
    it is clearly above every lowest one (:func:`ranked_in_words`), then a lowest campus
    only if it is clearly below every highest campus kept. Profiles without an interval
    (campus as cluster: no design variance inside a campus) are ordered by their point
    estimate only."""
    prof = statistics.filter((pl.col("statistic") == "campus_profile") & pl.col("estimate").is_not_null())
    ordered = prof.sort(["estimate", "campus"], descending=[True, False])
    rows = {r["campus"]: r for r in ordered.iter_rows(named=True)}
    names = ordered["campus"].to_list()
    high = names[:top]
    low = [c for c in reversed(names[-bottom:]) if c not in high] if bottom else []

    def interval(row) -> bool:
        return row.get("ci_low") is not None and row.get("ci_high") is not None

    def clear(h: str, lo: str) -> bool:
        return not (interval(rows[h]) and interval(rows[lo])) or ranked_in_words(rows[h], rows[lo]) == 1

    high = [h for h in high if all(clear(h, lo) for lo in low)]
    low = [lo for lo in low if all(clear(h, lo) for h in high)]
    return high, low
