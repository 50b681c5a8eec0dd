"""The PDFs as a reader gets them and the HTML in a real browser.

First pages of the national and one campus PDF rendered to PNG by ``pdftoppm`` and a campus
HTML screenshotted in headless Chromium, all kept under ``artifacts/reports/`` for a person
to look at; checked non-blank. Page counts, table of contents with page numbers, running
headers, bookmarks (outline), tagging (PDF/UA); axe-core on the HTML reports.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from utils.services import require_service

from .conftest import ARTIFACTS

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        require_service(f"{name} (poppler-utils) not installed")
    return path


def _ink(png: Path) -> float:
    """Share of pixels that are not white."""
    image = Image.open(png).convert("L")
    histogram = image.histogram()
    return 1 - sum(histogram[245:]) / sum(histogram)


def _pages(pdf: Path) -> int:
    info = subprocess.run([_tool("pdfinfo"), str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Tagged:\s+yes", info, re.M), "PDF not tagged"
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


@pytest.mark.parametrize("which", ["national", "campus"])
def test_first_pages_render_to_png(written, which):
    pdf = written.national_pdf if which == "national" else written.campus["CMQ01"][1]
    pages = _pages(pdf)
    assert pages >= (12 if which == "national" else 6)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    prefix = ARTIFACTS / f"{which}-page"
    subprocess.run([_tool("pdftoppm"), "-r", "60", "-png", "-f", "1", "-l", "3", str(pdf), str(prefix)], check=True)
    rendered = sorted(ARTIFACTS.glob(f"{which}-page-*.png"))
    assert len(rendered) >= 3
    for png in rendered[:3]:
        assert _ink(png) > 0.01, f"{png.name} looks blank"


def test_toc_page_numbers_running_headers_and_bookmarks(written):
    from pypdf import PdfReader

    text = subprocess.run([_tool("pdftotext"), "-layout", str(written.national_pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = text.split("\f")
    toc = re.findall(r"^\s*(.+?)\s*\.{5,}\s*(\d+)\s*$", pages[0], re.M)
    assert len(toc) >= 8
    numbers = [int(n) for _, n in toc]
    assert numbers == sorted(numbers) and numbers[-1] > 5
    # the page a TOC entry names holds that section's title
    title, page = toc[-1]
    assert title.strip()[:20] in re.sub(r"\s+", " ", pages[int(page) - 1])
    assert "Effipia — rapport national, campagne synthetique" in pages[1]
    total = len([p for p in pages if p.strip()])
    assert f"Page 2 / {total}" in pages[1]
    reader = PdfReader(written.national_pdf)
    outline = [o.title for o in reader.outline if not isinstance(o, list)]
    assert "Tableaux de l'enquête statistique" in outline and "Annexe méthodologique" in outline
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root and root["/Lang"] == "fr"


@pytest.mark.browser
def test_campus_html_in_chromium_with_axe(written, chromium):
    from playwright.sync_api import sync_playwright

    from utils.axe import WCAG_21_AA, run_axe

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=ARGS)
        page = browser.new_page(viewport={"width": 1100, "height": 1400})
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort())
        failed = []
        page.on("requestfailed", lambda r: failed.append(r.url))
        for name, path in (("campus", written.campus["CMQ01"][0]), ("national", written.national_html)):
            page.goto(path.as_uri())
            assert page.locator("table").count() >= 5 and page.locator("svg[role=img]").count() >= 1
            shot = ARTIFACTS / f"{name}-html.png"
            page.screenshot(path=str(shot), full_page=False)
            assert _ink(shot) > 0.01
            violations = run_axe(page, tags=WCAG_21_AA)
            assert violations == [], f"{name}: {violations}"
        assert failed == []  # self-contained: nothing requested outside the file
        browser.close()
