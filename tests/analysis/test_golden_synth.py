"""Golden tests: the statistics set of the synthetic campaign against the published figures.

The synthetic generator (``effipia.synth.generate``, seed 1, 32 campuses) draws answers
whose marginals follow the report; computed through ``compute()`` the annex tables must
land within one point of the published ones (``data/reference/published_cereq_2024.toml``)
and Tableau 2 within two points.
"""

from __future__ import annotations

import tomllib
from importlib.resources import files

import polars as pl
import pytest

from effipia.analysis import compute, headline
from effipia.analysis.compute import write_statistics
from effipia.analysis.layout import STATISTICS_COLUMNS

PUBLISHED = tomllib.loads((files("effipia") / "data" / "reference" / "published_cereq_2024.toml").read_text("utf-8"))


@pytest.fixture(scope="module")
def campaign():
    from effipia.synth import generate

    return generate(1)


@pytest.fixture(scope="module")
def statistics(campaign) -> pl.DataFrame:
    return compute(
        campaign.responses,
        partners=campaign.partners,
        invitations=campaign.invitations,
        campuses=campaign.campuses,
    )


def _ensemble(stats: pl.DataFrame, statistic: str, item: str, answer: str, group: str = "ensemble") -> float:
    hit = stats.filter(
        (pl.col("statistic") == statistic)
        & (pl.col("item") == item)
        & (pl.col("answer") == answer)
        & (pl.col("group") == group)
        & (pl.col("campus") == "ensemble")
    )
    assert hit.height == 1, (statistic, item, answer, group)
    return hit["estimate"][0]


@pytest.mark.parametrize("table", ["tableau_3", "tableau_4", "tableau_5", "tableau_6", "tableau_7", "tableau_8"])
def test_annex_tables_within_one_point(statistics: pl.DataFrame, table: str) -> None:
    published = PUBLISHED[table]["rows"]
    gaps = [
        abs(_ensemble(statistics, table, item, str(code)) - value)
        for item, row in published.items()
        for code, value in row.items()
    ]
    assert len(gaps) == sum(len(r) for r in published.values())
    assert max(gaps) <= 1.0


def test_tableau_2_within_two_points(statistics: pl.DataFrame) -> None:
    published = PUBLISHED["tableau_2"]["rows"]
    gaps = [
        abs(_ensemble(statistics, "tableau_2", item, "1", group) - value)
        for item, row in published.items()
        for group, value in row.items()
    ]
    assert max(gaps) <= 2.0


def _registers(stats: pl.DataFrame, domain: str) -> pl.DataFrame:
    return stats.filter(
        (pl.col("statistic") == "register") & (pl.col("domain") == domain) & (pl.col("group") == "ensemble")
    )


def test_register_means_as_published(statistics: pl.DataFrame) -> None:
    # the default rule (graded, NA and « ne sait pas » at 50) gives the three published means
    # from the annex tables (74.2, 65.6, 63.8: test_registers.py), and the campaign
    # reproduces those tables within a point
    ensemble = dict(_registers(statistics, "ensemble").select("item", "estimate").iter_rows())
    published = PUBLISHED["registers"]
    assert abs(ensemble["dyn"] - published["dynamics_mean"]) <= 1.0
    assert abs(ensemble["lead"] - published["leadership_mean"]) <= 1.0
    assert abs(ensemble["mgmt"] - published["management_mean"]) <= 1.0


def test_campus_ranges_as_published(statistics: pl.DataFrame) -> None:
    # section 6.3: dynamics « variant de 63 à 92 », « une valeur minimale de 60 pour
    # l'ensemble des campus » (Illustration 7); leadership « oscillant de 40 à 79 ». Published
    # ends are whole numbers; ours are read on the same default rule, ±2 points.
    campus = _registers(statistics, "campus")
    published = PUBLISHED["registers"]
    assert campus.filter(pl.col("item") == "dyn").height == 32 and not campus["suppressed"].any()
    dyn = campus.filter(pl.col("item") == "dyn")["estimate"]
    lead = campus.filter(pl.col("item") == "lead")["estimate"]
    assert dyn.min() >= published["dynamics_campus_min_illustration_7"]
    assert abs(dyn.min() - published["dynamics_campus_min"]) <= 2.0
    assert abs(dyn.max() - published["dynamics_campus_max"]) <= 2.0
    assert abs(lead.min() - published["leadership_campus_min"]) <= 2.0
    assert abs(lead.max() - published["leadership_campus_max"]) <= 2.0


