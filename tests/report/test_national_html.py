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


@pytest.mark.parametrize("number", ["Illustration 1", "Illustration 2", "Illustration 3", "Figure 1", "Figure 2", "Illustration 4", "Illustration 5", "Illustration 6", "Illustration 7"])
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


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n < 2 else many}"


def test_illustration_2_is_the_territories_map_written_from_the_territories(national, territories):
    """Illustration 2 (published title « Les « territoires » des projets lauréats »): the
    Lecture names the campus with the most secondary schools (first identifier on a tie)
    with its counts from the territory indicators; each panel of the map is titled
    « identifiant : positions distinctes » (located metropolitan schools, distinct x/y)."""
    b = block(national, "Illustration 2")
    assert b.caption == "Illustration 2 • Les « territoires » des projets lauréats"
    ind = territories.indicators.sort("campus_id")
    top = ind.filter(pl.col("n_schools") == ind["n_schools"].max()).row(0, named=True)
    assert b.lines["lecture"][0] == (
        f"Lecture : les {_plural(top['n_schools'], 'établissement', 'établissements')} d'enseignement secondaire partenaires du campus "
        f"{top['campus_id']} se répartissent sur {_plural(top['n_departements'], 'département', 'départements')} "
        f"et {_plural(top['n_academies'], 'académie', 'académies')}."
    )
    assert b.lines["source"][0].startswith("Source : registre des partenaires")
    assert any(n.startswith("Positions : ") for n in b.lines["note"])  # commune centroids, said
    schools = territories.schools.filter(pl.col("x_l93").is_not_null() & pl.col("x_l93").is_between(50_000, 1_250_000)
                                         & pl.col("y_l93").is_between(6_030_000, 7_130_000))
    distinct = schools.select("campus_id", "x_l93", "y_l93").unique().group_by("campus_id").len()
    expected = {f"{c} : {n}" for c, n in distinct.iter_rows()}
    assert expected <= set(b.svg_texts)
    # campuses by identifier only: no anonymous letter of Illustrations 4, 6, 7 beside an identifier
    assert not re.search(r"\b[A-Z]{1,2} \(CMQ\d+\)", b.svg_title + " ".join(b.svg_texts))
    for campus_id, n in ind.select("campus_id", "n_schools").iter_rows():
        assert f"{campus_id} : {n} établissement" in b.svg_title  # the alternative text carries every count


def test_illustration_2_degrades_to_a_french_note(statistics, context, territories):
    """No territories computed, or no school located: a paragraph says why, no figure, no crash."""
    import dataclasses

    from effipia.report import build_national
    from effipia.report.model import Paragraph

    def characteristics(ctx):
        report, figures = build_national(statistics, ctx)
        section = next(s for s in report.sections if s.key == "characteristics")
        for fig in figures.values():
            import matplotlib.pyplot as plt

            plt.close(fig)
        return section, figures

    section, figures = characteristics(dataclasses.replace(context, territories=None))
    assert "illustration_2" not in figures
    texts = [b.text for b in section.blocks if isinstance(b, Paragraph)]
    assert any("n'est pas produite : les territoires des campus n'ont pas été calculés" in t for t in texts)
    empty = dataclasses.replace(territories, schools=territories.schools.clear(),
                                indicators=territories.indicators.with_columns(pl.lit(0).alias("n_schools")))
    section, figures = characteristics(dataclasses.replace(context, territories=empty))
    assert "illustration_2" not in figures
    texts = [b.text for b in section.blocks if isinstance(b, Paragraph)]
    assert any("aucun établissement d'enseignement secondaire partenaire n'a pu être localisé" in t for t in texts)
