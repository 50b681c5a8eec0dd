"""A campus director in a real browser (Playwright driving Debian's Chromium) against
``effipia serve`` on a free loopback port: logs in, uploads a directory with errors and sees
every problem, uploads a correct one, then sees only their campus; an evaluator opens the
monitoring, audit and national pages. axe-core checks every staff page reached (no
violation of serious or critical impact), in both themes. Screenshots are kept under
``artifacts/web/``."""

from __future__ import annotations

from pathlib import Path

import pytest

from effipia.operations import users as ops
from effipia.store import Store

from utils.axe import run_axe
from .conftest import ROOT, serve, write_campaign

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"
ARTIFACTS = ROOT / "artifacts" / "web"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def login(page, base: str, email: str) -> None:  # noqa: ANN001 - a Playwright page
    page.goto(f"{base}/staff")
    assert page.url.startswith(f"{base}/staff/connexion")
    page.get_by_label("Adresse électronique").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()


@pytest.mark.parametrize("theme", ["effipia", "dsfr"])
def test_a_director_uploads_a_directory_sees_its_problems_then_only_their_campus(chromium: str, tmp_path: Path, theme: str) -> None:
    from playwright.sync_api import sync_playwright

    url = f"sqlite:///{tmp_path / 'effipia.db'}"
    write_campaign(url)
    with Store(url) as store:
        ops.add_user(store, "directrice@aero.example", "director", "CMQ-AERO", PASSWORD)
        ops.add_user(store, "evaluateur@eval.example", "evaluator", None, PASSWORD)
    bad = tmp_path / "annuaire-aero.csv"
    bad.write_text("Nom;Catégorie;Courriel;Campus\nAtelier Dupont;Entreprise;pas-une-adresse;CMQ-AERO\n"
                   "Lycée Monge;Lycée;contact@monge.example;CMQ-BOIS\n", encoding="utf-8")
    good = tmp_path / "annuaire-aero-corrige.csv"
    good.write_text("Nom;Catégorie;Courriel\nAtelier Dupont;Entreprise;contact@dupont.example\n", encoding="utf-8")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    violations: dict[str, list[str]] = {}
    with serve(url, tmp_path, env={"EFFIPIA_DEV": "1", "EFFIPIA_WEB_THEME": theme}) as server, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=ARGS)
        # bypass_csp: only so that axe can be injected; the pages themselves run under their CSP.
        page = browser.new_context(locale="fr-FR", bypass_csp=True).new_page()
        page.goto(f"{server.base_url}/staff/connexion")
        violations["connexion"] = run_axe(page)
        login(page, server.base_url, "directrice@aero.example")
        page.wait_for_url(f"{server.base_url}/staff/campus/CMQ-AERO")
        violations["campus"] = run_axe(page)
        page.screenshot(path=str(ARTIFACTS / f"staff-{theme}-director-campus.png"), full_page=True)

        page.get_by_role("link", name="Déposer l'annuaire des partenaires du campus").click()
        page.get_by_label("Fichier de l'annuaire").set_input_files(str(bad))
        page.get_by_role("button", name="Déposer l'annuaire").click()
        alert = page.get_by_role("alert")
        text = alert.inner_text()
        assert "rien n'a été enregistré" in text
        assert "annuaire-aero.csv:2:Courriel: adresse électronique invalide" in text
        assert "annuaire-aero.csv:3:Campus:" in text
        violations["annuaire-erreurs"] = run_axe(page)
        page.screenshot(path=str(ARTIFACTS / f"staff-{theme}-director-directory-errors.png"), full_page=True)

        page.get_by_label("Fichier de l'annuaire").set_input_files(str(good))
        page.get_by_role("button", name="Déposer l'annuaire").click()
        assert "Annuaire enregistré" in page.get_by_role("status").inner_text()

        page.goto(f"{server.base_url}/staff/campus/CMQ-AERO")
        body = page.locator("body").inner_text()
        assert "Atelier Dupont" in body and "Campus aéronautique" in body
        assert "bois" not in body.lower()
        answer = page.goto(f"{server.base_url}/staff/campus/CMQ-BOIS")
        assert answer.status == 403
        assert "Campus du bois" not in page.content() and "bois.example" not in page.content()
        violations["refus"] = run_axe(page)
        page.screenshot(path=str(ARTIFACTS / f"staff-{theme}-director-other-campus.png"), full_page=True)

        # The evaluator's pages, in a fresh browser context.
        page = browser.new_context(locale="fr-FR", bypass_csp=True).new_page()
        login(page, server.base_url, "evaluateur@eval.example")
        page.wait_for_url(f"{server.base_url}/staff/suivi")
        assert "RR1" in page.locator("body").inner_text()
        for name in ("suivi", "journal", "national"):
            page.goto(f"{server.base_url}/staff/{name}")
            violations[name] = run_axe(page)
            page.screenshot(path=str(ARTIFACTS / f"staff-{theme}-evaluator-{name}.png"), full_page=True)
        browser.close()
    with Store(url) as store:
        assert "Atelier Dupont" in store.partners("vague-web")["name"].to_list()
    assert {name: v for name, v in violations.items() if v} == {}
