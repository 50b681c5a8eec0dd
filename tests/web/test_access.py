"""Access rules tested route by route, GENERATED from the application's route table.

Every route must be classified: a staff route carries an access rule (dependency made by
:func:`effipia.web.auth.requires`, or :func:`effipia.web.auth.public`), a respondent route
lives under ``/r/{token}``, and the few public pages are listed here. A new route without
an access rule fails :func:`test_every_route_has_an_access_rule`.

For each staff route: refused without login (303 to the login page for pages, 401 for the
API), refused for every role it does not admit (403), and a director naming another campus
is refused (403). For each respondent route: a wrong token is 404, a revoked one 410, a
submitted one shows only the thank-you page and changes nothing. No refused answer carries
any campus or respondent data.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass

import polars as pl
import pytest
from fastapi.testclient import TestClient

from effipia.operations import users as ops
from effipia.store import Store
from effipia.web import create_app
from effipia.web.auth import AccessRule

from .conftest import CAMPAIGN, Campaign, campaign_frames, web_settings, write_campaign

PASSWORD = "correct horse battery staple"
ROLES = {"evaluator": ("eval@x.example", None), "director": ("dir.aero@x.example", "CMQ-AERO"),
         "funder": ("funder@x.example", None)}
#: Pages anyone may read (no campus or respondent data in them).
PUBLIC = {("GET", "/"), ("GET", "/health"), ("GET", "/confidentialite"), ("GET", "/accessibilite"),
          ("GET", "/openapi.json"), ("HEAD", "/openapi.json")}
#: Values for path parameters of staff routes.
PARAMS = {"campus_id": "CMQ-AERO", "table": "avancement", "fmt": "csv", "page": "p1"}


@dataclass(frozen=True)
class RouteCase:
    method: str
    path: str
    rule: AccessRule | None

    @property
    def id(self) -> str:
        return f"{self.method} {self.path}"


def _contexts(app) -> Iterator:
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # FastAPI before lazily included routers: the routes are flat
        yield from app.routes
        return
    yield from iter_route_contexts(app.routes)


def _rule(route) -> AccessRule | None:
    dependant = getattr(getattr(route, "original_route", route), "dependant", None)
    stack = list(dependant.dependencies) if dependant is not None else []
    while stack:
        dep = stack.pop(0)
        rule = getattr(dep.call, "access_rule", None)
        if rule is not None:
            return rule
        stack.extend(dep.dependencies)
    return None


def route_cases() -> list[RouteCase]:
    """Every (method, path) of the application with its access rule (None: not a staff route)."""
    app = create_app(web_settings("sqlite://"))
    cases = []
    for route in _contexts(app):
        path, methods = getattr(route, "path", None), getattr(route, "methods", None)
        if path is None or not methods:  # mounts (static files)
            continue
        for method in sorted(methods):
            cases.append(RouteCase(method, path, _rule(route)))
    app.state.store.close()
    return cases


CASES = route_cases()
STAFF = [c for c in CASES if c.rule is not None and not c.rule.public]
RESPONDENT = [c for c in CASES if c.path.startswith("/r/{token}")]


def test_every_route_has_an_access_rule() -> None:
    unclassified = [c.id for c in CASES if c.rule is None and not c.path.startswith("/r/{token}")
                    and (c.method, c.path) not in PUBLIC]
    assert unclassified == [], f"routes without an access rule: {unclassified}"
    assert len(STAFF) >= 10 and len(RESPONDENT) >= 5  # the table really was read


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Iterator[tuple[TestClient, Campaign, dict[str, str]]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('access') / 'effipia.db'}"
    campaign = write_campaign(url)
    tokens = {}
    with Store(url) as store:
        for role, (email, campus) in ROLES.items():
            ops.add_user(store, email, role, campus, PASSWORD)
            tokens[role] = ops.create_api_token(store, email).value
        ops.add_user(store, "dir.bois@x.example", "director", "CMQ-BOIS", PASSWORD)
        tokens["director-bois"] = ops.create_api_token(store, "dir.bois@x.example").value
    app = create_app(web_settings(url))
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        yield client, campaign, tokens
    app.state.store.close()


def _secrets_of(campus: str | None = None) -> list[str]:
    """Texts that must never appear in a refused answer: campus names, partner names, e-mails."""
    campuses, partners = campaign_frames()
    if campus is not None:
        campuses = campuses.filter(pl.col("campus_id") == campus)
        partners = partners.filter(pl.col("campus_id") == campus)
    return [*campuses["name"], *partners["name"], *partners["email"], *partners["partner_id"]]


def _assert_clean(body: str, campus: str | None = None) -> None:
    leaked = [s for s in _secrets_of(campus) if s in body]
    assert leaked == [], leaked


def _url(case: RouteCase, **params: str) -> str:
    values = {**PARAMS, **params}
    path = re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: values.get(m.group(1), "x"), case.path)
    return f"{path}?campaign={CAMPAIGN}"


def _log_in(client: TestClient, role: str) -> None:
    client.cookies.clear()
    form = client.get("/staff/connexion")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    email = ROLES[role][0] if role in ROLES else "dir.bois@x.example"
    answer = client.post("/staff/connexion", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert answer.status_code == 303, answer.text


@pytest.mark.parametrize("case", STAFF, ids=lambda c: c.id)
def test_staff_route_refused_without_login(world, case: RouteCase) -> None:
    client, _, _ = world
    client.cookies.clear()
    answer = client.request(case.method, _url(case))
    if case.rule.api:
        assert answer.status_code == 401
        bad = client.request(case.method, _url(case), headers={"Authorization": "Bearer effipia_" + secrets.token_urlsafe(32)})
        assert bad.status_code == 401
    else:
        assert answer.status_code == 303 and answer.headers["location"].startswith("/staff/connexion")
    _assert_clean(answer.text)


@pytest.mark.parametrize("case", STAFF, ids=lambda c: c.id)
def test_staff_route_refused_for_the_roles_it_does_not_admit(world, case: RouteCase) -> None:
    client, _, tokens = world
    for role in set(ROLES) - set(case.rule.roles):
        if case.rule.api:
            answer = client.request(case.method, _url(case), headers={"Authorization": f"Bearer {tokens[role]}"})
        else:
            _log_in(client, role)
            answer = client.request(case.method, _url(case))
        assert answer.status_code == 403, (role, answer.text)
        _assert_clean(answer.text)


@pytest.mark.parametrize("case", [c for c in STAFF if c.rule.campus], ids=lambda c: c.id)
def test_director_route_refused_for_another_campus(world, case: RouteCase) -> None:
    client, _, tokens = world
    if case.rule.api:
        answer = client.request(case.method, _url(case, campus_id="CMQ-BOIS"), headers={"Authorization": f"Bearer {tokens['director']}"})
    else:
        _log_in(client, "director")
        answer = client.request(case.method, _url(case, campus_id="CMQ-BOIS"))
    assert answer.status_code == 403
    _assert_clean(answer.text, "CMQ-BOIS")
    _assert_clean(answer.text, "CMQ-AERO")


@pytest.fixture(scope="module")
def respondent_tokens(world) -> dict[str, str]:
    """A wrong token, a revoked one and a submitted one (partners of campus BOIS)."""
    from effipia.operations import collection
    from effipia.questionnaire import load_questionnaire

    client, campaign, _ = world
    with Store(campaign.url) as store:
        invitations = store.invitations(CAMPAIGN)
        revoked = invitations.filter(pl.col("partner_id") == "BOIS-lycee-1").with_columns(pl.lit("revoked").alias("status"))
        store.write_invitations(CAMPAIGN, revoked)
        # Submitted the way the questionnaire does it (the respondent side's own operation).
        respondent = collection.open_link(store, load_questionnaire(), campaign.tokens["BOIS-of_cfa-1"])
        collection.submit_questionnaire(store, respondent, "first-submission")
    wrong = "".join(secrets.choice("abcdefghijklmnopqrstuvwxyz234567") for _ in range(32))
    return {"wrong": wrong, "revoked": campaign.tokens["BOIS-lycee-1"], "submitted": campaign.tokens["BOIS-of_cfa-1"]}


@pytest.mark.parametrize("case", RESPONDENT, ids=lambda c: c.id)
def test_respondent_route_refused_with_a_wrong_revoked_or_submitted_token(world, respondent_tokens, case: RouteCase) -> None:
    client, campaign, _ = world
    client.cookies.clear()
    for kind, expected in (("wrong", 404), ("revoked", 410)):
        answer = client.request(case.method, _url(case, token=respondent_tokens[kind]), data={"save_id": "a" * 16})
        assert answer.status_code == expected, (kind, answer.status_code)
        _assert_clean(answer.text)
    with Store(campaign.url) as store:
        before = (store.invitations(CAMPAIGN), store.responses(CAMPAIGN))
    token = respondent_tokens["submitted"]
    answer = client.request(case.method, _url(case, token=token), data={"save_id": "a" * 16})
    if case.method == "GET" and case.path.endswith("/merci"):
        assert answer.status_code == 200
    elif case.method == "GET":
        assert answer.status_code == 303 and answer.headers["location"] in (f"/r/{token}/merci", f"/r/{token}")
    else:
        assert answer.status_code in (303, 409), answer.status_code
        if answer.status_code == 303:
            assert answer.headers["location"].startswith(f"/r/{token}")
    _assert_clean(answer.text)
    with Store(campaign.url) as store:  # a submitted link accepts no change
        after = (store.invitations(CAMPAIGN), store.responses(CAMPAIGN))
    assert before[0].equals(after[0]) and before[1].equals(after[1])
