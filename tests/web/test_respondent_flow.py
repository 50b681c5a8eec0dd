"""The questionnaire at /r/<token> through a TestClient: access by token, routing, page
saves (idempotent, 409 on a conflicting replay), validation next to the field, resume,
review, submission, refusal — and the stored response equal to what was entered."""

from __future__ import annotations

import html
import json
import random

import polars as pl
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from effipia.questionnaire import load_questionnaire
from effipia.store import Store
from tests.web.conftest import Campaign
from tests.web.walk import complete, parse

Q = load_questionnaire()


def _start(client: TestClient, token: str) -> tuple[str, object]:
    """Open the link and the first page; (page URL, parsed page)."""
    welcome = client.get(f"/r/{token}")
    assert welcome.status_code == 200
    first = next(link for link in parse(welcome.text).links if "/page/" in link)
    page = client.get(first)
    assert page.status_code == 200
    return first, parse(page.text)


def _no_data(body: str, campaign: Campaign) -> None:
    """No campus, partner or questionnaire content in a refusal page."""
    for value in ("CMQ-AERO", "CMQ-BOIS", "Campus aéronautique", "Campus du bois", "AERO-", "BOIS-", "Structure "):
        assert value not in body
    assert "save_id" not in body and "<form" not in body


# ---------------------------------------------------------------- access by token
def test_unknown_and_malformed_tokens_are_404_without_data(client: TestClient, campaign: Campaign) -> None:
    token = campaign.tokens["AERO-lycee-1"]
    wrong = ("b" if token[0] == "a" else "a") + token[1:]
    for path in (f"/r/{wrong}", f"/r/{wrong}/page/grp_rel", f"/r/{wrong}/relecture", f"/r/{wrong}/merci",
                 "/r/court", "/r/" + "x" * 300, f"/r/{token.upper()}"):
        response = client.get(path)
        assert response.status_code == 404, path
        _no_data(response.text, campaign)
    posted = client.post(f"/r/{wrong}/page/grp_rel", data={"save_id": "abcdefgh", "action": "next"})
    assert posted.status_code == 404
    _no_data(posted.text, campaign)


def test_revoked_link_is_410_at_once_and_a_reissued_one_resumes(client: TestClient, campaign: Campaign) -> None:
    from effipia.registry.invitations import reissue
    from tests.web.conftest import SECRET_KEY

    token = campaign.tokens["AERO-lycee-1"]
    first, page = _start(client, token)
    saved = client.post(first, data={"save_id": page.save_id, "action": "next", "expectations": ["exp_partenariats"]})
    assert saved.status_code == 303
    with Store(campaign.url) as store:
        store.write_invitations(campaign.name, pl.DataFrame({"partner_id": ["AERO-lycee-1"], "status": ["revoked"]}))
    for path in (f"/r/{token}", first, f"/r/{token}/relecture"):
        response = client.get(path)
        assert response.status_code == 410, path
        _no_data(response.text, campaign)
    assert client.post(first, data={"save_id": "abcdefgh1", "action": "next"}).status_code == 410
    with Store(campaign.url) as store:
        fresh = reissue(store.invitations(campaign.name).filter(pl.col("partner_id") == "AERO-lycee-1"), secret_key=SECRET_KEY)
        store.write_invitations(campaign.name, fresh)
    assert client.get(f"/r/{token}").status_code == 404  # the old link is dead for good
    resumed = client.get(f"/r/{fresh['token'].item()}")
    assert resumed.status_code == 303 and resumed.headers["location"].endswith("/page/grp_rel")


def test_submitted_link_shows_only_thanks_and_refuses_changes(client: TestClient, campaign: Campaign) -> None:
    token = campaign.tokens["BOIS-of_cfa-1"]
    complete(client, token, random.Random(1))
    for path in (f"/r/{token}", f"/r/{token}/page/grp_rel", f"/r/{token}/relecture", f"/r/{token}/refus"):
        response = client.get(path)
        assert response.status_code == 303 and response.headers["location"] == f"/r/{token}/merci", path
    thanks = client.get(f"/r/{token}/merci")
    assert thanks.status_code == 200 and "Merci pour votre participation" in thanks.text
    _no_data(thanks.text, campaign)
    for path, data in ((f"/r/{token}/page/grp_rel", {"save_id": "abcdefgh2", "action": "next", "rel_1": "1"}),
                       (f"/r/{token}/envoi", {"save_id": "abcdefgh3"}),
                       (f"/r/{token}/refus", {})):
        refused = client.post(path, data=data)
        assert refused.status_code == 409, path
        _no_data(refused.text, campaign)
    with Store(campaign.url) as store:
        assert store.responses(campaign.name).height == 1


