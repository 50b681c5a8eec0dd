"""Campus-to-campus spreads and planted effects of the default campaign (report section 6).

Scores use the « midpoint » answer scores of ``tests/synth/measures.py``, which are the
default scoring rule's (``data/analysis/scoring.toml``, checked below): with them the
published Tableaux 3, 4 and 7 alone give the report's register means (74, 65, 63), so the
report's campus ranges are read on the same scale. Published ranges are whole numbers; the
campus extremes, which rest on 9 to 40 respondents, must land within 2 points of them.
"""

from __future__ import annotations

import polars as pl
import pytest

from effipia.synth import SyntheticCampaign
from .measures import DYN, LEAD, MGMT, QUALITY, REL, RES_LEVEL, RES_USE, YES_NO, midpoint_score, positive_share


@pytest.fixture(scope="module")
def lettered(campaign: SyntheticCampaign) -> pl.DataFrame:
    return campaign.responses.join(campaign.campuses.select("campus_id", "letter"), on="campus_id")


def test_register_means_follow_from_the_published_tables(lettered: pl.DataFrame, published: dict) -> None:
    # Hand computation on Tableau 3: mean over items of « oui » + NA / 2 = 446 / 6 = 74.3;
    # Tableau 4 with 1, .75, .25, 0, .5, .5: 655.25 / 10 = 65.5; Tableau 7: 509.5 / 8 = 63.7.
    registers = published["registers"]
    assert midpoint_score(lettered, DYN, YES_NO) == pytest.approx(74.3, abs=0.3)
    assert midpoint_score(lettered, LEAD, QUALITY) == pytest.approx(65.5, abs=0.3)
    assert midpoint_score(lettered, MGMT, QUALITY) == pytest.approx(63.7, abs=0.3)
    assert abs(74.3 - registers["dynamics_mean"]) < 1 and abs(65.5 - registers["leadership_mean"]) < 1
    # management as the brief defines it: « très bonne » + « bonne » among answers except NA,
    # averaged over the 8 items (Tableau 7 by hand: 63.2)
    management = positive_share(lettered.with_columns(pl.lit(1).alias("all")), MGMT, [1, 2], "all")["score"].item()
    assert abs(management - registers["management_mean"]) <= 1


def test_measures_mirror_the_default_rule() -> None:
    from effipia.analysis.registers import load_rules

    rules = load_rules()
    assert dict(rules["dyn"].scores) == YES_NO
    for name in ("lead", "mgmt", "res_use"):
        assert dict(rules[name].scores) == QUALITY


def test_campus_ranges_of_dynamics_and_leadership(lettered: pl.DataFrame, published: dict) -> None:
    registers = published["registers"]
    dynamics = midpoint_score(lettered, DYN, YES_NO, by="letter")["score"]
    leadership = midpoint_score(lettered, LEAD, QUALITY, by="letter")["score"]
    # section 6.3: dynamics 63 to 92, never below 60 (Illustration 7); leadership 40 to 79
    assert dynamics.len() == 32
    assert dynamics.min() >= registers["dynamics_campus_min_illustration_7"]
    assert abs(dynamics.min() - registers["dynamics_campus_min"]) <= 2
    assert abs(dynamics.max() - registers["dynamics_campus_max"]) <= 2
    assert abs(leadership.min() - registers["leadership_campus_min"]) <= 2
    assert abs(leadership.max() - registers["leadership_campus_max"]) <= 2


def test_best_and_worst_campuses(lettered: pl.DataFrame, published: dict) -> None:
    # Illustration 7: highest profiles ZA, U, N, J, A; lowest W, Z, H — mean of the five
    # indicators as the default rule scores them (graded answers for dynamics, leadership,
    # management and resource use; share of « satisfaisant » among answers other than NA).
    parts = [midpoint_score(lettered, items, scale, by="letter") for items, scale in
             ((DYN, YES_NO), (LEAD, QUALITY), (MGMT, QUALITY), (RES_USE, QUALITY))]
    parts.append(positive_share(lettered, RES_LEVEL, [1], "letter"))
    table = None
    for i, scores in enumerate(parts):
        scores = scores.rename({"score": f"s{i}"})
        table = scores if table is None else table.join(scores, on="letter")
    ranked = table.select("letter", pl.mean_horizontal(pl.exclude("letter")).alias("mean")).sort("mean", descending=True)
    registers = published["registers"]
    assert set(ranked["letter"].head(5)) == set(registers["best_campuses"])
    assert set(ranked["letter"].tail(3)) == set(registers["worst_campuses"])


