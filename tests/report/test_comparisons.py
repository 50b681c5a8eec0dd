"""Campus comparisons against hand-worked values on a hand-made statistics set.

Register « dyn »: whole set 60 (SE 2, n = 100, so σ = 2 × √100 = 20); campuses
A 70 (SE 4), B 60 (SE 3), C 50 (SE 5), D 40 (SE 6); filières A, B: F1; C, D: F2.
"""

from __future__ import annotations

import math
from dataclasses import replace

import polars as pl
import pytest

from effipia.report.campus import CampusRefused, build_campus, eligible_campuses, points
from effipia.report.comparisons import Z95, compare, comparison_groups, reading
from effipia.report.national import Context
from effipia.report.statistics import StatisticsView
from effipia.report.texts import load_texts

TEXTS = load_texts().campus["comparisons"]


def _row(campus, estimate, se, n, suppressed=False):
    return {"statistic": "register", "item": "dyn", "answer": None, "group": "ensemble", "campus": campus,
            "estimate": None if suppressed else estimate, "n": n, "ci_low": None, "ci_high": None, "suppressed": suppressed, "se": None if suppressed else se}


@pytest.fixture
def view():
    rows = [_row("ensemble", 60.0, 2.0, 100), _row("A", 70.0, 4.0, 10), _row("B", 60.0, 3.0, 12), _row("C", 50.0, 5.0, 9), _row("D", 40.0, 6.0, 8), _row("E", None, None, 3, suppressed=True)]
    return StatisticsView(pl.DataFrame(rows, schema_overrides={"answer": pl.String, "estimate": pl.Float64, "se": pl.Float64, "ci_low": pl.Float64, "ci_high": pl.Float64}))


FILIERES = {"A": "F1", "B": "F1", "C": "F2", "D": "F2", "E": "F2"}


def test_groups_exclude_the_campus(view):
    groups = comparison_groups(view, "A", "dyn", FILIERES)
    assert groups["all"] == ["B", "C", "D"]  # E is suppressed: not averaged
    assert groups["filiere"] == ["B"]
    # top quarter of the 3 others: ceil(0.75) = 1 campus, B (60)
    assert groups["top"] == ["B"]
    assert comparison_groups(view, "D", "dyn", FILIERES)["top"] == ["A"]  # ceil(0.25 x 3) = 1


def test_against_all_other_campuses_by_hand(view):
    c = compare(view, "A", "dyn", "all", ["B", "C", "D"])
    # reference (60 + 50 + 40) / 3 = 50; d = 70 − 50 = 20
    assert c.reference == pytest.approx(50.0) and c.diff == pytest.approx(20.0)
    # Var = 4² + (3² + 5² + 6²) / 3² = 16 + 70/9 = 23.777…; SE = 4.87624
    assert c.se == pytest.approx(math.sqrt(16 + 70 / 9), rel=1e-12)
    assert c.low == pytest.approx(20 - 1.959963984540054 * 4.876246279442598, rel=1e-9)
    assert c.high == pytest.approx(20 + Z95 * math.sqrt(16 + 70 / 9), rel=1e-12)
    # effect size 20 / σ, σ = 2 × √100 = 20 → 1.0: « nettement au-dessus »
    assert c.effect == pytest.approx(1.0)
    assert c.established and reading(c, TEXTS) == "nettement au-dessus"


def test_interval_including_zero_reads_comparable(view):
    c = compare(view, "B", "dyn", "all", ["A", "C", "D"])
    # reference (70 + 50 + 40) / 3 = 53.333; d = 6.667; Var = 9 + (16 + 25 + 36)/9 = 17.556; SE = 4.190
    assert c.diff == pytest.approx(20 / 3)
    assert c.se == pytest.approx(math.sqrt(9 + 77 / 9))
    assert c.low < 0 < c.high  # −1.55 to +14.88
    assert not c.established and reading(c, TEXTS) == "comparable"


def test_same_filiere_by_hand(view):
    c = compare(view, "A", "dyn", "filiere", ["B"])
    # d = 70 − 60 = 10; SE = √(16 + 9) = 5; interval 10 ± 9.80 = [0.20 ; 19.80] excludes 0
    assert c.se == pytest.approx(5.0) and c.low == pytest.approx(10 - Z95 * 5)
    assert c.established and c.effect == pytest.approx(0.5) and reading(c, TEXTS) == "nettement au-dessus"


def test_small_established_gap_reads_without_nettement(view):
    c = compare(view, "D", "dyn", "all", ["A", "B", "C"])
    # d = 40 − 60 = −20, SE = √(36 + 50/9) = 6.45; effect −1.0 → nettement en dessous
    assert reading(c, TEXTS) == "nettement en dessous"
    weak = replace(compare(view, "A", "dyn", "filiere", ["B"]), effect=0.2)  # same interval, small effect
    assert reading(weak, TEXTS) == "au-dessus"


