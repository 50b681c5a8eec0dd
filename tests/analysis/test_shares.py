"""Shares per domain on the hand-made frame of conftest.py (working beside each value).

Unweighted with-replacement SE of a domain share: ``sqrt(n/(n-1) · R(1-R)/N_d)`` with
``n`` = 6 rows of the design (domain estimation keeps every row) and ``N_d`` the base.
"""

from __future__ import annotations

import math

import polars as pl
import pytest

from effipia.analysis.shares import share_rows


def _row(rows: pl.DataFrame, answer: str, group: str = "ensemble", campus: str = "ensemble") -> dict:
    hit = rows.filter((pl.col("answer") == answer) & (pl.col("group") == group) & (pl.col("campus") == campus))
    assert hit.height == 1
    return hit.row(0, named=True)


def test_base_all_keeps_na(tiny: pl.DataFrame) -> None:
    rows = share_rows(tiny, ["dyn_1"], statistic="tableau_3", answers=[1, 2, 9], base="all", min_n=1)
    # base: r1 r2 r3 r4 r6 (r5 empty) → n = 5; code 1: r1 r4 r6 → 3/5 = 60 %
    one = _row(rows, "1")
    assert one["n"] == 5
    assert one["estimate"] == pytest.approx(60.0, abs=1e-12)
    # SE = sqrt(6/5 · 0.6 · 0.4 / 5) = sqrt(0.0576) = 0.24 → 24 points
    assert one["se"] == pytest.approx(24.0, abs=1e-12)
    # default interval, Korn–Graubard: n_eff = 0.6 · 0.4 / 0.0576 = 4.1667, df = 5 - 1 = 4,
    # factor (t_{n-1} / t_df)² = (t_4 / t_4)² = 1, so n* = 25/6:
    # [qbeta(.025, n*·0.6, n*·0.4 + 1), qbeta(.975, n*·0.6 + 1, n*·0.4)]
    # = [qbeta(.025, 2.5, 8/3), qbeta(.975, 3.5, 5/3)] = [0.116875…, 0.962031…] (R: qbeta)
    assert one["ci_low"] == pytest.approx(100 * 0.11687505268437798, abs=1e-9)
    assert one["ci_high"] == pytest.approx(100 * 0.96203106984426645, abs=1e-9)
    assert (one["df"], one["n_eff"]) == (4, pytest.approx(0.24 / 0.0576, abs=1e-12))
    # Wald, as before: 60 ± 1.959964 · 24 = [12.96, 107.04], clipped to 100
    wald = _row(share_rows(tiny, ["dyn_1"], statistic="t", answers=[1, 2, 9], min_n=1, ci="wald"), "1")
    assert wald["ci_low"] == pytest.approx(60 - 1.959963984540054 * 24, abs=1e-9)
    assert wald["ci_high"] == 100.0
    # NA (code 9): r3 → 1/5 = 20 %
    assert _row(rows, "9")["estimate"] == pytest.approx(20.0, abs=1e-12)


def test_base_excluding_na(tiny: pl.DataFrame) -> None:
    rows = share_rows(tiny, ["dyn_1"], statistic="t", answers=[1, 2], base="exclude_na", min_n=1)
    one = _row(rows, "1")
    # base r1 r2 r4 r6 → n = 4; code 1: 3/4 = 75 %; SE = sqrt(6/5 · .75 · .25 / 4)
    assert (one["n"], one["estimate"]) == (4, pytest.approx(75.0, abs=1e-12))
    assert one["se"] == pytest.approx(100 * math.sqrt(6 / 5 * 0.75 * 0.25 / 4), abs=1e-12)


def test_domains_small_and_empty(tiny: pl.DataFrame) -> None:
    rows = share_rows(tiny, ["dyn_1"], statistic="t", answers=[1, 2, 9], min_n=5)
    # lycée: r3 (9), r4 (1) (r5 empty) → n = 2 < 5: suppressed, value not written
    lycee = _row(rows, "1", group="lycee")
    assert (lycee["n"], lycee["suppressed"], lycee["estimate"], lycee["ci_low"]) == (2, True, None, None)
    # supérieur: no respondent → n = 0, suppressed
    sup = _row(rows, "1", group="superieur")
    assert (sup["n"], sup["suppressed"], sup["estimate"]) == (0, True, None)
    # campus C, one respondent (r6, code 1): suppressed at min_n 5 …
    assert _row(rows, "1", campus="C")["suppressed"] is True
    # … and 100 % with SE 0 when the rule allows one respondent
    rows1 = share_rows(tiny, ["dyn_1"], statistic="t", answers=[1, 2, 9], min_n=1)
    c = _row(rows1, "1", campus="C")
    assert (c["n"], c["estimate"], c["se"], c["suppressed"]) == (1, 100.0, 0.0, False)
    # campus × group A·lycée: 1 of 2 → 50 %, SE = sqrt(6/5 · .25 / 2)
    al = _row(rows1, "1", group="lycee", campus="A")
    assert al["estimate"] == pytest.approx(50.0)
    assert al["se"] == pytest.approx(100 * math.sqrt(6 / 5 * 0.25 / 2), abs=1e-12)
    # campus × group pairs are those with respondents only: A·ent, A·lyc, B·lyc, C·of_cfa
    pairs = rows1.filter(pl.col("domain") == "campus_group").select("campus", "group").unique().sort("campus", "group")
    assert pairs.rows() == [("A", "entreprise"), ("A", "lycee"), ("B", "lycee"), ("C", "of_cfa")]


def test_layout_columns(tiny: pl.DataFrame) -> None:
    rows = share_rows(tiny, ["dyn_1", "absent_item"], statistic="t")
    assert rows.columns[:10] == ["statistic", "item", "answer", "group", "campus", "estimate", "n", "ci_low", "ci_high", "suppressed"]
    # an absent item (block not collected) produces nothing
    assert set(rows["item"]) == {"dyn_1"}
    # default answers: the codes met in the base, ascending
    assert sorted(set(rows["answer"])) == ["1", "2", "9"]


def test_weighted_share(tiny: pl.DataFrame) -> None:
    w = [1.0, 3.0, 1.0, 1.0, 2.0, 2.0]
    rows = share_rows(tiny, ["dyn_1"], statistic="t", answers=[1], weights=pl.Series(w).to_numpy(), min_n=1)
    # base weights r1 1 + r2 3 + r3 1 + r4 1 + r6 2 = 8; code 1: r1 1 + r4 1 + r6 2 = 4 → 50 %
    one = _row(rows, "1")
    assert one["estimate"] == pytest.approx(50.0, abs=1e-12)
    # Σ w²(y-R)²: r1 .25 + r2 9·.25 + r3 .25 + r4 .25 + r6 4·.25 = 4; SE = sqrt(6/5 · 4) / 8
    assert one["se"] == pytest.approx(100 * math.sqrt(6 / 5 * 4) / 8, abs=1e-12)
