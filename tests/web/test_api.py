"""JSON API /api/v1 with Bearer tokens from ``effipia users token``: the same roles as the pages,
described by /openapi.json."""

from __future__ import annotations

from collections.abc import Iterator

import polars as pl
import pytest
from fastapi.testclient import TestClient

from effipia.operations import users as ops
from effipia.store import Store
from effipia.web import create_app

from .conftest import CAMPAIGN, Campaign, web_settings, write_campaign

ACCOUNTS = {"evaluator": ("eval@x.example", None), "director": ("dir.aero@x.example", "CMQ-AERO"),
            "funder": ("funder@x.example", None)}


@pytest.fixture
def api(sqlite_url: str) -> Iterator[tuple[TestClient, dict[str, dict[str, str]], Campaign]]:
    campaign = write_campaign(sqlite_url)
    headers = {}
    with Store(sqlite_url) as store:
        for role, (email, campus) in ACCOUNTS.items():
            ops.add_user(store, email, role, campus)
            headers[role] = {"Authorization": f"Bearer {ops.create_api_token(store, email).value}"}
        # AERO: both entreprises complete, the lycée refused; BOIS: one entreprise complete.
        invitations = store.invitations(CAMPAIGN)
        status = {"AERO-entreprise-1": "submitted", "AERO-entreprise-2": "submitted", "AERO-lycee-1": "refused",
                  "BOIS-entreprise-1": "submitted"}
        changed = invitations.filter(pl.col("partner_id").is_in(list(status))).with_columns(
            pl.col("partner_id").replace_strict(status).alias("status"))
        store.write_invitations(CAMPAIGN, changed)
    app = create_app(web_settings(sqlite_url, disclosure_min=3))
    with TestClient(app, base_url="https://testserver") as client:
        yield client, headers, campaign
    app.state.store.close()


def test_openapi_describes_the_api(api) -> None:
    client, _, _ = api
    schema = client.get("/openapi.json").json()
    paths = schema["paths"]
    for path in ("/api/v1/progress", "/api/v1/responses", "/api/v1/campus/{campus_id}/partners", "/api/v1/reminders"):
        assert path in paths, path
    row = schema["components"]["schemas"]["ProgressRow"]["properties"]
    assert {"campus_id", "group", "invited", "started", "completed", "refused", "bounced", "rr1", "rr2"} <= set(row)
    assert not any(p.startswith("/staff") or p.startswith("/r/") for p in paths)


def test_progress_rows_by_role(api) -> None:
    client, headers, _ = api
    rows = client.get(f"/api/v1/progress?campaign={CAMPAIGN}", headers=headers["evaluator"]).json()
    by_key = {(r["campus_id"], r["group"]): r for r in rows}
    assert len(rows) == 10  # 2 campuses x 5 groups
    aero = by_key[("CMQ-AERO", "entreprise")]
    # Hand-worked: 2 invited, 2 complete -> RR1 = RR2 = 1; nothing hidden for an evaluator.
    assert (aero["invited"], aero["completed"], aero["started"], aero["rr1"], aero["rr2"], aero["suppressed"]) == (2, 2, 0, 1.0, 1.0, False)
    assert by_key[("CMQ-AERO", "lycee")]["refused"] == 1

    own = client.get(f"/api/v1/progress?campaign={CAMPAIGN}", headers=headers["director"]).json()
    assert {r["campus_id"] for r in own} == {"CMQ-AERO"} and len(own) == 5
    cells = {r["group"]: r for r in own}
    # Minimum 3: entreprise rests on 2 respondents and the lycée on 1 refusal: both hidden, the
    # campus margin (3) stays publishable, so no other cell needs hiding.
    assert cells["entreprise"]["suppressed"] and cells["entreprise"]["completed"] is None and cells["entreprise"]["rr1"] is None
    assert cells["lycee"]["suppressed"] and cells["lycee"]["refused"] is None
    assert cells["entreprise"]["invited"] == 2  # invitations are not a secret
    assert not cells["of_cfa"]["suppressed"] and cells["of_cfa"]["completed"] == 0

    national = client.get(f"/api/v1/progress?campaign={CAMPAIGN}", headers=headers["funder"]).json()
    assert {r["campus_id"] for r in national} == {"ensemble"}
    groups = {r["group"]: r for r in national}
    # Hand-worked: nationally 3 complete entreprises and 1 lycée refusal (k = 3). The refusal is
    # hidden (1 < 3); alone, it would be the national margin (4, published) minus the other
    # groups, so the smallest other non-empty group (entreprise, 3) is hidden as well.
    assert groups["lycee"]["suppressed"] and groups["lycee"]["refused"] is None
    assert groups["entreprise"]["suppressed"] and groups["entreprise"]["completed"] is None
    assert groups["entreprise"]["invited"] == 4 and not groups["of_cfa"]["suppressed"]


def test_responses_are_for_evaluators_only(api) -> None:
    client, headers, _ = api
    assert client.get(f"/api/v1/responses?campaign={CAMPAIGN}", headers=headers["evaluator"]).status_code == 200
    for role in ("director", "funder"):
        answer = client.get(f"/api/v1/responses?campaign={CAMPAIGN}", headers=headers[role])
        assert answer.status_code == 403 and "respondent_id" not in answer.text
    assert client.get(f"/api/v1/responses?campaign={CAMPAIGN}").status_code == 401


def test_directory_import_through_the_api_all_or_nothing(api) -> None:
    client, headers, campaign = api
    bad = "Nom;Catégorie;Courriel\nAtelier;Entreprise;pas-une-adresse\n".encode()
    answer = client.post(f"/api/v1/campus/CMQ-AERO/partners?campaign={CAMPAIGN}", headers=headers["director"],
                         files={"fichier": ("aero.csv", bad, "text/csv")})
    assert answer.status_code == 422
    assert answer.json()["problems"] == ["aero.csv:2:Courriel: adresse électronique invalide : « pas-une-adresse »"]
    good = "Nom;Catégorie;Courriel\nAtelier;Entreprise;atelier@aero.example\n".encode()
    answer = client.post(f"/api/v1/campus/CMQ-AERO/partners?campaign={CAMPAIGN}", headers=headers["director"],
                         files={"fichier": ("aero.csv", good, "text/csv")})
    assert answer.status_code == 200 and answer.json()["created"] == 1
    refused = client.post(f"/api/v1/campus/CMQ-BOIS/partners?campaign={CAMPAIGN}", headers=headers["director"],
                          files={"fichier": ("bois.csv", good, "text/csv")})
    assert refused.status_code == 403
    with Store(campaign.url) as store:
        assert store.partners(CAMPAIGN).filter(pl.col("name") == "Atelier")["campus_id"].to_list() == ["CMQ-AERO"]


def test_reminders_dry_run_through_the_api(api) -> None:
    client, headers, _ = api
    answer = client.post(f"/api/v1/reminders?campaign={CAMPAIGN}&dry_run=true", headers=headers["evaluator"])
    assert answer.status_code == 200, answer.text
    body = answer.json()
    # No invitation was e-mailed yet: nobody to remind, every open invitation « pas encore invité ».
    assert body["planned"] == 0 and body["left"]["pas encore invité (envoyez d'abord l'invitation)"] == 8
    assert client.post(f"/api/v1/reminders?campaign={CAMPAIGN}", headers=headers["director"]).status_code == 403