def test_suppressed_campus_and_empty_group(view):
    assert compare(view, "E", "dyn", "all", ["A"]).reason == "suppressed"
    c = compare(view, "A", "dyn", "filiere", [])
    assert c.reason == "no_group" and c.low is None and reading(c, TEXTS) == "non disponible"


def test_campus_below_minimum_is_refused_in_french(statistics, context):
    view = StatisticsView(statistics)
    small = min(view.campuses(), key=view.respondents)
    n = view.respondents(small)
    ctx = Context(campaign="synthetique", texts=context.texts, campuses=context.campuses, min_n=n + 1)
    with pytest.raises(CampusRefused) as info:
        build_campus(view, small, ctx)
    assert str(info.value) == f"le rapport du campus {small} n'est pas produit : {n} répondant(s), moins que le minimum de diffusion ({n + 1})"
    ok, refused = eligible_campuses(view, n + 1)
    assert small in refused and small not in ok


def test_points_forts_follow_the_rule(statistics):
    view = StatisticsView(statistics)
    rule = {"threshold": 10, "count": 3, "tableau_3": [1], "tableau_4": [1, 2], "tableau_5": [1], "tableau_6": [1, 2], "tableau_7": [1, 2]}
    strong, watch = points(view, "CMQ01", rule)
    for g in strong:
        assert g["diff"] >= 10
    for g in watch:
        assert g["diff"] <= -10
    assert [g["diff"] for g in strong] == sorted((g["diff"] for g in strong), reverse=True)
    # hand check of one gap against the set: favourable share = sum of the codes' shares
    if strong:
        g = strong[0]
        codes = [str(c) for c in rule[g["table"]]]
        part = statistics.filter((pl.col("statistic") == g["table"]) & (pl.col("item") == g["item"]) & pl.col("answer").is_in(codes) & (pl.col("group") == "ensemble"))
        mine = part.filter(pl.col("campus") == "CMQ01")["estimate"].sum()
        whole = part.filter(pl.col("campus") == "ensemble")["estimate"].sum()
        assert g["diff"] == pytest.approx(mine - whole)


def test_effect_size_with_weights_uses_the_weighted_pooled_sd_by_hand():
    """One-item register (code 1 → 100, 2 → 0) with weights.
    Campus A: scores 100, 0, 100, weights 1, 2, 1: W = 4, mean 200/4 = 50,
      Σ w (y − m)² = 2 500 + 2 × 2 500 + 2 500 = 10 000, sd² = n/(n−1) × 10 000 / 4 = 3/2 × 2 500 = 3 750.
    Campus B: scores 0, 0, 100, 100, weights 1, 1, 1, 3: W = 6, mean 400/6 = 66,67,
      Σ w (y − m)² = 2 × (200/3)² + 4 × (100/3)² = 40 000/3, sd² = 4/3 × (40 000/3)/6 = 80 000/27.
    Pooled: σ² = (2 × 3 750 + 3 × 80 000/27)/(2 + 3) = 147 500/45; d = 50 − 200/3 = −50/3;
    effect = d/σ = −0,2911 (the unweighted whole-set shortcut s√n would not give it)."""
    import numpy as np

    from effipia.analysis.registers import RegisterRule, register_rows

    frame = pl.DataFrame({"respondent_id": [f"r{i}" for i in range(7)], "campus_id": ["A"] * 3 + ["B"] * 4,
                          "category": ["entreprise"] * 7, "a": [1, 2, 1, 2, 2, 1, 1]}, schema_overrides={"a": pl.Int64})
    rule = RegisterRule(name="dyn", title="dyn", items=("a",), positive=(1,))
    rows = register_rows(frame, {"dyn": rule}, weights=np.array([1, 2, 1, 1, 1, 1, 3], dtype=float), domains=("ensemble", "campus"), min_n=1)
    sd = dict(zip(rows["campus"], rows["sd"], strict=True))
    assert sd["A"] == pytest.approx(math.sqrt(3750), rel=1e-12)
    assert sd["B"] == pytest.approx(math.sqrt(80000 / 27), rel=1e-12)
    c = compare(StatisticsView(rows), "A", "dyn", "all", ["B"])
    assert c.diff == pytest.approx(-50 / 3, rel=1e-12)
    assert c.effect == pytest.approx(-(50 / 3) / math.sqrt(147500 / 45), rel=1e-12)
    assert c.effect == pytest.approx(-0.2911, abs=1e-4)
