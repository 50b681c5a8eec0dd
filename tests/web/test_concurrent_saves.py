"""Two devices saving the same respondent's questionnaire at once: neither acknowledged save
is lost. Each device read the draft before the other's save was stored (the race a page save
meets when a respondent has the link open on a phone and a computer); the later save is
redone on the draft as it now is, instead of overwriting it with the stale copy."""

from __future__ import annotations

import uuid

import pytest

from effipia.operations import collection
from effipia.questionnaire import load_questionnaire
from effipia.store import Store
from effipia.store import collection as stored
from tests.web.conftest import write_campaign

Q = load_questionnaire()


def _open(store: Store, token: str) -> collection.Respondent:
    respondent = collection.open_link(store, Q, token)
    assert respondent is not None
    return respondent


@pytest.mark.parametrize("with_draft", [False, True], ids=["first-saves", "later-saves"])
def test_two_devices_saving_from_the_same_draft_keep_both_pages(db_url: str, with_draft: bool) -> None:
    campaign = write_campaign(db_url)
    token = campaign.tokens["AERO-entreprise-1"]
    with Store(db_url) as store:
        if with_draft:  # a page saved earlier, so both devices read an existing draft
            earlier = _open(store, token)
            collection.save_page(store, earlier, "grp_exp", "next", {"expectations": ["exp_recruter"]}, uuid.uuid4().hex)
        phone, computer = _open(store, token), _open(store, token)
        # rel_1 is yes (1) / no (0), dyn_1 has codes 1, 2, 9; exp_recruter is an « entreprise » expectation (shipped XLSForm).
        first = collection.save_page(store, phone, "grp_rel", "pause", {"rel_1": ["1"]}, uuid.uuid4().hex)
        second = collection.save_page(store, computer, "grp_dyn", "pause", {"dyn_1": ["2"]}, uuid.uuid4().hex)
        assert first.errors == second.errors == {}
        assert not first.replayed and not second.replayed
        draft = stored.load_draft(store, _open(store, token).invitee)
    assert draft.answers["rel_1"] == 1  # the phone's acknowledged save is kept
    assert draft.answers["dyn_1"] == 2
    if with_draft:
        assert draft.answers["expectations"] == "exp_recruter"


def test_a_stale_replay_of_a_stored_save_is_answered_as_the_first(db_url: str) -> None:
    campaign = write_campaign(db_url)
    token = campaign.tokens["BOIS-lycee-1"]
    with Store(db_url) as store:
        tab = _open(store, token)
        stale = _open(store, token)  # the same page sent twice, the second read before the first was stored
        save_id = uuid.uuid4().hex
        one = collection.save_page(store, tab, "grp_rel", "next", {"rel_1": ["1"]}, save_id)
        two = collection.save_page(store, stale, "grp_rel", "next", {"rel_1": ["1"]}, save_id)
        assert (one.replayed, two.replayed) == (False, True)
        assert one.target == two.target
        with pytest.raises(collection.SaveConflict):
            collection.save_page(store, _open(store, token), "grp_rel", "next", {"rel_1": ["0"]}, save_id)
