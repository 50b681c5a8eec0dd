"""``effipia report`` end to end (the contract's files), a team's own templates folder
(EFFIPIA_REPORT_TEMPLATES: wording changed, a chapter added, no code touched), and the
workbook (one sheet per table, numbers as numbers, « s » for suppressed cells)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from effipia.cli import app
from effipia.report import build_national, load_texts
from effipia.report.national import Context
from effipia.report.render import render_html

from .htmlparse import block, parse


@pytest.fixture(scope="module")
def store_with_campaign(tmp_path_factory, synthetic, statistics):
    folder = tmp_path_factory.mktemp("cli")
    url = f"sqlite:///{folder / 'effipia.db'}"
    from effipia.store import Store

    with Store(url) as store:
        synthetic.write_to(store)
    statistics.write_parquet(folder / "statistics.parquet")
    return url, folder


def test_report_command_writes_the_contract_files(store_with_campaign, statistics):
    url, folder = store_with_campaign
    out = folder / "rapports"
    counts = statistics.filter((pl.col("statistic") == "tableau_3") & (pl.col("group") == "ensemble") & (pl.col("campus") != "ensemble")).group_by("campus").agg(pl.col("n").max())
    small = counts.sort("n").row(0, named=True)
    result = CliRunner().invoke(app, ["--db", url, "report", "--out", str(out), "--statistics", str(folder / "statistics.parquet"),
                                      "--campus", "CMQ03", "--campus", small["campus"], "--min-n", str(small["n"] + 1)])
    # the small campus is refused (exit 1, reason in French), the other one written
    assert result.exit_code == 1, result.output
    assert f"rapport du campus {small['campus']} non produit : le rapport du campus {small['campus']} n'est pas produit : {small['n']} répondant(s), moins que le minimum de diffusion ({small['n'] + 1})" in result.output
    for name in ("rapport-national.html", "rapport-national.pdf", "rapport-national.xlsx", "campus/CMQ03.html", "campus/CMQ03.pdf"):
        assert (out / name).stat().st_size > 1000, name
    assert not (out / "campus" / f"{small['campus']}.html").exists()
    svgs, pngs = sorted((out / "figures").glob("*.svg")), sorted((out / "figures").glob("*.png"))
    assert len(svgs) >= 8 and [p.stem for p in svgs] == [p.stem for p in pngs]
    from PIL import Image

    with Image.open(pngs[0]) as image:  # 300 dpi
        assert round(image.info["dpi"][0]) == 300


def test_workbook_one_sheet_per_table(written, statistics):
    book = load_workbook(written.workbook, read_only=True)
    names = book.sheetnames
    for n in range(2, 9):
        assert f"Tableau {n}" in names
    rows = list(book["Tableau 3"].iter_rows(values_only=True))
    assert rows[0][0].startswith("Tableau 3 • Dynamique du partenariat")
    first = statistics.filter((pl.col("statistic") == "tableau_3") & (pl.col("item") == "dyn_1") & (pl.col("answer") == "1") & (pl.col("group") == "ensemble") & (pl.col("campus") == "ensemble")).row(0, named=True)
    cell = rows[2][1]
    if first["precision"] in (None, "reliable"):
        assert cell == round(first["estimate"])  # a number, rounded as printed
    assert any(isinstance(r[0], str) and r[0].startswith("Source : ") for r in rows)
    t8 = list(book["Tableau 8"].iter_rows(values_only=True))
    assert any(isinstance(r[0], str) and r[0].startswith("Champ : ") for r in t8)


def test_team_templates_change_wording_and_add_a_chapter(tmp_path: Path, statistics, synthetic, monkeypatch):
    folder = tmp_path / "modeles"
    folder.mkdir()
    (folder / "national.toml").write_text(
        'order = ["summary", "annex_tables", "notre_chapitre"]\n'
        '[tables.tableau_3]\ntitle = "Dynamique partenariale (en %)"\n'
        '[sections.notre_chapitre]\ntitle = "Notre chapitre"\ntemplate = "notre_chapitre.html.j2"\n',
        encoding="utf-8",
    )
    (folder / "notre_chapitre.html.j2").write_text(
        '<section id="{{ section.anchor }}"><h2>{{ section.title }}</h2><p class="maison">Campagne {{ report.meta.campaign }}.</p></section>\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("EFFIPIA_REPORT_TEMPLATES", str(folder))
    texts = load_texts()
    report, _ = build_national(statistics, Context(campaign="vague-2", texts=texts, campuses=synthetic.campuses))
    html = render_html(report, texts)
    parsed = parse(html)
    assert block(parsed, "Tableau 3").caption == "Tableau 3 • Dynamique partenariale (en %)"
    assert [s.key for s in report.sections] == ["summary", "annex_tables", "notre_chapitre"]
    assert "Campagne vague-2." in html and "Notre chapitre" in html
    assert not [b for b in parsed.blocks if b.number == "Tableau 2"]  # its chapter was left out


def test_missing_templates_folder_is_a_french_error(tmp_path, monkeypatch):
    from effipia.errors import EffipiaError

    monkeypatch.setenv("EFFIPIA_REPORT_TEMPLATES", str(tmp_path / "absent"))
    with pytest.raises(EffipiaError, match="n'existe pas"):
        load_texts()
