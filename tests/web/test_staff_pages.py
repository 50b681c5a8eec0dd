"""Staff pages through the application (TestClient over https, as behind the TLS proxy):
login with CSRF, director's space confined to their campus, directory upload with every
problem shown, monitoring with AAPOR rates and exports, funder's national view, audit log."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import openpyxl
import polars as pl
import pytest
from fastapi.testclient import TestClient

from effipia.operations import users as ops
from effipia.store import Store
from effipia.web import create_app

from .conftest import CAMPAIGN, Campaign, web_settings, write_campaign

PASSWORD = "correct horse battery staple"
ACCOUNTS = {
    "eval@x.example": ("evaluator", None),
    "dir.aero@x.example": ("director", "CMQ-AERO"),
    "dir.bois@x.example": ("director", "CMQ-BOIS"),
    "funder@x.example": ("funder", None),
}


def add_accounts(url: str) -> None:
    with Store(url) as store:
        for email, (role, campus) in ACCOUNTS.items():
            ops.add_user(store, email, role, campus, PASSWORD)


@pytest.fixture
def staff_campaign(sqlite_url: str) -> Campaign:
    campaign = write_campaign(sqlite_url)
    add_accounts(sqlite_url)
    return campaign


@pytest.fixture
def app_client(staff_campaign: Campaign) -> Iterator[TestClient]:
    app = create_app(web_settings(staff_campaign.url, disclosure_min=3))
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        yield client
    app.state.store.close()


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def login(client: TestClient, email: str, password: str = PASSWORD):
    form = client.get("/staff/connexion")
    return client.post("/staff/connexion", data={"email": email, "password": password, "csrf_token": csrf_of(form.text),
                                                 "suite": "/staff"})


def test_login_sets_a_secure_httponly_samesite_session_and_needs_csrf(app_client: TestClient) -> None:
    form = app_client.get("/staff/connexion")
    assert form.status_code == 200
    # Without the form's token: refused, no session.
    refused = app_client.post("/staff/connexion", data={"email": "eval@x.example", "password": PASSWORD, "csrf_token": "x"})
    assert refused.status_code == 403 and "effipia_staff" not in refused.headers.get("set-cookie", "")
    wrong = login(app_client, "eval@x.example", "not the password")
    assert wrong.status_code == 401 and "Courriel ou mot de passe incorrect." in wrong.text
    ok = login(app_client, "eval@x.example")
    assert ok.status_code == 303 and ok.headers["location"] == "/staff"
    cookie = next(c for c in ok.headers.get_list("set-cookie") if c.startswith("effipia_staff="))
    flags = {part.strip().lower() for part in cookie.split(";")}
    assert {"secure", "httponly", "samesite=lax"} <= flags
    assert app_client.get("/staff").headers["location"] == "/staff/suivi"
    page = app_client.get("/staff/suivi")
    assert page.status_code == 200 and "RR1" in page.text and "<svg" in page.text
    # Logging out needs the session's CSRF token too.
    assert app_client.post("/staff/deconnexion", data={"csrf_token": "forged"}).status_code == 403
    assert app_client.post("/staff/deconnexion", data={"csrf_token": csrf_of(page.text)}).status_code == 303


def test_a_director_sees_only_their_campus_and_no_individual_answer(app_client: TestClient, staff_campaign: Campaign) -> None:
    with Store(staff_campaign.url) as store:  # one partner of AERO finished, one refused
        invitations = store.invitations(CAMPAIGN)
        done = invitations.filter(pl.col("partner_id").is_in(["AERO-entreprise-1", "AERO-lycee-1"])).with_columns(
            pl.when(pl.col("partner_id") == "AERO-entreprise-1").then(pl.lit("submitted")).otherwise(pl.lit("refused")).alias("status")
        )
        store.write_invitations(CAMPAIGN, done)
    login(app_client, "dir.aero@x.example")
    assert app_client.get("/staff").headers["location"] == "/staff/campus/CMQ-AERO"
    own = app_client.get("/staff/campus/CMQ-AERO")
    assert own.status_code == 200
    assert "Structure entreprise 1 (aero)" in own.text  # who was invited
    assert "bois" not in own.text.lower()
    # Two respondents in the campus (< 3): every respondent count of the campus is a statistical secret.
    assert own.text.count("secret statistique (moins de 3 répondants)") >= 1
    assert "submitted" not in own.text and "refused" not in own.text
    other = app_client.get("/staff/campus/CMQ-BOIS")
    assert other.status_code == 403 and "Campus du bois" not in other.text and "bois.example" not in other.text
    for path in ("/staff/suivi", "/staff/journal", "/staff/national", "/staff/suivi/avancement.csv"):
        assert app_client.get(path).status_code == 403, path


def test_directory_upload_shows_every_problem_and_writes_nothing_then_imports(app_client: TestClient, staff_campaign: Campaign) -> None:
    login(app_client, "dir.aero@x.example")
    form = app_client.get("/staff/campus/CMQ-AERO/annuaire")
    token = csrf_of(form.text)
    bad = "Nom;Catégorie;Courriel;Campus\nAtelier Dupont;Entreprise;pas-une-adresse;CMQ-AERO\nLycée Monge;Lycée;contact@monge.example;CMQ-BOIS\n"
    with Store(staff_campaign.url) as store:
        before = store.partners(CAMPAIGN)
    page = app_client.post("/staff/campus/CMQ-AERO/annuaire", data={"csrf_token": token, "campaign": CAMPAIGN},
                           files={"fichier": ("annuaire-aero.csv", bad.encode("utf-8"), "text/csv")})
    assert page.status_code == 422
    problems = re.findall(r"<code>(annuaire-aero\.csv:\d+:[^<]*)</code>", page.text)
    assert len(problems) >= 2, page.text
    assert any(p.startswith("annuaire-aero.csv:3:") for p in problems)  # the other campus's row is refused
    with Store(staff_campaign.url) as store:
        assert store.partners(CAMPAIGN).equals(before)  # nothing written
    good = "Nom;Catégorie;Courriel\nAtelier Dupont;Entreprise;contact@dupont.example\n"
    page = app_client.post("/staff/campus/CMQ-AERO/annuaire", data={"csrf_token": token, "campaign": CAMPAIGN},
                           files={"fichier": ("annuaire-aero.csv", good.encode("utf-8"), "text/csv")})
    assert page.status_code == 200 and "Annuaire enregistré" in page.text
    with Store(staff_campaign.url) as store:
        added = store.partners(CAMPAIGN).filter(pl.col("name") == "Atelier Dupont")
        assert added["campus_id"].to_list() == ["CMQ-AERO"]
        assert "partners.import" in store.audit_log()["action"].to_list()
    # Without the CSRF token the upload is refused.
    refused = app_client.post("/staff/campus/CMQ-AERO/annuaire", data={"campaign": CAMPAIGN},
                              files={"fichier": ("a.csv", good.encode(), "text/csv")})
    assert refused.status_code == 403


def test_monitoring_rates_and_exports_for_evaluators(app_client: TestClient, staff_campaign: Campaign) -> None:
    with Store(staff_campaign.url) as store:
        invitations = store.invitations(CAMPAIGN)
        changed = invitations.filter(pl.col("partner_id").is_in(["AERO-entreprise-1", "AERO-entreprise-2", "AERO-lycee-1"]))
        changed = changed.with_columns(
            pl.when(pl.col("partner_id") == "AERO-lycee-1").then(pl.lit("refused")).otherwise(pl.lit("submitted")).alias("status")
        )
        store.write_invitations(CAMPAIGN, changed)
        store.write_mail_sends(CAMPAIGN, [{"partner_id": "AERO-autre-1", "kind": "invitation", "recipient": "autre1@aero.example",
                                           "outcome": "bounced", "smtp_code": 550, "smtp_reply": "no such user"}])
    login(app_client, "eval@x.example")
    csv = app_client.get(f"/staff/suivi/avancement.csv?campaign={CAMPAIGN}")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    table = pl.read_csv(io.BytesIO(csv.content))
    row = table.filter((pl.col("campus_id") == "CMQ-AERO") & (pl.col("group") == "entreprise")).row(0, named=True)
    # Hand-worked: 2 entreprise invitations of AERO, both complete -> RR1 = 2/2.
    assert (row["invited"], row["completed"], row["rr1"]) == (2, 2, 1.0)
    lycee = table.filter((pl.col("campus_id") == "CMQ-AERO") & (pl.col("group") == "lycee")).row(0, named=True)
    assert (lycee["refused"], lycee["rr1"], lycee["ref1"]) == (1, 0.0, 1.0)
    autre = table.filter((pl.col("campus_id") == "CMQ-AERO") & (pl.col("group") == "autre")).row(0, named=True)
    assert (autre["bounced"], autre["rr1"], autre["con1"]) == (1, 0.0, 0.0)
    xlsx = app_client.get(f"/staff/suivi/relances.xlsx?campaign={CAMPAIGN}")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert [c.value for c in sheet[1]][:3] == ["campus_id", "partner_id", "name"]
    page = app_client.get("/staff/suivi")
    assert "RR2 = (complets + partiels) / invités" in page.text
    audit = app_client.get("/staff/journal")
    assert "export" in audit.text and "eval@x.example" in audit.text


def test_funders_see_national_aggregates_only(app_client: TestClient) -> None:
    login(app_client, "funder@x.example")
    assert app_client.get("/staff").headers["location"] == "/staff/national"
    page = app_client.get("/staff/national")
    assert page.status_code == 200 and "Ensemble" in page.text
    assert "Campus aéronautique" not in page.text and "Campus du bois" not in page.text
    for path in ("/staff/campus/CMQ-AERO", "/staff/suivi", "/staff/journal"):
        assert app_client.get(path).status_code == 403, path


@pytest.mark.parametrize(
    ("dev", "base_url", "secure"),
    [
        (False, "http://127.0.0.1", True),  # plain http without --dev: the cookie still demands TLS
        (True, "http://127.0.0.1", False),  # --dev on the loopback: relaxed, so a local trial works
        (True, "http://enquete.example.org", True),  # --dev never relaxes it off the loopback
        (True, "https://127.0.0.1", True),
    ],
)
def test_secure_is_relaxed_only_in_dev_on_http_loopback(staff_campaign: Campaign, dev: bool, base_url: str, secure: bool) -> None:
    app = create_app(web_settings(staff_campaign.url, dev=dev))
    with TestClient(app, base_url=base_url, follow_redirects=False) as client:
        form = client.get("/staff/connexion")
        login_cookie = form.headers["set-cookie"]
        answer = client.post("/staff/connexion", data={"email": "eval@x.example", "password": PASSWORD,
                                                       "csrf_token": csrf_of(form.text)},
                             cookies={"effipia_login": re.search(r"effipia_login=([^;]+)", login_cookie).group(1)})
        assert answer.status_code == 303
        cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith("effipia_staff="))
        flags = {part.strip().lower() for part in cookie.split(";")}
        assert ("secure" in flags) is secure and {"httponly", "samesite=lax"} <= flags
    app.state.store.close()
