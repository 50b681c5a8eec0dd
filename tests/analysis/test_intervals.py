"""Intervals of shares on hand-made frames (1 of 7, 0 of 12, 12 of 12), working beside
every expected bound.

The frames are one domain (``ensemble``), unweighted, respondents as PSUs: the
with-replacement SE of a share is ``sqrt(N/(N-1) · p(1-p)/n)`` with ``N`` = rows of the
design and ``n`` the base (here ``N = n``, so ``SE² = p(1-p)/(n-1)``), the design degrees of
freedom ``df = n - 1`` (R: ``degf``). Quantiles quoted with R's ``qbeta`` / ``qt`` (R 4.x).
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from effipia.analysis.intervals import clopper_pearson, korn_graubard, logit_interval, t_interval, wald_interval
from effipia.analysis.shares import share_rows


def _frame(codes: list[int]) -> pl.DataFrame:
    n = len(codes)
    return pl.DataFrame(
        {
            "respondent_id": [f"r{i}" for i in range(n)],
            "campus_id": ["A"] * n,
            "category": ["entreprise"] * n,
            "q": codes,
        },
        schema_overrides={"q": pl.Int64},
    )


def _share(codes: list[int], ci: str, answer: str = "1") -> dict:
    rows = share_rows(_frame(codes), ["q"], statistic="t", answers=[1, 2], domains=("ensemble",), min_n=1, ci=ci)
    return rows.filter(pl.col("answer") == answer).row(0, named=True)


def test_one_of_seven() -> None:
    codes = [1, 2, 2, 2, 2, 2, 2]
    kg = _share(codes, "korn-graubard")
    # p = 1/7; SE² = p(1-p)/6 = (6/49)/6 = 1/49 → SE = 1/7 (R svymean: 0.142857…)
    assert kg["estimate"] == pytest.approx(100 / 7, abs=1e-12)
    assert kg["se"] == pytest.approx(100 / 7, abs=1e-12)
    # n_eff = p(1-p)/SE² = (6/49)/(1/49) = 6 (below n = 7: no cap); df = 7 - 1 = 6
    assert (kg["n"], kg["df"]) == (7, 6)
    assert kg["n_eff"] == pytest.approx(6.0, abs=1e-9)
    # Korn–Graubard: factor (t_{n-1}/t_df)² = (t_6/t_6)² = 1, n* = 6:
    # [qbeta(.025, 6·1/7, 6·6/7 + 1), qbeta(.975, 6/7 + 1, 36/7)] = [0.0021031…, 0.6187122…]
    # (R: the same from svyciprop(~y, svydesign(ids=~1, …), method = "beta"))
    assert kg["ci_low"] == pytest.approx(100 * 0.0021031690864613903, abs=1e-9)
    assert kg["ci_high"] == pytest.approx(100 * 0.61871221256495279, abs=1e-9)
    # logit: logit(1/7) = ln(1/6); SE on the logit scale = SE / (p(1-p)) = (1/7)/(6/49) = 7/6;
    # t_6 = 2.4469118511449688 (R qt); expit(ln(1/6) ± 2.44691 · 7/6) = [0.0095040…, 0.7432579…]
    lg = _share(codes, "logit")
    half = 2.4469118511449688 * 7 / 6
    expit = lambda x: 1 / (1 + math.exp(-x))  # noqa: E731
    assert lg["ci_low"] == pytest.approx(100 * expit(math.log(1 / 6) - half), abs=1e-9)
    assert lg["ci_low"] == pytest.approx(100 * 0.0095040292098763756, abs=1e-9)  # R svyciprop xlogit
    assert lg["ci_high"] == pytest.approx(100 * 0.7432579023019144637, abs=1e-9)
    # Wald: 1/7 ± 1.959964 · 1/7, lower bound clipped to 0
    wd = _share(codes, "wald")
    assert wd["ci_low"] == 0.0
    assert wd["ci_high"] == pytest.approx(100 / 7 * (1 + 1.959963984540054), abs=1e-9)


@pytest.mark.parametrize("ci", ["korn-graubard", "logit"])
def test_zero_of_twelve_is_clopper_pearson(ci: str) -> None:
    # p = 0: SE = 0, n_eff = 0/0; R's svyciprop gives NA. Exact interval on n = 12:
    # lower 0; upper qbeta(.975, 1, 12) = 1 - 0.025^(1/12) = 0.2646484693970512
    row = _share([2] * 12, ci)
    assert (row["estimate"], row["se"], row["n"]) == (0.0, 0.0, 12)
    assert row["ci_low"] == 0.0
    assert row["ci_high"] == pytest.approx(100 * (1 - 0.025 ** (1 / 12)), abs=1e-9)
    assert row["ci_high"] == pytest.approx(100 * 0.26464846939705122, abs=1e-9)
    assert row["n_eff"] == 12.0  # NCHS: n_eff = n at 0 %


@pytest.mark.parametrize("ci", ["korn-graubard", "logit"])
def test_twelve_of_twelve_is_clopper_pearson(ci: str) -> None:
    # p = 1: lower qbeta(.025, 12, 1) = 0.025^(1/12) = 0.7353515306029488; upper 1
    row = _share([1] * 12, ci)
    assert (row["estimate"], row["n"]) == (100.0, 12)
    assert row["ci_low"] == pytest.approx(100 * 0.025 ** (1 / 12), abs=1e-9)
    assert row["ci_low"] == pytest.approx(100 * 0.73535153060294878, abs=1e-9)
    assert row["ci_high"] == 100.0
    # the complementary answer, 0 of 12, gets the mirror interval
    other = _share([1] * 12, ci, answer="2")
    assert other["ci_high"] == pytest.approx(100 - row["ci_low"], abs=1e-9)


def test_wald_at_zero_is_degenerate() -> None:
    # Wald keeps its known defect at 0 %: SE 0, interval [0, 0]
    row = _share([2] * 12, "wald")
    assert (row["ci_low"], row["ci_high"]) == (0.0, 0.0)


def test_clopper_pearson_five_of_seven() -> None:
    # the example: 71 % on 7 respondents; exact interval of 5/7 =
    # [qbeta(.025, 5, 3), qbeta(.975, 6, 2)] = [0.2904209, 0.9633074] (R qbeta)
    low, high = clopper_pearson(np.array([5.0]), np.array([7.0]))
    assert low[0] == pytest.approx(0.29042086373734266, abs=1e-12)
    assert high[0] == pytest.approx(0.96330743382391448, abs=1e-12)


def test_korn_graubard_degrees_of_freedom_widen() -> None:
    # same p, SE and n, fewer design df: n* = n_eff (t_{n-1}/t_df)² shrinks, the interval widens
    p, se, n = np.array([0.3, 0.3]), np.array([0.05, 0.05]), np.array([100.0, 100.0])
    low, high = korn_graubard(p, se, n, np.array([99.0, 5.0]))
    assert high[1] - low[1] > high[0] - low[0]
    # df = n - 1 makes the factor 1: the Clopper–Pearson interval on n_eff = 0.21/0.0025 = 84
    cp_low, cp_high = clopper_pearson(np.array([0.3 * 84]), np.array([84.0]))
    assert (low[0], high[0]) == (pytest.approx(cp_low[0], abs=1e-12), pytest.approx(cp_high[0], abs=1e-12))


def test_no_degrees_of_freedom_no_interval() -> None:
    # df = 0 (one PSU in the domain): Student quantile undefined, as R's qt(…, 0) is NaN
    low, high = korn_graubard(np.array([0.5]), np.array([0.1]), np.array([2.0]), np.array([0.0]))
    assert np.isnan(low[0]) and np.isnan(high[0])
    low, high = logit_interval(np.array([0.5]), np.array([0.1]), np.array([2.0]), np.array([0.0]))
    assert np.isnan(low[0]) and np.isnan(high[0])


def test_student_interval_of_a_score() -> None:
    # score 70 ± t_9 · 5 (t_9 = 2.2621571627982049, R qt(.975, 9)), clipped to 0–100
    low, high = t_interval(np.array([70.0, 98.0]), np.array([5.0, 5.0]), np.array([9.0, 9.0]), bounds=(0.0, 100.0))
    assert low[0] == pytest.approx(70 - 2.2621571627982049 * 5, abs=1e-12)
    assert high[1] == 100.0
    # infinite df gives the normal quantile, as Wald
    wl, _ = wald_interval(np.array([0.5]), np.array([0.1]), bounds=None)
    tl, _ = t_interval(np.array([0.5]), np.array([0.1]), np.array([np.inf]))
    assert tl[0] == pytest.approx(wl[0], abs=1e-15)
