"""The campus letter beside its identifier: « A (CMQ06) » for a person, ``campus_letter`` in files."""

from __future__ import annotations

import polars as pl

from effipia.labels import campus_label, campus_labels, with_campus_letter


def test_campus_label():
    assert campus_label("ZA", "CMQ11") == "ZA (CMQ11)"
    assert campus_label(None, "CMQ40") == "CMQ40"  # campuses beyond the 32 have no letter
    assert campus_label(" ", "CMQ40") == "CMQ40"
    assert campus_label("A", "A") == "A"  # never « A (A) »
    campuses = pl.DataFrame({"campus_id": ["CMQ06", "CMQ40"], "letter": ["A", None]})
    assert campus_labels(campuses) == {"CMQ06": "A (CMQ06)", "CMQ40": "CMQ40"}
    assert campus_labels(campuses.drop("letter")) == {"CMQ06": "CMQ06", "CMQ40": "CMQ40"}


def test_campus_letter_after_the_contract_columns():
    rows = pl.DataFrame(
        {
            "statistic": ["s"] * 3, "campus": ["ensemble", "CMQ06", "CMQ40"], "suppressed": [False] * 3,
            "se": [0.1, 0.2, 0.3],
        }
    )
    campuses = pl.DataFrame({"campus_id": ["CMQ06", "CMQ40"], "letter": ["A", None]})
    out = with_campus_letter(rows, campuses)
    assert out.columns == ["statistic", "campus", "suppressed", "campus_letter", "se"]
    assert out["campus_letter"].to_list() == [None, "A", None]
    # applied twice: one column, same place
    assert with_campus_letter(out, campuses).columns == out.columns


def test_statistics_set_carries_the_campus_letter():
    from effipia.analysis import compute
    from effipia.analysis.layout import STATISTICS_COLUMNS
    from effipia.synth import generate

    campaign = generate(seed=3, campuses=3, partners=30)
    statistics = compute(
        campaign.responses, partners=campaign.partners, campuses=campaign.campuses, include=["tables"], min_n=1
    )
    assert statistics.columns[:11] == list(STATISTICS_COLUMNS)[:10] + ["campus_letter"]
    letters = dict(campaign.campuses.select("campus_id", "letter").iter_rows())  # CMQ01 B, CMQ02 K, CMQ03 R
    per_campus = statistics.filter(pl.col("campus") != "ensemble").select("campus", "campus_letter").unique()
    assert per_campus.height == 3
    assert all(letters[c] == letter for c, letter in per_campus.iter_rows())
    assert statistics.filter(pl.col("campus") == "ensemble")["campus_letter"].null_count() == statistics.filter(
        pl.col("campus") == "ensemble").height
