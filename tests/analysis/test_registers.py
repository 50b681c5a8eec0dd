"""Register scores on the hand-made frame (conftest.py) and on the published tables."""

from __future__ import annotations

import math
import tomllib
from dataclasses import replace
from importlib.resources import files

import polars as pl
import pytest

from effipia.analysis.registers import load_rules, register_rows, table_score
from effipia.analysis.scores import respondent_scores

PUBLISHED = tomllib.loads((files("effipia") / "data" / "reference" / "published_cereq_2024.toml").read_text("utf-8"))


def _ensemble(rows: pl.DataFrame, item: str) -> dict:
    return rows.filter((pl.col("item") == item) & (pl.col("domain") == "ensemble")).row(0, named=True)


RULE_A = "share_excl_na"  # shipped alternative: share of positive answers among all but NA


def test_management_item_average_rule_a(tiny: pl.DataFrame) -> None:
    rows = register_rows(tiny, {"mgmt": load_rules(RULE_A)["mgmt"]}, min_n=1)
    mgmt = _ensemble(rows, "mgmt")
    # mgmt_1: base r1 r2 r3 r6 (r4 empty, r5 NA excluded), positive r1 r3 r6 → 75 %
    # mgmt_2: base r1 (8 stays) r3 r4 r5 r6 (r2 NA), positive r3 r4 r6 → 60 %
    # score = (75 + 60) / 2 = 67.5; n = 6 (everyone has one answer in the base)
    assert mgmt["estimate"] == pytest.approx(67.5, abs=1e-12)
    assert mgmt["n"] == 6
    # z_i = ½[(y1-.75)/4 + (y2-.6)/5]: r1 -.02875, r2 -.09375, r3 .07125, r4 .04, r5 -.06,
    # r6 .07125; Σz² = .02496875; SE = sqrt(6/5 · .02496875)
    assert mgmt["se"] == pytest.approx(100 * math.sqrt(6 / 5 * 0.02496875), abs=1e-12)
    assert mgmt["unit"] == "score" and mgmt["statistic"] == "register"


def test_management_item_average_default_graded(tiny: pl.DataFrame) -> None:
    rows = register_rows(tiny, {"mgmt": load_rules()["mgmt"]}, min_n=1)
    mgmt = _ensemble(rows, "mgmt")
    # default: 1 → 100, 2 → 75, 3 → 25, 4 → 0, 8 and 9 → 50
    # mgmt_1: r1 100, r2 25, r3 75, r5 50, r6 100 (r4 empty) → 350 / 5 = 70
    # mgmt_2: r1 50, r2 50, r3 75, r4 100, r5 0, r6 100 → 375 / 6 = 62.5
    # score = (70 + 62.5) / 2 = 66.25; n = 6
    assert mgmt["estimate"] == pytest.approx(66.25, abs=1e-12)
    assert mgmt["n"] == 6
    # on the 0–1 scale, z_i = ½[(y1-.7)/5 + (y2-.625)/6] = k_i / 2400 with k = 47, -133, 37,
    # 75, -173, 147 (r4: mgmt_2 only); Σk² = 78430; SE = sqrt(6/5 · 78430 / 2400²)
    assert mgmt["se"] == pytest.approx(100 * math.sqrt(6 / 5 * 78430 / 2400**2), abs=1e-12)


def test_management_respondent_average(tiny: pl.DataFrame) -> None:
    rule = replace(load_rules(RULE_A)["mgmt"], average="respondent")
    rows = register_rows(tiny, {"mgmt": rule}, min_n=1)
    # rule A: r1 1/2 → 50, r2 0/1 → 0, r3 2/2 → 100, r4 1/1 → 100, r5 0/1 → 0, r6 100; mean 350/6
    assert _ensemble(rows, "mgmt")["estimate"] == pytest.approx(350 / 6, abs=1e-12)
    graded = replace(load_rules()["mgmt"], average="respondent")
    # default: r1 (100+50)/2 = 75, r2 (25+50)/2 = 37.5, r3 75, r4 100, r5 (50+0)/2 = 25, r6 100
    # mean 412.5 / 6 = 68.75 (≠ 66.25 per item: r4 left mgmt_1 empty)
    value = _ensemble(register_rows(tiny, {"mgmt": graded}, min_n=1), "mgmt")["estimate"]
    assert value == pytest.approx(412.5 / 6, abs=1e-12)


def test_respondent_scores(tiny: pl.DataFrame) -> None:
    scores = respondent_scores(tiny)
    # default dyn: oui 100, non 0, NA 50: r1 100, r2 0, r3 50, r4 100, r5 — (empty), r6 100
    assert scores["score_dyn"].to_list() == [100.0, 0.0, 50.0, 100.0, None, 100.0]
    # default mgmt (see test_management_respondent_average)
    assert scores["score_mgmt"].to_list() == [75.0, 37.5, 75.0, 100.0, 25.0, 100.0]
    # registers whose items are absent get no column
    assert "score_lead" not in scores.columns
    # rule A: NA leaves the base: r3 answered only NA to dyn_1 → no score
    rule_a = respondent_scores(tiny, load_rules(RULE_A))
    assert rule_a["score_dyn"].to_list() == [100.0, 0.0, None, 100.0, None, 100.0]
    assert rule_a["score_mgmt"].to_list() == [50.0, 0.0, 100.0, 100.0, 0.0, 100.0]


