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


def test_management_item_average(tiny: pl.DataFrame) -> None:
    rows = register_rows(tiny, {"mgmt": load_rules()["mgmt"]}, min_n=1)
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


def test_management_respondent_average(tiny: pl.DataFrame) -> None:
    rule = replace(load_rules()["mgmt"], average="respondent")
    rows = register_rows(tiny, {"mgmt": rule}, min_n=1)
    # r1 1/2 → 50, r2 0/1 → 0, r3 2/2 → 100, r4 1/1 → 100, r5 0/1 → 0, r6 100; mean 350/6
    assert _ensemble(rows, "mgmt")["estimate"] == pytest.approx(350 / 6, abs=1e-12)


def test_respondent_scores(tiny: pl.DataFrame) -> None:
    scores = respondent_scores(tiny)
    # dyn: positive code 1, NA excluded: r1 100, r2 0, r3 — (NA only), r4 100, r5 —, r6 100
    assert scores["score_dyn"].to_list() == [100.0, 0.0, None, 100.0, None, 100.0]
    assert scores["score_mgmt"].to_list() == [50.0, 0.0, 100.0, 100.0, 0.0, 100.0]
    # registers whose items are absent get no column
    assert "score_lead" not in scores.columns


def test_default_rule_reproduces_published_management() -> None:
    # Tableau 7, « très bonne » + « bonne » among all but NA (base = the printed non-NA
    # columns, which do not always sum to 100 - NA after rounding), per item then averaged:
    # 60/82, 50/80, 62/81, 42/79, 49/79, 57/81, 45/79, 41/79 → mean 63.33 (published 63)
    value = table_score(PUBLISHED["tableau_7"]["rows"], load_rules()["mgmt"])
    by_hand = 100 * (60 / 82 + 50 / 80 + 62 / 81 + 42 / 79 + 49 / 79 + 57 / 81 + 45 / 79 + 41 / 79) / 8
    assert value == pytest.approx(by_hand, abs=1e-9)
    assert round(value) == PUBLISHED["registers"]["management_mean"]


def test_user_scoring_file(tmp_path, tiny: pl.DataFrame) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(
        '[registers.dyn]\ntitle = "D"\nitems = ["dyn_1"]\npositive = [1]\nnegative = [2]\nexcluded = []\n',
        encoding="utf-8",
    )
    rules = load_rules(path)
    # NA kept in the base: r1 r2 r3 r4 r6 → 3/5 = 60
    assert _ensemble(register_rows(tiny, rules, min_n=1), "dyn")["estimate"] == pytest.approx(60.0)


def test_bad_scoring_file(tmp_path) -> None:
    from effipia.errors import EffipiaError

    path = tmp_path / "bad.toml"
    path.write_text("[registers.x]\ntitle = 1\n", encoding="utf-8")
    with pytest.raises(EffipiaError) as info:
        load_rules(path)
    assert info.value.code == "analysis.bad_scoring_file"


def test_scoring_doc_table_matches_rules() -> None:
    """Every value of the distance table in docs/scoring.md is what the rules give."""
    from pathlib import Path

    from babel.numbers import format_decimal

    doc = (Path(__file__).resolve().parents[2] / "docs" / "scoring.md").read_text(encoding="utf-8")
    tables = {"dyn": "tableau_3", "lead": "tableau_4", "mgmt": "tableau_7", "res_use": "tableau_6",
              "res_level_sat": "tableau_5", "res_level_dissat": "tableau_5"}
    rules = load_rules()
    for name, table in tables.items():
        line = next(row for row in doc.splitlines() if f"(`{name}`)" in row)
        for excluded in ((9,), (8, 9), ()):
            value = table_score(PUBLISHED[table]["rows"], replace(rules[name], excluded=excluded))
            assert format_decimal(round(value, 1), format="0.0", locale="fr_FR") in line, (name, excluded)


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
