"""Web collection: what a respondent does through a personal link.

Each function takes the store and plain values (the token, the form's fields) and returns a
plain result; the web routes only parse the request and render. The questionnaire is the
shipped XLSForm (routing, choices, maxima); answers go to the store at every page and, on
submission, through the same ``write_responses`` path as an imported file.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from effipia.errors import EffipiaError
from effipia.questionnaire import Questionnaire
from effipia.questionnaire.pages import Survey
from effipia.settings import Settings, get_settings
from effipia.store import Store
from effipia.store import collection as stored
from effipia.store.collection import Draft, DraftChanged, Invitee, SaveConflict

__all__ = [
    "REVIEW",
    "THANKS",
    "SOURCE",
    "Respondent",
    "PageOutcome",
    "SaveConflict",
    "open_link",
    "count_unknown_link",
    "save_page",
    "submit_questionnaire",
    "refuse",
    "resume_after_refusal",
    "form_digest",
]

REVIEW = "relecture"
THANKS = "merci"
#: ``source`` of the responses collected on the web (as a file name is for an import).
SOURCE = "collecte web"


@dataclass
class Respondent:
    """A respondent behind a valid link: the invitation, their draft and their survey."""

    invitee: Invitee
    draft: Draft
    survey: Survey

    @property
    def submitted(self) -> bool:
        return self.draft.submitted_at is not None or self.invitee.status == "submitted"

    @property
    def refused(self) -> bool:
        return self.invitee.status == "refused"

    @property
    def revoked(self) -> bool:
        return self.invitee.status == "revoked"

    @property
    def resume_page(self) -> str:
        """Where the link opens: the page after the last one saved (or the first page)."""
        page = self.draft.page
        if page == REVIEW:
            return REVIEW
        route = [p.name for p in self.survey.route(self.draft.answers)]
        if page in route:
            return page
        if page is None or not route:
            return route[0] if route else REVIEW
        return self.survey.next_page(page, self.draft.answers)


@dataclass
class PageOutcome:
    """After a page was sent: ``target`` to go to, or ``errors`` (by item) to show."""

    target: str | None
    answers: dict[str, Any]
    errors: dict[str, str] = field(default_factory=dict)
    replayed: bool = False


def _limit(client: str, settings: Settings | None) -> tuple[str, int, int]:
    from effipia.operations.users import _limit_key

    settings = settings or get_settings()
    return _limit_key("link-client", client), settings.link_max_failures, settings.login_window_seconds


def count_unknown_link(store: Store, client: str, settings: Settings | None = None) -> None:
    """Count one unknown personal link opened by ``client`` (in the store, across workers)."""
    from effipia.operations.users import _window

    key, _, length = _limit(client, settings)
    store.hit_rate_limit(key, _window(length))


def open_link(
    store: Store, questionnaire: Questionnaire, token: str, client: str | None = None, settings: Settings | None = None
) -> Respondent | None:
    """The respondent of ``token`` (None when no invitation has it); records the opening.

    With ``client`` (the caller's address), unknown tokens are counted in the store — so the
    limit holds across workers — and beyond ``link_max_failures`` in the window every look-up
    of that client is refused (``EffipiaError("collection.rate_limited")``): a token cannot
    be found by trying."""
    limit = None
    if client is not None:
        from effipia.operations.users import _window

        key, most, length = _limit(client, settings)
        limit = (key, _window(length))
    # One connection: the client's count, the invitation and its draft.
    count, invitee, draft = stored.open_invitation(store, token, limit)
    if limit is not None and count >= most:
        raise EffipiaError("collection.rate_limited", minutes=max(1, length // 60))
    if invitee is None:
        if client is not None:
            count_unknown_link(store, client, settings)
        return None
    if invitee.status in ("pending", "sent"):
        stored.mark_opened(store, invitee)
    return Respondent(invitee, draft, Survey(questionnaire, invitee.facts))


def form_digest(page: str, action: str, form: Mapping[str, list[str]]) -> str:
    """Digest of what a page sent (its fields in a canonical order), to recognise a replay."""
    canonical = {k: sorted(v) for k, v in sorted(form.items()) if k != "save_id"}
    text = json.dumps({"page": page, "action": action, "form": canonical}, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def save_page(
    store: Store, respondent: Respondent, page_name: str, action: str, form: Mapping[str, list[str]], save_id: str
) -> PageOutcome:
    """Check and store the answers of one page, then say where to go.

    ``action``: ``next`` (required questions checked), ``back`` or ``pause`` (saved as they
    are). Nothing is stored when a field is wrong; the same save twice is stored once.
    Raises :class:`SaveConflict` for a different save under a used ``save_id``."""
    survey = respondent.survey
    page = survey.page(page_name)
    assert page is not None
    digest = form_digest(page_name, action, form)
    for _attempt in range(5):
        answers, errors = survey.read_form(page, respondent.draft.answers, form, check_required=action == "next")
        if errors:
            return PageOutcome(None, answers, errors)
        if action == "back":
            target = survey.previous_page(page_name, answers) or page_name
        elif action == "pause":
            target = page_name
        else:
            target = survey.next_page(page_name, answers)
        try:
            result = stored.save_page(store, respondent.invitee, save_id, page_name, digest, answers, target,
                                      seen=respondent.draft.updated_at)
        except DraftChanged:
            # Another save of this respondent (another tab or device) was stored since the
            # draft was read: redo the page on the draft as it is now, keeping that save.
            respondent.draft = stored.load_draft(store, respondent.invitee)
            if respondent.draft.submitted_at is not None:
                raise SaveConflict(save_id) from None  # submitted meanwhile: no change any more
            continue
        return PageOutcome(result.outcome, answers, replayed=result.replayed)
    raise DraftChanged(save_id)


def submit_questionnaire(store: Store, respondent: Respondent, save_id: str) -> PageOutcome:
    """Write the response (codebook layout, every item column, empty where not asked)
    through ``Store.write_responses``; the link then shows only the thank-you page."""
    response = respondent.survey.response(respondent.draft.answers)
    problems = respondent.survey.questionnaire.validate(response, SOURCE)
    if problems:  # the pages check every answer: a problem here is a bug, never written
        raise AssertionError("; ".join(str(p) for p in problems))
    digest = form_digest(THANKS, "submit", {"answers": [json.dumps(respondent.draft.answers, sort_keys=True)]})
    result = stored.submit(store, respondent.invitee, save_id, digest, response, SOURCE)
    return PageOutcome(result.outcome, respondent.draft.answers, replayed=result.replayed)


def refuse(store: Store, respondent: Respondent) -> None:
    """« Je ne souhaite pas répondre »: recorded as a refusal (no reminder after it)."""
    stored.refuse(store, respondent.invitee)


def resume_after_refusal(store: Store, respondent: Respondent) -> None:
    """The respondent who had refused chooses to answer after all."""
    stored.resume_after_refusal(store, respondent.invitee)