def test_default_rule_reproduces_the_three_published_means() -> None:
    # Per item: Σ value × printed % / printed row total, then the mean over the items.
    # Tableau 3 (oui 100, NA 50): 79/100, 74/100, 74/100, 76.5/100, 74.5/100, 68/101
    dyn = 100 * (79 / 100 + 74 / 100 + 74 / 100 + 76.5 / 100 + 74.5 / 100 + 68 / 101) / 6
    # Tableau 4 (100, 75, 25, 0; 8 and 9 at 50), printed % × value / 100 per code, e.g.
    # lead_1: 23 + 30 + 1.5 + 0 + 3 + 11.5 = 69; lead_4: 14 + 27.75 + 2.5 + 0 + 5.5 + 12.5 = 62.25
    # over a printed total of 99 (numerators sum to 655.25, the lead's 65.5 unrescaled)
    lead = 100 * (
        69 / 100 + 68 / 100 + 65 / 100 + 62.25 / 99 + 69.5 / 100
        + 67.25 / 100 + 59.25 / 101 + 63.5 / 99 + 65.75 / 100 + 65.75 / 100
    ) / 10
    # Tableau 7, e.g. mgmt_1: 23 + 27.75 + 2.25 + 0 + 4.5 + 9 = 66.5 (numerators sum to 509.5)
    mgmt = 100 * (
        66.5 / 100 + 62.75 / 100 + 68.25 / 100 + 61.5 / 99 + 62.75 / 99
        + 65.75 / 100 + 62.25 / 100 + 59.75 / 101
    ) / 8
    rules = load_rules()
    registers = PUBLISHED["registers"]
    for name, table, by_hand, published in (
        ("dyn", "tableau_3", dyn, registers["dynamics_mean"]),
        ("lead", "tableau_4", lead, registers["leadership_mean"]),
        ("mgmt", "tableau_7", mgmt, registers["management_mean"]),
    ):
        value = table_score(PUBLISHED[table]["rows"], rules[name])
        assert value == pytest.approx(by_hand, abs=1e-9), name
        assert abs(value - published) < 1, name  # 74.2 / 74, 65.6 / 65, 63.8 / 63


def test_rule_a_reproduces_published_management_only() -> None:
    # Tableau 7, « très bonne » + « bonne » among all but NA (base = the printed non-NA
    # columns, which do not always sum to 100 - NA after rounding), per item then averaged:
    # 60/82, 50/80, 62/81, 42/79, 49/79, 57/81, 45/79, 41/79 → mean 63.33 (published 63)
    rules = load_rules(RULE_A)
    value = table_score(PUBLISHED["tableau_7"]["rows"], rules["mgmt"])
    by_hand = 100 * (60 / 82 + 50 / 80 + 62 / 81 + 42 / 79 + 49 / 79 + 57 / 81 + 45 / 79 + 41 / 79) / 8
    assert value == pytest.approx(by_hand, abs=1e-9)
    assert round(value) == PUBLISHED["registers"]["management_mean"]
    # dynamics: oui among oui + non: 65/72, 59/70, 59/70, 61/69, 59/69, 51/67 → 84.8 (published 74)
    dyn = 100 * (65 / 72 + 59 / 70 + 59 / 70 + 61 / 69 + 59 / 69 + 51 / 67) / 6
    assert table_score(PUBLISHED["tableau_3"]["rows"], rules["dyn"]) == pytest.approx(dyn, abs=1e-9)
    assert dyn - PUBLISHED["registers"]["dynamics_mean"] > 10


def test_averaging_modes_agree_when_every_item_is_valued() -> None:
    # with NA and « ne sait pas » scored, a respondent asked the block has a value for every
    # item: per-item and per-respondent averages coincide (docs/scoring.md)
    from effipia.synth import generate

    frame = generate(5, campuses=4).responses
    rules = load_rules()
    for name in ("dyn", "lead", "res_use", "mgmt"):
        by_item = _ensemble(register_rows(frame, {name: rules[name]}, min_n=1), name)["estimate"]
        by_resp = _ensemble(register_rows(frame, {name: replace(rules[name], average="respondent")}, min_n=1), name)["estimate"]
        assert by_item == pytest.approx(by_resp, abs=1e-9), name


def test_user_scoring_file(tmp_path, tiny: pl.DataFrame) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(
        '[registers.dyn]\ntitle = "D"\nitems = ["dyn_1"]\npositive = [1]\nnegative = [2]\nexcluded = []\n',
        encoding="utf-8",
    )
    rules = load_rules(path)
    # NA kept in the base: r1 r2 r3 r4 r6 → 3/5 = 60
    assert _ensemble(register_rows(tiny, rules, min_n=1), "dyn")["estimate"] == pytest.approx(60.0)
    path.write_text(
        '[registers.dyn]\ntitle = "D"\nitems = ["dyn_1"]\nscores = { "1" = 80, "2" = 20 }\n',
        encoding="utf-8",
    )
    # score form, NA (9) without a score leaves the base: r1 80, r2 20, r4 80, r6 80 → 65
    assert _ensemble(register_rows(tiny, load_rules(path), min_n=1), "dyn")["estimate"] == pytest.approx(65.0)


