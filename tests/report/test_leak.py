"""Disclosure at rendering: on a campaign where many cells fall below the minimum
(min_n = 18: small campuses and small groups suppressed), no suppressed value can be found
in any output — HTML, PDF text (pdftotext), workbook cells, SVG files.

The true values come from the same campaign computed with min_n = 1. A value is searched
as the reports would print it (Tableau 8: two decimals; mean number of categories: one);
values that a published cell also prints are left out of the search (they are legitimately
there), so every remaining hit would be a leak.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import polars as pl
import pytest
from openpyxl import load_workbook

from effipia.analysis import compute
from effipia.report import Context, StatisticsView, load_texts, write_reports

from utils.services import require_service

KEY = ["statistic", "item", "answer", "group", "campus"]
SEARCHED = {"tableau_8": 2, "relations_count": 1}
MIN_N = 18


def _found(candidates: set[str], text: str) -> list[str]:
    """Candidates present in ``text`` as a whole number (not inside a longer one)."""
    numbers = set(re.findall(r"(?<![\d.,])\d+(?:[.,]\d+)?", text))
    return sorted(candidates & numbers)


def _fr(value: float, digits: int) -> str:
    return f"{round(value, digits):.{digits}f}".replace(".", ",")


@pytest.fixture(scope="module")
def leak(tmp_path_factory, synthetic, territories):
    args = dict(partners=synthetic.partners, invitations=synthetic.invitations, campuses=synthetic.campuses)
    full = compute(synthetic.responses, min_n=1, include=["tables", "relations", "registers", "comparison"], **args)
    protected = compute(synthetic.responses, min_n=MIN_N, **args)
    view = StatisticsView(protected)
    campus = max(view.campuses(), key=view.respondents)
    ctx = Context(campaign="fuite", texts=load_texts(), campuses=synthetic.campuses, min_n=MIN_N, territories=territories)
    out = tmp_path_factory.mktemp("leak")
    files = write_reports(view, out, ctx, campuses=[campus], workers=2)
    fill = [pl.col("answer").fill_null("")]
    truth = full.with_columns(fill).select(*KEY, pl.col("estimate").alias("true"))
    hidden = protected.with_columns(fill).filter(pl.col("suppressed")).join(truth, on=KEY)
    published = protected.filter(~pl.col("suppressed"))
    shown_numbers = [v for c in ("estimate", "ci_low", "ci_high") for v in published[c].drop_nulls().to_list()]
    candidates = set()
    for statistic, digits in SEARCHED.items():
        shown = {_fr(v, digits) for v in shown_numbers}
        for v in hidden.filter(pl.col("statistic") == statistic)["true"].drop_nulls().to_list():
            text = _fr(v, digits)
            if text not in shown and v not in (0, 100):
                candidates.add(text)
    # and every hidden value at four decimals (a raw leak: figure data, attributes, titles)
    raw = {f"{v:.4f}" for v in hidden["true"].drop_nulls().to_list() if abs(v * 100 - round(v * 100)) > 1e-6}
    raw -= {f"{v:.4f}" for v in shown_numbers}
    candidates |= raw | {r.replace(".", ",") for r in raw}
    return files, campus, candidates, hidden


def test_the_campaign_has_many_suppressed_cells(leak):
    _, _, candidates, hidden = leak
    assert hidden.height > 1000 and len(candidates) > 200


def _texts(files) -> dict[str, str]:
    out = {"rapport-national.html": files.national_html.read_text(encoding="utf-8")}
    for campus, (html, _pdf) in files.campus.items():
        out[f"campus/{campus}.html"] = html.read_text(encoding="utf-8")
    for svg in (files.folder / "figures").glob("*.svg"):
        out[f"figures/{svg.name}"] = svg.read_text(encoding="utf-8")
    return out


def test_no_suppressed_value_in_html_or_svg(leak):
    files, _, candidates, _ = leak
    for name, text in _texts(files).items():
        found = _found(candidates, text)
        assert not found, f"{name}: {found[:5]}"


def test_no_suppressed_value_in_pdf_text(leak):
    files, campus, candidates, _ = leak
    if not shutil.which("pdftotext"):
        require_service("pdftotext (poppler-utils) not installed")
    for pdf in (files.national_pdf, files.campus[campus][1]):
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        assert text.strip()
        found = _found(candidates, text)
        assert not found, f"{pdf.name}: {found[:5]}"


def test_no_suppressed_value_in_the_workbook(leak):
    files, _, candidates, _ = leak
    numbers = {float(c.replace(",", ".")) for c in candidates}
    book = load_workbook(files.workbook, read_only=True)
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            for value in row:
                if isinstance(value, (int, float)):
                    assert not any(abs(float(value) - x) < 1e-9 for x in numbers), (sheet.title, value)
                elif isinstance(value, str):
                    assert not _found(candidates, value), (sheet.title, value)


def test_suppressed_cells_print_s_with_a_footnote(leak):
    files, campus, _, _ = leak
    html = files.campus[campus][0].read_text(encoding="utf-8")
    assert '<td class="s"><abbr title="secret statistique">s</abbr></td>' in html
    assert f"moins de {MIN_N} répondants" in html
