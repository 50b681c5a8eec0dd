"""The interactive map in headless Chromium with the network off: every school marker shows.

Screenshots are kept under ``artifacts/territories/`` (git-ignored; CI keeps the folder).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from effipia.schema import CAMPUS_COLUMNS, PARTNER_COLUMNS, conform
from effipia.territories import build_territories
from effipia.territories.interactive import interactive_map

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "territories"
# Real lycées: campus R has 4 in Ille-et-Vilaine (exact positions from the annuaire),
# campus L 3 in the Rhône/Ain (département centroids, two of them stacked in the Rhône).
CAMPUS_R = ["0351907H", "0352072M", "0350053T", "0351962T"]
CAMPUS_L = ["0010032E", "0690026D", "0690027E"]

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def page_file(annuaire_path, tmp_path_factory):
    partners = conform(
        pl.DataFrame(
            {
                "partner_id": [f"r{i}" for i in range(4)] + [f"l{i}" for i in range(3)],
                "campus_id": ["R"] * 4 + ["L"] * 3,
                "category": ["lycee"] * 7,
                "partner_type": ["lycee"] * 7,
                "consortium": [1, 0, 0, 0, 1, 0, 0],
                "uai": CAMPUS_R + CAMPUS_L,
            }
        ),
        PARTNER_COLUMNS,
    )
    campuses = conform(
        pl.DataFrame(
            {"campus_id": ["R", "L"], "name": ["Campus Rennes", "Campus Lyon"], "letter": ["A", "B"],
             "filiere": ["F06", "F04"], "support_type": ["lycee", "lycee"]}
        ),
        CAMPUS_COLUMNS,
    )
    result = build_territories(campuses, partners, annuaire=annuaire_path)
    assert result.problems == []
    path = tmp_path_factory.mktemp("html") / "carte_interactive.html"
    return interactive_map(result.campuses, result.schools, result.supports, path)


@pytest.fixture(scope="module")
def browser(chromium):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(
            executable_path=chromium, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
        )
        yield instance
        instance.close()


def test_map_offline_shows_every_school_of_each_campus(browser, page_file):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1100, "height": 850})
    blocked: list[str] = []
    errors: list[str] = []

    def only_files(route):
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    page.route("**/*", only_files)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(page_file.as_uri())
    markers = page.locator("path.effipia-school")
    assert markers.count() == 7
    assert page.locator("#count").text_content() == "7 établissement(s) affiché(s)"
    page.screenshot(path=str(ARTIFACTS / "carte_tous_campus.png"))

    page.select_option("#campus", "R")
    assert markers.count() == 4
    assert page.locator(".effipia-support").count() == 1
    page.screenshot(path=str(ARTIFACTS / "carte_campus_R.png"))

    page.select_option("#campus", "")
    page.select_option("#filiere", "Infrastructures, bâtiment, éco-construction")
    assert markers.count() == 3  # campus L only
    page.screenshot(path=str(ARTIFACTS / "carte_filiere_F04.png"))

    # a popup per school: open the first marker of campus L (Nantua, département centroid)
    markers.first.dispatch_event("click")
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    text = popup.text_content()
    assert "0010032E" in text and "LYCEE POLYVALENT XAVIER BICHAT" in text and "approchée" in text
    page.wait_for_timeout(400)  # let the popup's fade-in end before the screenshot
    page.screenshot(path=str(ARTIFACTS / "carte_popup.png"))

    # the two Lyon lycées share the Rhône centroid: either marker's popup lists both
    markers.nth(2).dispatch_event("click")
    page.wait_for_function("document.querySelector('.leaflet-popup-content').textContent.includes('0690027E')")
    text = page.locator(".leaflet-popup-content").text_content()
    assert "2 établissements au même point" in text and "0690026D" in text and "0690027E" in text

    assert blocked == [] and errors == []
    page.close()


def test_count_of_a_large_campus_is_a_french_number(browser, tmp_path):
    # 1 200 real lycées (the first of the shipped list) in one campus: the count reads « 1 200 »
    # with a narrow no-break space, as effipia.formatting.number(1200) writes it
    from effipia.formatting import number
    from effipia.reference import lycees

    uai = lycees()["uai"].head(1200).to_list()
    partners = conform(
        pl.DataFrame({"partner_id": [f"p{i}" for i in range(1200)], "campus_id": ["G"] * 1200,
                      "category": ["lycee"] * 1200, "uai": uai}),
        PARTNER_COLUMNS,
    )
    campuses = conform(pl.DataFrame({"campus_id": ["G"], "name": ["Grand campus"]}), CAMPUS_COLUMNS)
    result = build_territories(campuses, partners)
    path = interactive_map(result.campuses, result.schools, result.supports, tmp_path / "carte.html")
    page = browser.new_page()
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file://") else route.abort())
    page.goto(path.as_uri())
    assert page.locator("path.effipia-school").count() == 1200
    assert page.locator("#count").text_content() == f"{number(1200)} établissement(s) affiché(s)" == "1\u202f200 établissement(s) affiché(s)"
    page.close()
