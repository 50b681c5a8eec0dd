"""Schemathesis against /openapi.json with every role (and none): generated requests on every
API operation never get a server error, and never another role's or campus's data."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from effipia.operations import users as ops
from effipia.store import Store
from effipia.web import create_app

from .conftest import campaign_frames, web_settings, write_campaign

_FOLDER = Path(tempfile.mkdtemp(prefix="effipia-schemathesis-"))
_URL = f"sqlite:///{_FOLDER / 'effipia.db'}"
write_campaign(_URL)
HEADERS: dict[str, dict[str, str]] = {"anonymous": {}, "unknown-token": {"Authorization": "Bearer effipia_" + "x" * 43}}
with Store(_URL) as _store:
    for _role, _email, _campus in (("evaluator", "e@x.example", None), ("director", "d@x.example", "CMQ-AERO"),
                                   ("funder", "f@x.example", None)):
        ops.add_user(_store, _email, _role, _campus)
        HEADERS[_role] = {"Authorization": f"Bearer {ops.create_api_token(_store, _email).value}"}
# A generous limit: the generated requests with an unknown token must not lock the others out.
APP = create_app(web_settings(_URL, api_max_failures=100_000))
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)

_CAMPUSES, _PARTNERS = campaign_frames()
_BOIS = [*_PARTNERS.filter(_PARTNERS["campus_id"] == "CMQ-BOIS")["email"], "CMQ-BOIS", "Campus du bois"]
_ANY_PARTNER = [*_PARTNERS["email"], *_PARTNERS["name"]]


@pytest.mark.parametrize("role", list(HEADERS))
@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_under_generated_requests(case, role: str) -> None:
    response = case.call(headers=HEADERS[role])
    assert response.status_code < 500, response.text
    text = response.text
    if not case.path.startswith("/api/"):  # /health: public, carries no data
        assert not any(secret in text for secret in _ANY_PARTNER)
        return
    if role in ("anonymous", "unknown-token"):
        # Refused (401), or turned away before authentication: unsupported method (405) or a
        # body that is not even a readable multipart form (400).
        assert response.status_code in (400, 401, 405), response.status_code
    if response.status_code >= 400 or role == "evaluator":
        if response.status_code >= 400:
            assert not any(secret in text for secret in _ANY_PARTNER)
        return
    if role == "director":
        assert not any(secret in text for secret in _BOIS), text[:500]
        if case.path == "/api/v1/progress":
            assert {row["campus_id"] for row in json.loads(text)} <= {"CMQ-AERO"}
    if role == "funder":
        assert case.path == "/api/v1/progress"
        assert {row["campus_id"] for row in json.loads(text)} <= {"ensemble"}
