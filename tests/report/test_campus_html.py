"""A campus feedback report, parsed: comparisons, distribution chart, item detail, Tableau 8
for the campus, response rates; it names no other campus; « différent » only where the
interval excludes zero."""

from __future__ import annotations

import re

import polars as pl
import pytest

from effipia.report.comparisons import compare, comparison_groups
from effipia.report.statistics import StatisticsView

from .htmlparse import parse


@pytest.fixture(scope="module")
def campus_html(written):
    return written.campus["CMQ01"][0].read_text(encoding="utf-8")


def test_campus_report_blocks(campus_html):
    p = parse(campus_html)
    tables = [b for b in p.blocks if b.kind == "table"]
    figures = [b for b in p.blocks if b.kind == "figure"]
    assert len(figures) == 1 and figures[0].has_svg and "votre campus" in figures[0].svg_title.lower()
    assert len(tables) >= 3 + 5 + 4  # 3 comparison groups, 5 registers' items, relations, effects, collab, response
    for b in p.blocks:
        assert b.caption.startswith(b.number + " • ")
        assert b.lines["lecture"][0].startswith("Lecture : ") and b.lines["source"][0].startswith("Source : ")


def test_names_no_other_campus(campus_html, synthetic):
    text = campus_html
    for row in synthetic.campuses.iter_rows(named=True):
        if row["campus_id"] == "CMQ01":
            continue
        assert row["campus_id"] not in text
        assert row["name"] not in text


def test_registers_table_matches_the_comparison(campus_html, statistics, synthetic):
    view = StatisticsView(statistics)
    filieres = dict(zip(synthetic.campuses["campus_id"], synthetic.campuses["filiere"], strict=True))
    members = comparison_groups(view, "CMQ01", "dyn", filieres)["all"]
    c = compare(view, "CMQ01", "dyn", "all", members)
    p = parse(campus_html)
    table = next(b for b in p.blocks if "comparés aux autres campus" in b.caption)
    row = next(r for r in table.rows if r[0] == "Dynamique du partenariat")
    assert row[1].rstrip("†‡") == str(round(c.campus_score)) and row[2] == str(round(c.reference))
    sign = "+" if round(c.diff) > 0 else ("\u2212" if round(c.diff) < 0 else "")
    assert row[3] == f"{sign}{abs(round(c.diff))}"
    assert row[6].startswith("différent") == c.established


def test_differs_only_where_the_interval_excludes_zero(campus_html):
    text = re.sub(r"\s+", " ", "".join(parse(campus_html).text))
    for sentence in re.findall(r"Pour l'indicateur[^.]*\.", text):
        low, high = re.search(r"IC 95 % : ([+−]?[\d,]+) à ([+−]?[\d,]+)", sentence).groups()
        lo, hi = (float(x.replace("−", "-").replace(",", ".")) for x in (low, high))
        assert ("différent" in sentence) == (lo > 0 or hi < 0), sentence


def test_tableau_8_for_the_campus(campus_html, statistics):
    p = parse(campus_html)
    table = next(b for b in p.blocks if "Effet du PIA" in b.caption)
    part = statistics.filter((pl.col("statistic") == "tableau_8") & (pl.col("campus") == "CMQ01") & (pl.col("group") == "ensemble") & (pl.col("answer") == "1"))
    shown = [r[1] for r in table.rows]
    assert len(shown) == part.height
    if part["suppressed"].any():
        assert "s" in shown and any("secret statistique" in n for n in table.lines.get("note", []))