# ---------------------------------------------------------------- routing and registry facts
@pytest.mark.parametrize(
    ("partner", "expected"),
    [
        ("AERO-autre-1", ["grp_rel", "grp_dyn", "grp_lead", "grp_res_level", "grp_res_use", "grp_mgmt", "grp_collab", "grp_benef"]),
        ("AERO-lycee-1", ["grp_exp", "grp_rel", "grp_dyn", "grp_lead", "grp_res_level", "grp_res_use", "grp_mgmt",
                          "grp_collab", "grp_real", "grp_intl", "grp_benef"]),
        # Registry without the consortium: the « structure » page asks it (and only it).
        ("AERO-entreprise-2", ["structure", "grp_exp", "grp_rel", "grp_dyn", "grp_lead", "grp_res_level", "grp_res_use",
                               "grp_mgmt", "grp_collab", "grp_real", "grp_benef"]),
    ],
)
def test_pages_follow_the_routing_of_the_workbook(client: TestClient, campaign: Campaign, partner: str, expected: list[str]) -> None:
    token = campaign.tokens[partner]
    seen, url = [], f"/r/{token}"
    response = client.get(url)
    url = next(link for link in parse(response.text).links if "/page/" in link)
    while "/page/" in url:
        page = parse(client.get(url).text)
        seen.append(url.rsplit("/", 1)[1])
        if seen[-1] == "structure":
            # pia_concerned is in the registry (0): only the consortium is asked.
            assert set(page.fields) == {"consortium"}
        # Registry facts are never asked.
        assert not {"respondent_id", "campus_id", "category", "partner_type"} & set(page.fields)
        url = client.post(url, data={"save_id": page.save_id, "action": "next"}).headers["location"]
    assert url.endswith("/relecture")
    assert seen == expected


def test_expectations_offered_to_the_group_with_their_maximum(client: TestClient, campaign: Campaign) -> None:
    first, page = _start(client, campaign.tokens["AERO-entreprise-1"])
    offered = page.fields["expectations"].values
    assert offered == [c.code for c in Q.expectation_choices("entreprise")]
    assert page.fields["expectations"].max_choices == Q.item("expectations").max_choices == 4
    too_many = client.post(first, data={"save_id": page.save_id, "action": "next", "expectations": offered[:5]})
    assert too_many.status_code == 422
    shown = parse(too_many.text)
    assert shown.fields["expectations"].error == "Vous avez coché 5 réponses : 4 au plus."
    assert sorted(shown.fields["expectations"].checked) == sorted(offered[:5])  # what was entered is shown back
    foreign = next(c.code for c in Q.item("expectations").choices if c.code not in offered)
    wrong = client.post(first, data={"save_id": shown.save_id, "action": "next", "expectations": [foreign]})
    assert wrong.status_code == 422 and parse(wrong.text).fields["expectations"].error.startswith("Réponse non reconnue")
    with Store(campaign.url) as store, store.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM web_drafts")).scalar_one() == 0  # nothing saved


def test_required_question_is_checked_next_to_the_field(client: TestClient, campaign: Campaign) -> None:
    # The shipped workbook has no required question inside its groups; the rule is the
    # questionnaire's, so it is checked on a copy where one item is required.
    import dataclasses

    from effipia.questionnaire.pages import Survey

    q = dataclasses.replace(Q, items=[dataclasses.replace(i, required=True) if i.name == "rel_1" else i for i in Q.items])
    survey = Survey(q, {"respondent_id": "P", "campus_id": "C", "category": "lycee", "partner_type": None,
                        "consortium": 1, "pia_concerned": 1})
    page = survey.page("grp_rel")
    _, errors = survey.read_form(page, {}, {"rel_2": ["1"]}, check_required=True)
    assert errors == {"rel_1": "Cette question est obligatoire : choisissez une réponse."}
    _, going_back = survey.read_form(page, {}, {"rel_2": ["1"]}, check_required=False)
    assert going_back == {}


