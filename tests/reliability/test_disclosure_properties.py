"""Disclosure property tests (issue 11, item 8): for random small campaigns, no value
computed on fewer respondents than the minimum appears in any output — the statistics set
(``statistics.csv`` / ``.parquet``), the reports (HTML, PDF text, workbook, SVG figures), the
director's web pages and API — directly or by subtraction from published margins.

Campaigns are drawn by Hypothesis (``derandomize``: the same cases on every run; the drawn
campaign is printed on failure through ``note``, and ``DISCLOSURE_SEED`` changes the
draw): the synthetic generator at tiny sizes (2–5 campuses, 10–40 partners each, so
campuses of 1–15 respondents), some campuses thinned to fewer respondents than the
minimum, the minimum itself drawn (3–6). ``DISCLOSURE_EXAMPLES`` multiplies the number of
cases (``scripts/reliability_report.py``); ``RELIABILITY_LOG`` records each case.

« A value appears » means: the value computed without disclosure control (the same
campaign computed with ``min_n = 1``), formatted as the output prints it (decimal comma,
the table's rounding, « % »), is found in the output as a whole number, and it is
*distinctive*: no published figure of the set prints the same text (a coincidence with a
published number is not a leak). Percentages rounded to whole numbers are not distinctive
in small campaigns (a hundred possible texts); for them the check is positional — the
suppressed cell's own place prints « s » (HTML tables parsed) — and by subtraction (the
rank audit of ``disclosure.recoverable`` on the statistics set every output reads).
"""

from __future__ import annotations

import os

import polars as pl
from hypothesis import HealthCheck, Phase, given, note, seed, settings
from hypothesis import strategies as st

from effipia.analysis import compute

from .disclosure import Drawn, below_minimum_with_values, campaign, log, recoverable

SEED = int(os.environ.get("DISCLOSURE_SEED", "2026"))
SCALE = int(os.environ.get("DISCLOSURE_EXAMPLES", "1"))


def _settings(examples: int):
    return settings(max_examples=examples * SCALE, derandomize=SEED == 2026, deadline=None, database=None, print_blob=True,
                    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # no shrinking: the drawn campaign is printed
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@st.composite
def drawn(draw, campuses=(2, 5), partners=(10, 40)) -> Drawn:
    count = draw(st.integers(*campuses))
    return Drawn(
        seed=draw(st.integers(0, 10_000)),
        campuses=count,
        partners=draw(st.integers(*partners)),
        min_n=draw(st.integers(3, 6)),
        thin=tuple(draw(st.lists(st.sampled_from([0, 0, 1, 2, 3, 4]), min_size=count, max_size=count))),
    )


def _statistics(d: Drawn, **options) -> tuple[object, pl.DataFrame, pl.DataFrame]:
    note(f"campagne tirée : {d} (DISCLOSURE_SEED={SEED})")
    synthetic, responses = campaign(d)
    statistics = compute(responses, partners=synthetic.partners, invitations=synthetic.invitations,
                         campuses=synthetic.campuses, min_n=d.min_n, **options)
    return synthetic, responses, statistics


#: Rows whose ``n`` counts campuses, not respondents (analysis/comparison.py): statistic ×
#: item of the row → statistic × item of the campus scores it is computed from.
CAMPUS_AGGREGATES = {"register_rank": "register", "campus_profile_rank": "campus_profile",
                     ("resources_balance", "dissat_dominates"): ("resources_balance", "sat_minus_dissat")}


def _campus_aggregate(statistics: pl.DataFrame) -> pl.Expr:
    return pl.col("statistic").is_in(["register_rank", "campus_profile_rank"]) | (
        (pl.col("statistic") == "resources_balance") & (pl.col("item") == "dissat_dominates"))


def check_statistics_set(statistics: pl.DataFrame, min_n: int) -> None:
    """No row on fewer than ``min_n`` respondents carries a value; rows over campuses
    (ranks, the count of campuses where dissatisfaction dominates) use published campuses only."""
    aggregate = _campus_aggregate(statistics)
    valued = below_minimum_with_values(statistics.filter(~aggregate), min_n)
    assert valued.is_empty(), valued.select("statistic", "item", "answer", "group", "campus", "n", "estimate").head(10)
    scores = statistics.filter((pl.col("domain") == "campus") & ~pl.col("suppressed") & (pl.col("n") >= min_n)
                               & pl.col("estimate").is_not_null())
    for row in statistics.filter(aggregate & pl.col("estimate").is_not_null()).iter_rows(named=True):
        if row["statistic"] == "resources_balance":
            source = scores.filter((pl.col("statistic") == "resources_balance") & (pl.col("item") == "sat_minus_dissat"))
        else:
            source = scores.filter((pl.col("statistic") == CAMPUS_AGGREGATES[row["statistic"]]) & (pl.col("item") == row["item"]))
        # the campuses counted are exactly those whose own score is published
        assert row["n"] == source.height, (row, source.select("campus", "n"))
        if row["campus"] != "ensemble":
            assert row["campus"] in source["campus"].to_list(), row
    leaks = recoverable(statistics, min_n)
    assert not leaks, f"{len(leaks)} cellule(s) sous le minimum retrouvée(s) par soustraction : {leaks[:5]}"


@_settings(12)
@seed(SEED)
@given(d=drawn())
def test_statistics_set_publishes_nothing_below_the_minimum(d: Drawn, tmp_path_factory) -> None:
    from effipia.analysis.compute import write_statistics
    from effipia.report import read_statistics

    _, _, statistics = _statistics(d)
    check_statistics_set(statistics, d.min_n)
    parquet, csv = write_statistics(statistics, tmp_path_factory.mktemp("set"))
    for path in (parquet, csv):
        # the files as a user (or `effipia report --statistics`) reads them back
        check_statistics_set(read_statistics(path), d.min_n)
    primary = int(((statistics["n"] < d.min_n) & (statistics["n"] > 0)).sum())
    log({"output": "statistics", "min_n": d.min_n, "rows": statistics.height, "primary": primary,
         "suppressed": int(statistics["suppressed"].sum()), "outcome": "ok"})
