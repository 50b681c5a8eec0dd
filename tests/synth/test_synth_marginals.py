"""The default synthetic campaign reproduces the report's published marginals.

Every expected value comes from ``data/reference/published_cereq_2024.toml``, itself a
transcription of the report (table or section named in each block); the observed value is
computed here directly with Polars on the generated response frame, with the table's base.
"""

from __future__ import annotations

import polars as pl
import pytest

from .measures import REL, share

GROUPS = ["entreprise", "lycee", "of_cfa", "superieur", "autre"]


def _rows(published: dict, table: str):
    return list(published[table]["rows"].items())


def test_tableau_2_by_group_and_ensemble(responses: pl.DataFrame, published: dict) -> None:
    # Tableau 2 (section 6.2): share of each group's respondents related to each category.
    for item, row in _rows(published, "tableau_2"):
        for group in GROUPS:
            observed = 100 * responses.filter(pl.col("category") == group)[item].mean()
            assert abs(observed - row[group]) <= 1.0, (item, group, observed, row[group])
        observed = 100 * responses[item].mean()
        assert abs(observed - row["ensemble"]) <= 1.0, (item, "ensemble", observed, row["ensemble"])


@pytest.mark.parametrize("table", ["tableau_3", "tableau_4", "tableau_6", "tableau_7"])
def test_tables_3_4_6_7_over_all_respondents(responses: pl.DataFrame, published: dict, table: str) -> None:
    # Base: every respondent (NA and « ne sait pas » are columns of these tables).
    for item, row in _rows(published, table):
        assert responses[item].null_count() == 0  # asked of everyone, answered by everyone
        for code, expected in row.items():
            observed = share(responses, item, int(code))
            assert abs(observed - expected) <= 1.0, (item, code, observed, expected)


def test_tableau_5_excludes_na(responses: pl.DataFrame, published: dict) -> None:
    # Tableau 5 prints « satisfaisant » / « insuffisant » summing to 100: NA is outside the base.
    for item, row in _rows(published, "tableau_5"):
        assert (responses[item] == 9).sum() > 0  # NA exists in the data, only the base leaves it out
        for code, expected in row.items():
            observed = share(responses, item, int(code), exclude=(9,))
            assert abs(observed - expected) <= 1.0, (item, code, observed, expected)


def test_tableau_8_among_those_who_know(responses: pl.DataFrame, published: dict) -> None:
    # Tableau 8: among respondents with real_known_k = 1; at the default size the knower
    # counts are chosen so that the two-decimal percentages come out exactly (43/46 = 93.48).
    for item, row in _rows(published, "tableau_8"):
        k = item.rsplit("_", 1)[1]
        among = responses.filter(pl.col(f"real_known_{k}") == 1)[item]
        assert among.null_count() == 0
        observed = round(100 * float((among == 1).sum()) / among.len(), 2)
        assert observed == pytest.approx(row["1"], abs=0.005), (item, observed, row["1"])


def test_collaboration_split_and_groups(responses: pl.DataFrame, published: dict) -> None:
    # Section 6.3: 70 / 13 / 12 / 4 / 1 %; code 1 at 60 % among OF/CFA, 79 % in higher education.
    for code, expected in published["collaboration"]["ensemble"].items():
        assert abs(share(responses, "collab", int(code)) - expected) <= 1.0
    for group, expected in published["collaboration"]["code_1_by_group"].items():
        observed = share(responses.filter(pl.col("category") == group), "collab", 1)
        assert abs(observed - expected) <= 1.0, (group, observed)


def test_new_relations_benefits_workload(responses: pl.DataFrame, published: dict) -> None:
    # rel_new 61 % (section 6.2); benef_network 47 %, workload_more 25 % (conclusion).
    assert abs(share(responses, "rel_new", 1) - published["relations"]["rel_new_percent"]) <= 1.0
    assert abs(share(responses, "benef_network", 1) - published["benefits"]["benef_network"]) <= 1.0
    assert abs(share(responses, "workload_more", 1) - published["benefits"]["workload_more"]) <= 1.0
    companies = responses.filter(pl.col("category") == "entreprise")
    # « près de la moitié » of companies: skills developed in line with their needs
    assert 45 <= share(companies, "benef_skills", 1) <= 50


def test_expectations_of_each_group(responses: pl.DataFrame, published: dict) -> None:
    # Section 2.3: e.g. 83 % of lycées chose exp_partenariats, 92 % of OF/CFA.
    for group in GROUPS[:4]:
        chosen = responses.filter(pl.col("category") == group)["expectations"]
        for choice, expected in published["expectations"][group].items():
            observed = 100 * chosen.str.split(" ").list.contains(choice).fill_null(False).mean()
            assert abs(observed - expected) <= 1.0, (group, choice, observed, expected)
    counts = responses["expectations"].drop_nulls().str.split(" ").list.len()
    assert counts.min() >= 1 and counts.max() <= published["expectations"]["max_choices"]


def test_international(responses: pl.DataFrame, published: dict) -> None:
    # Section 5: higher education 17 % « vraiment », 43 % « dans une certaine mesure »;
    # among those, PIA effect 20 / 52 / 28 %; parcours 7 %; lycées 20 % know, 10 % contributed,
    # 20 % below expectations.
    intl = published["international"]
    sup = responses.filter(pl.col("category") == "superieur")
    assert sup.height > intl["superieur_respondents_min"]
    for code, expected in intl["intl_strategy"].items():
        assert abs(share(sup, "intl_strategy", int(code)) - expected) <= 1.0
    for code, expected in intl["intl_pia_effect"].items():
        assert abs(share(sup, "intl_pia_effect", int(code)) - expected) <= 1.0
    assert abs(share(sup, "intl_parcours", 1) - intl["intl_parcours"]["1"]) <= 1.0
    lycees = responses.filter(pl.col("category") == "lycee")
    assert abs(share(lycees, "intl_known", 1) - intl["intl_known"]["1"]) <= 1.0
    contributed = 100 * float((lycees["intl_contrib"] == 1).sum()) / lycees.height  # base: all lycées
    assert abs(contributed - intl["intl_contrib"]["1"]) <= 1.0
    assert abs(share(lycees, "intl_below_expect", 1) - intl["intl_below_expect"]["1"]) <= 1.0


def test_group_mix_solved_from_tableau_2(responses: pl.DataFrame) -> None:
    # Tableau 2's « ensemble » column is reproduced by mixing the group columns with these
    # shares (non-negative least squares, worked out with scipy.optimize.nnls):
    # 14.7 % companies, 24.6 % lycées, 12.0 % OF/CFA, 17.1 % higher education, 31.6 % others.
    # × 620 respondents = 91.19, 152.55, 74.59, 105.89, 195.77; floors sum to 617 and the three
    # largest remainders (.89, .77, .59) go to higher education, others and OF/CFA.
    counts = dict(responses.group_by("category").len().iter_rows())
    assert counts == {"entreprise": 91, "lycee": 152, "of_cfa": 75, "superieur": 106, "autre": 196}
    mean_related = responses.select(pl.sum_horizontal(REL).mean()).item()
    # Tableau 2 « ensemble » column summed: 420 % → 4.2 categories on average
    assert mean_related == pytest.approx(4.2, abs=0.05)