def test_an_answer_whose_same_page_condition_is_false_is_dropped(client: TestClient, campaign: Campaign) -> None:
    token = campaign.tokens["AERO-lycee-1"]
    current, page = _start(client, token)
    # Straight through to grp_real, answering nothing.
    while not current.endswith("/grp_real"):
        page = parse(client.get(current).text)
        current = client.post(current, data={"save_id": page.save_id, "action": "next"}).headers["location"]
    page = parse(client.get(current).text)
    assert page.fields["real_pia_1"].depends_on == "real_known_1" and page.fields["real_pia_1"].shows_for == ["1"]
    answers = {"real_known_1": "0", "real_pia_1": "1", "real_known_2": "1", "real_pia_2": "0"}
    assert client.post(current, data={"save_id": page.save_id, "action": "pause", **answers}).status_code == 303
    with Store(campaign.url) as store, store.engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT answers FROM web_drafts")).scalar_one()
    stored = stored if isinstance(stored, dict) else json.loads(stored)
    assert stored == {"real_known_1": 0, "real_known_2": 1, "real_pia_2": 0}


# ---------------------------------------------------------------- saves: idempotent, 409, resume
def test_the_same_save_twice_is_stored_once_and_answered_as_the_first(client: TestClient, campaign: Campaign) -> None:
    first, page = _start(client, campaign.tokens["BOIS-superieur-1"])
    data = {"save_id": page.save_id, "action": "next", "expectations": ["exp_partenariats", "exp_insertion"]}
    one, two = client.post(first, data=data), client.post(first, data=data)
    assert one.status_code == two.status_code == 303
    assert one.headers["location"] == two.headers["location"] and one.headers["location"].endswith("/page/grp_rel")
    # Fields in another order are the same save.
    three = client.post(first, data={"expectations": ["exp_insertion", "exp_partenariats"], "action": "next",
                                     "save_id": page.save_id})
    assert three.status_code == 303
    with Store(campaign.url) as store, store.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM web_saves")).scalar_one() == 1
        updated = conn.execute(sa.text("SELECT updated_at FROM web_drafts")).scalar_one()
    conflict = client.post(first, data={**data, "expectations": ["exp_partenariats"]})
    assert conflict.status_code == 409
    assert "déjà été enregistrée avec d'autres réponses" in html.unescape(conflict.text)
    with Store(campaign.url) as store, store.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM web_saves")).scalar_one() == 1
        assert conn.execute(sa.text("SELECT updated_at FROM web_drafts")).scalar_one() == updated
        answers = conn.execute(sa.text("SELECT answers FROM web_drafts")).scalar_one()
    assert "exp_partenariats exp_insertion" in str(answers)


def test_resume_from_another_device_at_the_right_page(client: TestClient, campaign: Campaign) -> None:
    from effipia.web import create_app
    from tests.web.conftest import web_settings

    token = campaign.tokens["AERO-entreprise-1"]
    rng = random.Random(7)
    entered = complete(client, token, rng, stop_after=3)
    # Another device: a new application instance (another worker), no cookie, same link.
    other_app = create_app(web_settings(campaign.url))
    with TestClient(other_app, follow_redirects=False) as other:
        resumed = other.get(f"/r/{token}")
        # grp_exp, grp_rel and grp_dyn were saved: the fourth page of the route is next.
        assert resumed.status_code == 303 and resumed.headers["location"] == f"/r/{token}/page/grp_lead"
        page = parse(other.get(resumed.headers["location"]).text)
        assert page.h1 == Q.blocks[3].label
        # Going back shows the answers saved on the other device.
        back = other.post(resumed.headers["location"], data={"save_id": page.save_id, "action": "back"})
        previous = parse(other.get(back.headers["location"]).text)
        for name, values in entered.items():
            if name in previous.fields:
                assert previous.fields[name].checked == values
        entered.update(complete(other, token, rng))
    other_app.state.store.close()
    _assert_stored(campaign, "AERO-entreprise-1", entered)


