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


def test_profile_standard_error_by_hand() -> None:
    from effipia.analysis.domains import domain_sets
    from effipia.analysis.registers import RegisterRule, profile_stats, register_rows

    # campus A: six respondents, campus B: two; registers r1 (item a) and r2 (item b), share
    # form, 1 = positive. A: a = 1 1 2 1 2 2 → y1 = 1 1 0 1 0 0; b = 1 2 2 1 1 2 → y2 = 1 0 0 1 1 0
    frame = pl.DataFrame({
        "respondent_id": [f"r{i}" for i in range(8)],
        "campus_id": ["A"] * 6 + ["B"] * 2,
        "category": ["entreprise"] * 8,
        "a": [1, 1, 2, 1, 2, 2, 1, 2],
        "b": [1, 2, 2, 1, 1, 2, 1, 1],
    }, schema_overrides={"a": pl.Int64, "b": pl.Int64})
    rules = {name: RegisterRule(name=name, title=name, items=(item,), positive=(1,)) for name, item in (("r1", "a"), ("r2", "b"))}
    campus = domain_sets(frame, ("campus",))[0]
    stats = profile_stats(frame, rules, ["r1", "r2"], campus)
    # A: profile (3/6 + 3/6)/2 = 0.5; linearised value z_i = ((y1_i - .5) + (y2_i - .5))/(2·6),
    # i.e. (v_i - .5)/6 with v = (y1 + y2)/2 = 1 .5 0 1 .5 0: Σ z² = (4 · .25)/36 = 1/36, Σ z = 0;
    # V = N/(N-1) Σ z² over the N = 8 rows of the design (domain estimation) = 8/7/36
    assert stats.estimate[0, 0] == pytest.approx(0.5, abs=1e-15)
    assert stats.se[0, 0] == pytest.approx(np.sqrt(8 / 7 / 36), abs=1e-12)
    assert (stats.n[0, 0], stats.df[0]) == (6, 5)
    # one register: the profile's SE is that register's own
    one = profile_stats(frame, rules, ["r1"], campus)
    reg = register_rows(frame, {"r1": rules["r1"]}, domains=("campus",), min_n=1).filter(pl.col("campus") == "A")
    assert one.se[0, 0] * 100 == pytest.approx(reg["se"][0], abs=1e-12)