def test_related_categories_by_campus_as_published(statistics: pl.DataFrame) -> None:
    # Illustration 4: campus means of the number of related categories « de trois à neuf »
    # (whole numbers): the lowest and highest campus means round to 3 and 9
    means = statistics.filter(
        (pl.col("statistic") == "relations_count") & (pl.col("domain") == "campus") & (pl.col("group") == "ensemble")
    )["estimate"]
    relations = PUBLISHED["relations"]
    assert means.len() == 32
    assert round(means.min()) == relations["campus_mean_categories_min"]
    assert round(means.max()) == relations["campus_mean_categories_max"]


def test_resource_dissatisfaction_dominates_in_two_campuses(statistics: pl.DataFrame) -> None:
    # Illustration 6: « pour deux d'entre eux, le niveau d'insatisfaction domine »
    hit = statistics.filter(
        (pl.col("statistic") == "resources_balance") & (pl.col("item") == "dissat_dominates") & (pl.col("campus") == "ensemble")
    )
    assert hit["estimate"][0] == PUBLISHED["registers"]["campuses_where_dissatisfaction_dominates"]


def test_statistics_set_contract(statistics: pl.DataFrame, tmp_path) -> None:
    assert statistics.columns[:10] == list(STATISTICS_COLUMNS)[:10]
    # no suppressed value is written; every row carries its count (model rows excepted: coefficients)
    sup = statistics.filter(pl.col("suppressed"))
    assert sup.height > 0 and sup["estimate"].null_count() == sup.height
    shares = statistics.filter(pl.col("unit") == "percent")
    assert shares["n"].null_count() == 0
    assert set(statistics["group"]) >= {"ensemble", "entreprise", "lycee", "of_cfa", "superieur", "autre"}
    parquet, csv = write_statistics(statistics, tmp_path)
    back = pl.read_csv(csv, infer_schema=False)
    assert back.height == statistics.height
    assert set(back["suppressed"]) == {"true", "false"}
    assert pl.read_parquet(parquet).height == statistics.height


def test_answer_is_empty_unless_the_estimate_is_a_share(statistics: pl.DataFrame) -> None:
    # issue 4, output contract: `answer` is « the answer code whose share is given, empty when
    # the estimate is not a share of one answer » (model figures, amounts, counts, scores)
    not_shares = statistics.filter(pl.col("unit") != "percent")
    assert not_shares.height > 0
    assert not_shares.filter(pl.col("answer").is_not_null()).select("statistic", "item").unique().rows() == []
    model = statistics.filter(pl.col("statistic") == "model_relations")
    assert {"predicted_count_involved", "predicted_count_not_involved", "predicted_count", "rate_ratio"} <= set(model["item"])
    # one row per statistic × item × answer × domain
    keys = ["statistic", "item", "answer", "group", "campus"]
    assert statistics.select(keys).is_duplicated().sum() == 0


def test_headline_and_extremes(statistics: pl.DataFrame, campaign) -> None:
    lines = headline(statistics, campuses=campaign.campuses)
    text = "\n".join(lines)
    # the headline rounds the default rule's values: 74.3, 65.6, 63.7 on this campaign
    # (74.2, 65.6, 63.8 on the annex tables themselves), printed 74, 66, 64; the report
    # prints 74, 65, 63 (its figures read as truncated: docs/scoring.md)
    ensemble = dict(_registers(statistics, "ensemble").select("item", "estimate").iter_rows())
    for title, item, published in (
        ("Dynamique du partenariat", "dyn", "dynamics_mean"),
        ("Efficacité du leadership", "lead", "leadership_mean"),
        ("Efficacité de la gestion et du management", "mgmt", "management_mean"),
    ):
        assert f"{title} : {round(ensemble[item])}\n" in text + "\n"
        assert abs(round(ensemble[item]) - PUBLISHED["registers"][published]) <= 1
    assert "essentiellement de la collaboration 70\u202f%" in text
    # the generator draws the report's five best campuses (Illustration 7) on top
    # (each printed « lettre (identifiant) »: « ZA (CMQ11) »)
    best = [label.split(" (")[0] for label in lines[-1].split(" : ")[1].split(" ;")[0].split(", ")]
    assert set(best) == set(PUBLISHED["registers"]["best_campuses"])


def test_every_statistic_is_in_the_catalogue(statistics: pl.DataFrame) -> None:
    from effipia.analysis.tables import catalogue

    produced = set(statistics["statistic"])
    assert produced <= set(catalogue()), produced - set(catalogue())
    assert statistics["title"].null_count() == 0
