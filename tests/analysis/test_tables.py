"""Annex tables 3 to 8 (``effipia.analysis.tables``) on a hand-made frame: rows, columns,
percentage bases (Tableau 5 without NA, Tableau 8 on its « Champ ») and printed precision.

Published layout (report, « Tableaux de l'enquête statistique »): Tableau 3 Oui / Non / NA;
Tableaux 4, 6, 7 four grades, « Ne sait pas », NA; Tableau 5 Satisfaisant / Insuffisant only;
Tableau 8 « un effet du PIA » / « pas d'effet PIA » to two decimals, « Champ : partenaires
ayant déclaré avoir eu connaissance de la réalisation ».
"""

from __future__ import annotations

import polars as pl
import pytest
from statistics_rows import value

from effipia.analysis.tables import catalogue, table_rows, table_specs


@pytest.fixture
def frame() -> pl.DataFrame:
    """Six respondents of one campus (« — » = empty cell).

    ===  ==========  =====  ===========  ============  ===========
    id   category    dyn_1  res_level_1  real_known_1  real_pia_1
    ===  ==========  =====  ===========  ============  ===========
    r1   entreprise  1      1            1             1
    r2   entreprise  2      1            1             0
    r3   lycee       9      2            1             1
    r4   lycee       1      9            0             —  (routing: not asked)
    r5   lycee       —      —            —             —
    r6   of_cfa      1      1            1             —  (asked, no answer)
    ===  ==========  =====  ===========  ============  ===========
    """
    ints = {"dyn_1": [1, 2, 9, 1, None, 1], "res_level_1": [1, 1, 2, 9, None, 1],
            "real_known_1": [1, 1, 1, 0, None, 1], "real_pia_1": [1, 0, 1, None, None, None]}
    return pl.DataFrame(
        {"respondent_id": [f"r{i}" for i in range(1, 7)], "campus_id": ["A"] * 6,
         "category": ["entreprise", "entreprise", "lycee", "lycee", "lycee", "of_cfa"], **ints},
        schema_overrides={k: pl.Int64 for k in ints},
    )


def _ens(rows: pl.DataFrame, statistic: str, item: str, answer: str) -> float:
    return value(rows, statistic=statistic, item=item, answer=answer, group="ensemble", campus="ensemble")


def test_columns_and_precision_as_published() -> None:
    specs = table_specs()
    assert list(specs) == ["tableau_3", "tableau_4", "tableau_5", "tableau_6", "tableau_7", "tableau_8"]
    assert specs["tableau_3"]["answers"] == [1, 2, 9]
    for name in ("tableau_4", "tableau_6", "tableau_7"):
        assert specs[name]["answers"] == [1, 2, 3, 4, 8, 9], name
    assert specs["tableau_5"]["answers"] == [1, 2]
    assert specs["tableau_8"]["answers"] == [1, 0]
    # Tableau 8 printed to two decimals (93,48 / 6,52), the others as whole percentages
    assert {name: catalogue()[name]["decimals"] for name in specs} == {
        "tableau_3": 0, "tableau_4": 0, "tableau_5": 0, "tableau_6": 0, "tableau_7": 0, "tableau_8": 2}


def test_tableau_3_keeps_na_in_the_base(frame: pl.DataFrame) -> None:
    rows = table_rows(frame, tables=["tableau_3"], min_n=1)
    # base: every answer, NA included (r5 empty is out): r1 r2 r3 r4 r6 → n = 5
    # oui r1 r4 r6 → 3/5 = 60 ; non r2 → 20 ; NA r3 → 20 (the row sums to 100)
    assert _ens(rows, "tableau_3", "dyn_1", "1") == pytest.approx(60.0)
    assert _ens(rows, "tableau_3", "dyn_1", "2") == pytest.approx(20.0)
    assert _ens(rows, "tableau_3", "dyn_1", "9") == pytest.approx(20.0)
    assert set(rows.filter(pl.col("domain") == "ensemble")["n"]) == {5}


def test_tableau_5_leaves_na_out(frame: pl.DataFrame) -> None:
    rows = table_rows(frame, tables=["tableau_5"], min_n=1)
    # base without NA: r1 r2 r3 r6 (r4 NA, r5 empty) → n = 4 ; satisfaisant 3/4, insuffisant 1/4
    assert _ens(rows, "tableau_5", "res_level_1", "1") == pytest.approx(75.0)
    assert _ens(rows, "tableau_5", "res_level_1", "2") == pytest.approx(25.0)
    assert set(rows["answer"]) == {"1", "2"}  # no NA column
    assert set(rows.filter(pl.col("domain") == "ensemble")["n"]) == {4}


def test_tableau_8_on_its_champ(frame: pl.DataFrame) -> None:
    rows = table_rows(frame, tables=["tableau_8"], min_n=1)
    # Champ: real_known_1 = 1 → r1 r2 r3 r6; r6 left real_pia_1 empty → base r1 r2 r3, n = 3
    # effet du PIA r1 r3 → 2/3 = 66.67 ; pas d'effet r2 → 33.33
    assert _ens(rows, "tableau_8", "real_pia_1", "1") == pytest.approx(200 / 3)
    assert _ens(rows, "tableau_8", "real_pia_1", "0") == pytest.approx(100 / 3)
    assert set(rows.filter(pl.col("domain") == "ensemble")["n"]) == {3}
    # lycées: only r3 knows → 1/1 = 100 % on n = 1
    lyc = value(rows, item="real_pia_1", answer="1", group="lycee", campus="ensemble")
    assert lyc == pytest.approx(100.0)
    # without the « Champ » column the base cannot be told: no Tableau 8 row
    assert table_rows(frame.drop("real_known_1"), tables=["tableau_8"], min_n=1).height == 0


def test_small_cells_are_suppressed(frame: pl.DataFrame) -> None:
    rows = table_rows(frame, tables=["tableau_8"], min_n=5)
    # n = 3 < 5 everywhere: nothing is written
    assert rows.height > 0 and rows["suppressed"].all() and rows["estimate"].null_count() == rows.height