def test_shipped_alternatives_by_name() -> None:
    from effipia.analysis.registers import rule_label, shipped_rule_files
    from effipia.errors import EffipiaError

    names = shipped_rule_files()
    assert {"default", "share_excl_na", "share_excl_na_dk", "share_all"} <= set(names)
    assert rule_label() == rule_label("default") and rule_label()[0] == "D"
    assert load_rules("share_excl_na")["dyn"].scores is None
    assert dict(load_rules()["lead"].scores) == {1: 100.0, 2: 75.0, 3: 25.0, 4: 0.0, 8: 50.0, 9: 50.0}
    with pytest.raises(EffipiaError) as info:
        load_rules("no_such_rule")
    assert info.value.code == "analysis.unknown_scoring"
    assert "share_excl_na" in str(info.value)


@pytest.mark.parametrize(
    "text",
    [
        "[registers.x]\ntitle = 1\n",
        '[registers.x]\ntitle = "X"\nitems = ["dyn_1"]\nscores = { "1" = 120 }\n',
        '[registers.x]\ntitle = "X"\nitems = ["dyn_1"]\nscores = { "oui" = 100 }\n',
        '[registers.x]\ntitle = "X"\nitems = ["dyn_1"]\npositive = [1]\n',
    ],
)
def test_bad_scoring_file(tmp_path, text: str) -> None:
    from effipia.errors import EffipiaError

    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(EffipiaError) as info:
        load_rules(path)
    assert info.value.code == "analysis.bad_scoring_file"


def test_campus_comparison_by_hand() -> None:
    from effipia.analysis.comparison import comparison_rows, extreme_campuses
    from effipia.analysis.layout import conform_rows

    scores = {  # campus → (dyn, lead, res_level_sat, res_level_dissat, res_use, mgmt)
        "A": (80, 70, 60, 40, 50, 40),
        "B": (90, 80, 30, 70, 60, 50),
        "C": (70, 60, 90, 10, 80, 90),
    }
    names = ("dyn", "lead", "res_level_sat", "res_level_dissat", "res_use", "mgmt")
    rows = conform_rows(pl.DataFrame(
        [("register", name, "ensemble", c, float(v[i]), 10, "campus") for c, v in scores.items() for i, name in enumerate(names)],
        schema=["statistic", "item", "group", "campus", "estimate", "n", "domain"], orient="row",
    ))
    out = comparison_rows(rows)
    get = lambda stat, item, campus: out.filter(  # noqa: E731
        (pl.col("statistic") == stat) & (pl.col("item") == item) & (pl.col("campus") == campus))["estimate"][0]
    # profiles: A (80+70+60+50+40)/5 = 60, B (90+80+30+60+50)/5 = 62, C (70+60+90+80+90)/5 = 78
    assert [get("campus_profile", "profile", c) for c in "ABC"] == [60.0, 62.0, 78.0]
    assert [get("campus_profile_rank", "profile", c) for c in "ABC"] == [3.0, 2.0, 1.0]
    # dyn ranks: B 90 → 1, A 80 → 2, C 70 → 3
    assert [get("register_rank", "dyn", c) for c in "ABC"] == [2.0, 1.0, 3.0]
    # satisfaction − dissatisfaction: A 20, B −40, C 80; one campus (B) where dissatisfaction dominates
    assert [get("resources_balance", "sat_minus_dissat", c) for c in "ABC"] == [20.0, -40.0, 80.0]
    assert get("resources_balance", "dissat_dominates", "ensemble") == 1.0
    assert extreme_campuses(out, top=1, bottom=1) == (["C"], ["A"])


def test_campus_profiles_come_in_a_stable_order() -> None:
    # the statistics set of one campaign is the same file on every run and every store
    # backend: profiles follow the campuses' order in the register rows (here C00 … C39),
    # not the order of a hash aggregation
    from effipia.analysis.comparison import comparison_rows
    from effipia.analysis.layout import conform_rows

    names = ("dyn", "lead", "res_level_sat", "res_level_dissat", "res_use", "mgmt")
    campuses = [f"C{i:02d}" for i in range(40)]
    rows = conform_rows(pl.DataFrame(
        [("register", name, "ensemble", c, float(50 + i), 10, "campus") for i, c in enumerate(campuses) for name in names],
        schema=["statistic", "item", "group", "campus", "estimate", "n", "domain"], orient="row",
    ))
    for _ in range(3):
        out = comparison_rows(rows)
        for statistic in ("campus_profile", "campus_profile_rank"):
            assert out.filter(pl.col("statistic") == statistic)["campus"].to_list() == campuses, statistic
