"""Campus rankings with intervals (Illustrations 6 and 7): rank ranges, the « A is above
B » rule, and the headline's highest / lowest campuses; every figure worked by hand."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from effipia.analysis.comparison import (
    campus_order,
    comparison_rows,
    extreme_campuses,
    rank_range,
    ranked_in_words,
)
from effipia.analysis.layout import conform_rows


def test_rank_range() -> None:
    # intervals: A [70, 90], B [60, 80], C [20, 40], D [65, 75]
    low, high = np.array([70.0, 60.0, 20.0, 65.0]), np.array([90.0, 80.0, 40.0, 75.0])
    best, worst = rank_range(low, high)
    # A: nobody wholly above → best 1; wholly below A: C only → worst 4 - 1 = 3
    # B: nobody above (A's low 70 < B's high 80) → 1; below: C → 3
    # C: above C: A, B, D → best 4; nothing below → worst 4
    # D: nobody above (A 70 < 75); below: C → 3
    assert best.tolist() == [1, 1, 4, 1]
    assert worst.tolist() == [3, 3, 4, 3]


def _row(e: float, lo: float, hi: float) -> dict:
    return {"estimate": e, "ci_low": lo, "ci_high": hi}


def test_ranked_in_words_overlap_rule() -> None:
    # disjoint intervals: ordered
    assert ranked_in_words(_row(80, 75, 85), _row(60, 55, 65)) == 1
    assert ranked_in_words(_row(60, 55, 65), _row(80, 75, 85)) == -1
    # hi = 70 [60, 80], lo = 50 [40, 60 + o]: margins facing each other 70-60 = 10 and
    # (60 + o) - 50 = 10 + o, overlap o; ordered iff o ≤ 0.5 · (10 + 10 + o)/2, i.e. o ≤ 20/3
    assert ranked_in_words(_row(70, 60, 80), _row(50, 40, 66.6)) == 1  # o = 6.6
    assert ranked_in_words(_row(70, 60, 80), _row(50, 40, 66.7)) == 0  # o = 6.7 > 6.67
    # equal estimates or a missing bound: never ordered
    assert ranked_in_words(_row(70, 60, 80), _row(70, 65, 75)) == 0
    assert ranked_in_words(_row(90, None, 95), _row(10, 5, 15)) == 0


def _registers(values: dict[str, tuple[float, float, float]]) -> pl.DataFrame:
    """Register rows of every profile register for campuses {campus: (score, low, high)}."""
    names = ("dyn", "lead", "res_level_sat", "res_level_dissat", "res_use", "mgmt")
    return conform_rows(pl.DataFrame(
        [("register", name, "ensemble", c, e, lo, hi, 30, "campus", "score")
         for c, (e, lo, hi) in values.items() for name in names],
        schema=["statistic", "item", "group", "campus", "estimate", "ci_low", "ci_high", "n", "domain", "unit"],
        orient="row",
    ))


def test_comparison_rows_carry_rank_ranges() -> None:
    out = comparison_rows(_registers({"A": (80, 70, 90), "B": (75, 65, 85), "C": (40, 30, 50)}))
    ranks = out.filter((pl.col("statistic") == "register_rank") & (pl.col("item") == "dyn")).sort("campus")
    # A rank 1 (best 1, worst 2: B overlaps), B rank 2 (1–2), C rank 3 (3–3: both wholly above)
    assert ranks.select("estimate", "ci_low", "ci_high").rows() == [(1.0, 1.0, 2.0), (2.0, 1.0, 2.0), (3.0, 3.0, 3.0)]
    # profile interval = mean of the registers' bounds (all equal here)
    prof = out.filter(pl.col("statistic") == "campus_profile").sort("campus")
    assert prof.select("estimate", "ci_low", "ci_high").row(0) == (80.0, 70.0, 90.0)
    assert campus_order(out, "campus_profile", "profile", "A", "C") == 1
    assert campus_order(out, "campus_profile", "profile", "A", "B") == 0  # heavy overlap: no sentence
    assert campus_order(out, "campus_profile", "profile", "A", "Z") == 0  # unknown campus


def test_extreme_campuses_only_when_distinguishable() -> None:
    out = comparison_rows(_registers({"A": (80, 70, 90), "B": (62, 40, 84), "C": (40, 30, 50), "D": (60, 55, 65)}))
    # by estimate: highest A, B; lowest C, D. B [40, 84] overlaps C [30, 50] heavily
    # (overlap 50 - 40 = 10 > 0.5 · ((62-40) + (50-40))/2 = 8): B is dropped; A–C, A–D are clear
    assert extreme_campuses(out, top=2, bottom=2) == (["A"], ["C", "D"])
    # with no interval at all (campus as cluster), the order is the point estimates'
    bare = out.with_columns(pl.lit(None, dtype=pl.Float64).alias("ci_low"), pl.lit(None, dtype=pl.Float64).alias("ci_high"))
    assert extreme_campuses(bare, top=2, bottom=2) == (["A", "B"], ["C", "D"])


@pytest.mark.parametrize("presentation", ["nchs"])
def test_withheld_scores_are_not_ranked(presentation: str) -> None:
    rows = _registers({"A": (80, 70, 90), "B": (75, 65, 85), "C": (40, 30, 50)})
    # n_eff: A and B 30 (kept), C 20 (< 30: unreliable, withheld under nchs)
    rows = rows.with_columns(pl.when(pl.col("campus") == "C").then(20.0).otherwise(30.0).alias("n_eff"),
                             pl.lit(29).alias("df"))
    out = comparison_rows(rows, presentation=presentation)
    assert set(out.filter(pl.col("statistic") == "register_rank")["campus"]) == {"A", "B"}
    assert set(comparison_rows(rows).filter(pl.col("statistic") == "register_rank")["campus"]) == {"A", "B", "C"}