def test_two_campuses_where_dissatisfaction_dominates(lettered: pl.DataFrame, published: dict) -> None:
    # Illustration 6: for two campuses the dissatisfaction index exceeds the satisfaction one.
    satisfied = positive_share(lettered, RES_LEVEL, [1], "letter")
    unsatisfied = positive_share(lettered, RES_LEVEL, [2], "letter").rename({"score": "unsatisfied"})
    dominated = satisfied.join(unsatisfied, on="letter").filter(pl.col("unsatisfied") > pl.col("score"))
    assert dominated.height == published["registers"]["campuses_where_dissatisfaction_dominates"]


def test_related_categories_per_campus(lettered: pl.DataFrame, published: dict) -> None:
    # Illustration 4: campus means « de trois à neuf » (whole numbers: the lowest and highest
    # campus means round to 3 and 9); overall mean fixed by Tableau 2 (4.2).
    per_campus = lettered.group_by("letter").agg(pl.sum_horizontal(REL).mean().alias("n"))["n"]
    relations = published["relations"]
    assert per_campus.len() == 32
    assert round(per_campus.min()) == relations["campus_mean_categories_min"]
    assert round(per_campus.max()) == relations["campus_mean_categories_max"]
    overall = lettered.select(pl.sum_horizontal(REL).mean()).item()
    assert overall == pytest.approx(sum(r["ensemble"] for r in published["tableau_2"]["rows"].values()) / 100, abs=0.15)


def test_planted_relation_variety_effects(lettered: pl.DataFrame, published: dict) -> None:
    # Section 6.2: 1.8 categories for a partner neither in the consortium nor concerned,
    # about 6 for lycées, higher education and OF/CFA that are; no effect for companies;
    # « autres » 4.2 in the report's model (5.2 = Tableau 2's « autres » column sum, which wins).
    model = published["relations"]
    counted = lettered.with_columns(
        pl.sum_horizontal(REL).alias("n"),
        ((pl.col("consortium") == 1) | (pl.col("pia_concerned") == 1)).fill_null(False).alias("member"),
    )
    means = {(c, m): v for c, m, v in counted.group_by("category", "member").agg(pl.col("n").mean()).iter_rows()}
    neither = [means[(g, False)] for g in model["model_member_or_concerned_groups"]]
    members = [means[(g, True)] for g in model["model_member_or_concerned_groups"]]
    assert sum(neither) / 3 == pytest.approx(model["model_neither"], abs=0.4)
    assert sum(members) / 3 == pytest.approx(model["model_member_or_concerned"], abs=0.5)
    assert abs(means[("entreprise", True)] - means[("entreprise", False)]) < 0.5
    assert means[("autre", False)] == pytest.approx(5.22, abs=0.01)  # Tableau 2 « autres »: 522 % / 100


def test_illustration_6_readings(lettered: pl.DataFrame, published: dict) -> None:
    # « Lecture » of Illustration 6: campus A's satisfaction index is 70, campus W's
    # dissatisfaction index 37 — read here as shares among all answers (NA in the base, the
    # only reading under which W's 37 can be « dominated »). W has 11 respondents: ±10 points.
    registers = published["registers"]
    by_letter = lettered.group_by("letter").agg(
        pl.mean_horizontal([(pl.col(i) == 1).mean() for i in RES_LEVEL]).alias("satisfied"),
        pl.mean_horizontal([(pl.col(i) == 2).mean() for i in RES_LEVEL]).alias("unsatisfied"),
    )
    a = by_letter.filter(pl.col("letter") == "A").row(0, named=True)
    w = by_letter.filter(pl.col("letter") == "W").row(0, named=True)
    assert abs(100 * a["satisfied"] - registers["resources_satisfaction_campus_A"]) <= 5
    assert abs(100 * w["unsatisfied"] - registers["resources_dissatisfaction_campus_W"]) <= 10
    assert w["unsatisfied"] > w["satisfied"]


def test_management_judged_by_group(lettered: pl.DataFrame) -> None:
    # Section 6.3: partners « extérieurs » (« autre », public actors) judge management more
    # favourably; among companies and training operators, lycées and OF/CFA are more reserved
    # than higher education and companies.
    score = dict(positive_share(lettered, MGMT, [1, 2], "category").iter_rows())
    assert score["autre"] > max(score[g] for g in ("entreprise", "lycee", "of_cfa", "superieur"))
    assert min(score["superieur"], score["entreprise"]) > max(score["lycee"], score["of_cfa"])
