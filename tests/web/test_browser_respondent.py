"""The questionnaire in a real browser (Playwright driving Debian's Chromium) against
``effipia serve`` started as a subprocess on a free loopback port.

- a respondent of each survey group completes it, stopping halfway and resuming from a
  fresh browser context (SQLite with one worker; PostgreSQL with two workers);
- one run with JavaScript disabled (server-side validation shown next to the field);
- a 360 px phone screen, answered with the keyboard alone;
- axe-core on every respondent page in both themes: no violation of serious or critical
  impact. Screenshots go to ``artifacts/web/``.
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

from effipia.store import Store
from utils.axe import run_axe
from tests.web.conftest import ROOT, Campaign, serve, write_campaign
from tests.web.walk import choose, parse

pytestmark = pytest.mark.browser

ARTIFACTS = ROOT / "artifacts" / "web"
ONE_PER_GROUP = ["AERO-entreprise-2", "AERO-lycee-1", "AERO-of_cfa-1", "AERO-superieur-1", "AERO-autre-1"]
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="module")
def browser(chromium: str) -> Iterator[object]:
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture(scope="module")
def sqlite_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[object, Campaign]]:
    tmp = tmp_path_factory.mktemp("browser-sqlite")
    campaign = write_campaign(f"sqlite:///{tmp / 'effipia.db'}")
    with serve(campaign.url, tmp) as server:
        yield server, campaign


def _screenshot(page, name: str) -> None:  # noqa: ANN001
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


class Checker:
    """Runs axe-core (and takes a screenshot) once per kind of page and theme."""

    def __init__(self, theme: str) -> None:
        self.theme, self.seen, self.failures = theme, set(), {}

    def __call__(self, page, kind: str) -> None:  # noqa: ANN001
        if kind in self.seen:
            return
        self.seen.add(kind)
        _screenshot(page, f"{self.theme}-{kind}")
        found = run_axe(page)
        if found:
            self.failures[kind] = found


def _kind(url: str) -> str:
    tail = url.split("/r/", 1)[-1].split("/", 1)
    return "accueil" if len(tail) == 1 else tail[1].replace("page/", "page-")


def _answer(page, rng: random.Random, chosen: dict, *, keyboard: bool = False) -> None:  # noqa: ANN001
    """Answer the visible page as a careful respondent (see ``walk.choose``)."""
    parsed = parse(page.content())
    form = choose(parsed, rng, chosen, skip=0.15)
    for name, values in form.items():
        for value in values:
            # Through the label, as a person does (the DSFR theme draws its own boxes over the inputs).
            box = page.locator(f"input[name='{name}'][value='{value}']")
            page.locator(f"label[for='{box.get_attribute('id')}']").click()
            assert box.is_checked()


def _go(page, action: str) -> None:  # noqa: ANN001
    with page.expect_navigation():
        page.click(f"button[name='action'][value='{action}']")


def _run(browser, base: str, token: str, rng: random.Random, *, stop_after: int | None,
         check: Checker | None = None, javascript: bool = True, viewport: dict | None = None) -> dict:  # noqa: ANN001
    """Open the link in a fresh context and answer; stop after ``stop_after`` pages (saving
    with « continuer plus tard ») or go through review and submission. Returns the answers."""
    context = browser.new_context(java_script_enabled=javascript, bypass_csp=check is not None,
                                  viewport=viewport or {"width": 1280, "height": 900}, locale="fr-FR")
    page = context.new_page()
    chosen: dict = {}
    try:
        page.goto(f"{base}/r/{token}")
        if check:
            check(page, _kind(page.url))
        if "/page/" not in page.url and "/relecture" not in page.url:  # the welcome page
            page.click("text=Commencer le questionnaire")
        saved = 0
        while "/page/" in page.url:
            if check:
                check(page, _kind(page.url))
            if stop_after is not None and saved == stop_after:
                _answer(page, rng, chosen)
                _go(page, "pause")
                assert "Vos réponses sont enregistrées" in page.content()
                if check:
                    check(page, "enregistre")
                return chosen
            _answer(page, rng, chosen)
            _go(page, "next")
            saved += 1
        assert page.url.endswith("/relecture"), page.url
        if check:
            check(page, "relecture")
        page.click("text=Envoyer mes réponses")
        page.wait_for_url("**/merci")
        assert "Merci pour votre participation" in page.content()
        if check:
            check(page, "merci")
        return chosen
    finally:
        context.close()


def _stored(url: str, campaign: str, partner: str) -> dict:
    with Store(url) as store:
        rows = store.responses(campaign).filter(pl.col("respondent_id") == partner).to_dicts()
    assert len(rows) == 1, partner
    return {k: v for k, v in rows[0].items() if v is not None}


def _expected(entered: dict) -> dict:
    from effipia.questionnaire import load_questionnaire

    order = [c.code for c in load_questionnaire().item("expectations").choices]
    out = {}
    for name, values in entered.items():
        out[name] = " ".join(sorted(values, key=order.index)) if name == "expectations" else int(values[0])
    return out


def _complete_each_group(browser, base: str, campaign: Campaign, check: Checker | None = None) -> None:  # noqa: ANN001
    for partner in ONE_PER_GROUP:
        token = campaign.tokens[partner]
        rng = random.Random(partner)
        entered = _run(browser, base, token, rng, stop_after=3, check=check)
        # A fresh context (another device, no cookie, no local storage): the same link
        # opens at the fourth page and the questionnaire goes on from there.
        entered.update(_run(browser, base, token, rng, stop_after=None, check=check))
        stored = _stored(campaign.url, campaign.name, partner)
        assert {k: stored[k] for k in _expected(entered)} == _expected(entered), partner
        asked = {k for k in stored if k not in ("respondent_id", "campus_id", "category", "partner_type",
                                                "consortium", "pia_concerned")}
        assert asked == set(_expected(entered)) - {"consortium"}, partner


def test_each_group_completes_with_a_stop_and_a_resume_and_passes_axe(browser, sqlite_server) -> None:  # noqa: ANN001
    server, campaign = sqlite_server
    check = Checker("effipia")
    _complete_each_group(browser, server.base_url, campaign, check)
    # The other respondent pages: refusal, privacy notice, accessibility statement, errors.
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    for path, kind in ((f"/r/{campaign.tokens['BOIS-lycee-1']}/refus", "refus"), ("/confidentialite", "confidentialite"),
                       ("/accessibilite", "accessibilite"), ("/r/inconnu-mais-assez-long", "introuvable")):
        page.goto(server.base_url + path)
        check(page, kind)
    context.close()
    assert {"accueil", "page-structure", "page-grp_exp", "page-grp_intl", "relecture", "merci", "enregistre"} <= check.seen
    assert check.failures == {}


def test_without_javascript_errors_show_next_to_the_field(browser, sqlite_server) -> None:  # noqa: ANN001
    server, campaign = sqlite_server
    token = campaign.tokens["BOIS-superieur-1"]
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{server.base_url}/r/{token}")
    page.click("text=Commencer le questionnaire")
    boxes = page.locator("input[name='expectations']")
    for i in range(5):
        boxes.nth(i).check()
    _go(page, "next")
    error = page.locator("#e-expectations")
    assert error.inner_text() == "Vous avez coché 5 réponses : 4 au plus."
    assert page.locator("#erreurs").is_visible()
    assert page.locator("input[name='expectations']:checked").count() == 5  # what was entered is kept
    _screenshot(page, "effipia-sans-js-erreur")
    boxes.nth(4).uncheck()
    _go(page, "next")
    assert page.url.endswith("/page/grp_rel")
    context.close()
    # Without JavaScript, a question conditioned on its own page is shown with its condition.
    rng = random.Random(3)
    entered = _run(browser, server.base_url, token, rng, stop_after=None, javascript=False)
    stored = _stored(campaign.url, campaign.name, "BOIS-superieur-1")
    assert {k: stored[k] for k in _expected(entered)} == _expected(entered)


def test_phone_screen_and_keyboard_alone(browser, sqlite_server) -> None:  # noqa: ANN001
    server, campaign = sqlite_server
    token = campaign.tokens["BOIS-autre-1"]
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(f"{server.base_url}/r/{token}")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    # Keyboard only: Tab to « Commencer », Enter; on each page Space on the first radio of
    # every question, Enter on « Page suivante ».
    _tab_to(page, lambda el: el["text"] == "Commencer le questionnaire")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    pages = 0
    while "/page/" in page.url:
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 360, page.url
        if pages == 0:
            _screenshot(page, "effipia-360px")
        answered: set[str] = set()
        for _ in range(200):
            el = _tab(page)
            if el["tag"] == "INPUT" and el["type"] == "radio" and el["name"] not in answered:
                assert el["outline"] != "none", "focus not visible"
                page.keyboard.press("Space")
                answered.add(el["name"])
            elif el["tag"] == "BUTTON" and el["value"] == "next":
                assert el["outline"] != "none", "focus not visible"
                with page.expect_navigation():
                    page.keyboard.press("Enter")
                break
        pages += 1
    assert page.url.endswith("/relecture") and pages == 8
    _tab_to(page, lambda el: el["text"] == "Envoyer mes réponses")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/merci")
    context.close()
    stored = _stored(campaign.url, campaign.name, "BOIS-autre-1")
    assert stored["rel_1"] == 1 and stored["collab"] == 1  # the first answer of each question


def _tab(page) -> dict:  # noqa: ANN001
    page.keyboard.press("Tab")
    return page.evaluate(
        """() => { const el = document.activeElement; const style = getComputedStyle(el);
        return {tag: el.tagName, type: el.type || '', name: el.name || '', value: el.value || '',
                text: (el.innerText || '').trim(), outline: style.outlineStyle}; }"""
    )


def _tab_to(page, wanted) -> None:  # noqa: ANN001
    for _ in range(100):
        if wanted(_tab(page)):
            return
    raise AssertionError("element not reached with Tab")


def test_dsfr_theme_passes_axe_on_every_respondent_page(browser, tmp_path: Path) -> None:  # noqa: ANN001
    campaign = write_campaign(f"sqlite:///{tmp_path / 'effipia.db'}")
    check = Checker("dsfr")
    with serve(campaign.url, tmp_path, env={"EFFIPIA_WEB_THEME": "dsfr"}) as server:
        for partner in ("AERO-entreprise-2", "AERO-lycee-1"):
            rng = random.Random(partner)
            _run(browser, server.base_url, campaign.tokens[partner], rng, stop_after=2, check=check)
            _run(browser, server.base_url, campaign.tokens[partner], rng, stop_after=None, check=check)
        context = browser.new_context(bypass_csp=True)
        page = context.new_page()
        for path, kind in ((f"/r/{campaign.tokens['BOIS-lycee-1']}/refus", "refus"), ("/confidentialite", "confidentialite"),
                           ("/accessibilite", "accessibilite")):
            page.goto(server.base_url + path)
            check(page, kind)
        # The vendored DSFR stylesheets are served and applied (Marianne, DSFR's blue buttons).
        assert "Marianne" in page.evaluate("() => getComputedStyle(document.body).fontFamily")
        context.close()
    assert len([k for k in check.seen if k.startswith("page-")]) >= 11
    assert check.failures == {}


def test_postgresql_with_two_workers(browser, tmp_path: Path, postgres_url: str) -> None:  # noqa: ANN001
    campaign = write_campaign(postgres_url)
    with serve(campaign.url, tmp_path, workers=2) as server:
        _complete_each_group(browser, server.base_url, campaign)
        log = server.log.read_text()
    assert log.count("Started server process") == 2
    for token in campaign.tokens.values():
        assert token not in log  # no personal token in the server's log