def _assert_stored(campaign: Campaign, partner: str, entered: dict[str, list[str]]) -> None:
    """The stored response holds exactly what was entered (codes as Int64, expectations as text)."""
    with Store(campaign.url) as store:
        row = store.responses(campaign.name).filter(pl.col("respondent_id") == partner).to_dicts()[0]
    given = {k: (" ".join(v) if k == "expectations" else int(v[0])) for k, v in entered.items()}
    if "expectations" in given:
        order = [c.code for c in Q.item("expectations").choices]
        given["expectations"] = " ".join(sorted(given["expectations"].split(), key=order.index))
    stored = {k: v for k, v in row.items() if k in Q.columns and v is not None}
    stored.update({k: row[k] for k in ("consortium", "pia_concerned") if k in given})
    assert stored == given


@pytest.mark.parametrize("partner", ["AERO-entreprise-2", "AERO-lycee-1", "BOIS-of_cfa-1", "BOIS-superieur-1", "BOIS-autre-1"])
def test_answers_stored_equal_what_was_entered(client: TestClient, campaign: Campaign, partner: str) -> None:
    entered = complete(client, campaign.tokens[partner], random.Random(partner))
    _assert_stored(campaign, partner, entered)
    with Store(campaign.url) as store:
        row = store.responses(campaign.name).to_dicts()[0]
        status = store.invitations(campaign.name).filter(pl.col("partner_id") == partner)["status"].item()
    facts = campaign.partners.filter(pl.col("partner_id") == partner).to_dicts()[0]
    assert (row["campus_id"], row["category"], row["partner_type"]) == (facts["campus_id"], facts["category"], facts["partner_type"])
    assert status == "submitted"


# ---------------------------------------------------------------- refusal
def test_refusal_is_recorded_and_can_be_withdrawn(client: TestClient, campaign: Campaign) -> None:
    token = campaign.tokens["BOIS-entreprise-1"]
    confirm = client.get(f"/r/{token}/refus")
    assert confirm.status_code == 200 and "Confirmer : je ne souhaite pas répondre" in confirm.text
    assert client.post(f"/r/{token}/refus").status_code == 303
    with Store(campaign.url) as store:
        assert store.invitations(campaign.name).filter(pl.col("partner_id") == "BOIS-entreprise-1")["status"].item() == "refused"
    assert client.get(f"/r/{token}").headers["location"] == f"/r/{token}/refus"
    assert "Votre refus est enregistré" in client.get(f"/r/{token}/refus").text
    assert client.post(f"/r/{token}/reprise").status_code == 303
    assert client.get(f"/r/{token}").status_code == 200  # the welcome page again


def test_every_respondent_page_links_the_privacy_notice_and_the_refusal(client: TestClient, campaign: Campaign) -> None:
    token = campaign.tokens["AERO-superieur-1"]
    first, page = _start(client, token)
    for html in (client.get(f"/r/{token}").text, client.get(first).text):
        links = parse(html).links
        assert "/confidentialite" in links and f"/r/{token}/refus" in links and "/accessibilite" in links


# ---------------------------------------------------------------- guessing tokens
def test_unknown_links_are_limited_per_client_in_the_store(campaign: Campaign) -> None:
    from effipia.operations.users import _limit_key
    from effipia.web import create_app
    from tests.web.conftest import web_settings

    settings = web_settings(campaign.url, link_max_failures=3)
    token = campaign.tokens["AERO-lycee-1"]
    apps = [create_app(settings), create_app(settings)]  # two workers: the count is in the store
    try:
        clients = [TestClient(app, follow_redirects=False) for app in apps]
        for i in range(3):
            assert clients[i % 2].get(f"/r/{'a' * 31}{'bcd'[i]}").status_code == 404
        # The limit reached, even the right link is refused for this client for the window.
        refused = clients[1].get(f"/r/{token}")
        assert refused.status_code == 429
        _no_data(refused.text, campaign)
        with Store(campaign.url) as store:
            store.clear_rate_limit(_limit_key("link-client", "testclient"))
        assert clients[0].get(f"/r/{token}").status_code == 200
    finally:
        for app in apps:
            app.state.store.close()
