"""The national report's HTML, parsed: every table and figure with its number, title,
« Lecture » and « Source »; Tableaux 2 to 8 equal to the statistics set, cell by cell,
rounded as published (decimals of data/analysis/tables.toml: 0, Tableau 8: 2)."""

from __future__ import annotations

import re

import polars as pl
import pytest

from effipia.questionnaire import load_questionnaire

from .htmlparse import block, parse

TABLE_ANSWERS = {  # columns of the published tables (codebook codes), as in tables.toml
    "tableau_3": ["1", "2", "9"],
    "tableau_4": ["1", "2", "3", "4", "8", "9"],
    "tableau_5": ["1", "2"],
    "tableau_6": ["1", "2", "3", "4", "8", "9"],
    "tableau_7": ["1", "2", "3", "4", "8", "9"],
    "tableau_8": ["1", "0"],
}
DECIMALS = {"tableau_8": 2}


def printed(row: dict, digits: int) -> str:
    """The cell as the published report prints it: « s » when suppressed, else the value
    rounded to ``digits`` with a decimal comma (independent of effipia.formatting), then
    the precision marker of the row's flag (« † » imprecise, « ‡ » unreliable)."""
    if row["suppressed"]:
        return "s"
    marker = {"imprecise": "†", "unreliable": "‡"}.get(row.get("precision") or "", "")
    return f"{round(row['estimate'], digits):.{digits}f}".replace(".", ",") + marker


@pytest.fixture(scope="module")
def national(written):
    return parse(written.national_html.read_text(encoding="utf-8"))


def test_document_is_french_and_self_contained(national, written):
    html = written.national_html.read_text(encoding="utf-8")
    assert national.lang == "fr"
    for external in ("<link", "<script", "src=\"http", "href=\"http", "@import", "url(http"):
        assert external not in html
    assert len(national.ids) == len(set(national.ids)), "duplicate ids (several inline SVGs)"


@pytest.mark.parametrize("number", ["Tableau 2", "Tableau 3", "Tableau 4", "Tableau 5", "Tableau 6", "Tableau 7", "Tableau 8",
                                    "Tableau A1", "Tableau A2", "Tableau A3", "Tableau A4", "Tableau A5"])
def test_each_table_has_number_title_lecture_source(national, number):
    b = block(national, number)
    assert b.caption.startswith(number + " • ") and len(b.caption) > len(number) + 5
    assert b.lines["lecture"][0].startswith("Lecture : ")
    assert b.lines["source"][0].startswith("Source : ")
    assert b.col_scopes and set(b.col_scopes) == {"col"}
    assert b.row_scopes and set(b.row_scopes) == {"row"}


@pytest.mark.parametrize("number", ["Illustration 1", "Illustration 3", "Figure 1", "Figure 2", "Illustration 4", "Illustration 5", "Illustration 6", "Illustration 7"])
def test_each_figure_has_number_title_alt_lecture_source(national, number):
    b = block(national, number)
    assert b.kind == "figure" and b.has_svg
    assert b.caption.startswith(number + " • ")
    assert len(b.svg_title) > 40  # the alternative text: title and the values
    assert b.lines["lecture"][0].startswith("Lecture : ")
    assert b.lines["source"][0].startswith("Source : ")


def test_tableau_8_has_its_champ(national):
    assert block(national, "Tableau 8").lines["champ"][0].startswith("Champ : partenaires ayant déclaré")


def test_lecture_of_tableau_2_is_written_from_the_data(national, statistics):
    row = statistics.filter((pl.col("statistic") == "tableau_2") & (pl.col("item") == "rel_1") & (pl.col("group") == "entreprise") & (pl.col("campus") == "ensemble"))
    value = printed(row.row(0, named=True), 0)
    assert block(national, "Tableau 2").lines["lecture"][0] == (
        f"Lecture : {value}\u202f% des entreprises déclarent avoir des relations avec des établissements d'enseignement secondaire."
    )


def test_tableau_2_cells_equal_the_statistics_set(national, statistics):
    b = block(national, "Tableau 2")
    groups = ["entreprise", "lycee", "of_cfa", "superieur", "autre", "ensemble"]
    part = statistics.filter((pl.col("statistic") == "tableau_2") & (pl.col("campus") == "ensemble") & (pl.col("answer") == "1"))
    items = list(dict.fromkeys(part["item"].to_list()))
    assert len(b.rows) == len(items) == 16
    for item, row in zip(items, b.rows, strict=True):
        for g, got in zip(groups, row[1:], strict=True):
            want = part.filter((pl.col("item") == item) & (pl.col("group") == g)).row(0, named=True)
            assert got == printed(want, 0), (item, g)


@pytest.mark.parametrize("name", list(TABLE_ANSWERS))
def test_annex_table_cells_equal_the_statistics_set(national, statistics, name):
    number = "Tableau " + name[-1]
    b = block(national, number)
    digits = DECIMALS.get(name, 0)
    part = statistics.filter((pl.col("statistic") == name) & (pl.col("group") == "ensemble") & (pl.col("campus") == "ensemble"))
    items = list(dict.fromkeys(part["item"].to_list()))
    q = load_questionnaire()
    expected = {}
    for item in items:
        label = q.item(item).label.split(" : ")[0] if name == "tableau_8" else q.item(item).label
        expected[label] = [printed(part.filter((pl.col("item") == item) & (pl.col("answer") == a)).row(0, named=True), digits) for a in TABLE_ANSWERS[name]]
    got = {row[0]: row[1:] for row in b.rows}
    assert got == expected
    if name == "tableau_8":  # published in decreasing order of the PIA effect
        effect = [float(r[1].rstrip("†‡").replace(",", ".")) for r in b.rows if r[1] != "s"]
        assert effect == sorted(effect, reverse=True)
    else:  # questionnaire order
        assert [r[0] for r in b.rows] == list(expected)


def test_tableau_3_published_values_on_the_synthetic_campaign(national):
    # the synthetic campaign is calibrated on the published report: first row 65 / 7 / 28
    assert [c.rstrip("†‡") for c in block(national, "Tableau 3").rows[0][1:]] == ["65", "7", "28"]


def test_summary_is_written_from_the_data(national, statistics):
    text = re.sub(r"\s+", " ", "".join(national.text))
    dyn = statistics.filter((pl.col("statistic") == "register") & (pl.col("item") == "dyn") & (pl.col("group") == "ensemble") & (pl.col("campus") == "ensemble"))["estimate"][0]
    assert f"Dynamique du partenariat : {round(dyn):d} sur 100" in text
