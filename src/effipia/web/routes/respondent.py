"""The questionnaire at ``/r/<token>``: one group per page, saved at every page, resumable
from any device with the same link, review, final submission, refusal.

Plain HTML forms (POST, then 303 to the next page): everything works without JavaScript;
the page script only hides questions whose same-page condition is false. A wrong token is
404 and a revoked one 410, with no campus or respondent data in the page; after submission
the link shows the thank-you page and every change is refused (409).
"""

from __future__ import annotations

import re
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from effipia import nomenclatures
from effipia.operations import collection
from effipia.operations.collection import REVIEW, THANKS, Respondent, SaveConflict
from effipia.errors import EffipiaError
from effipia.questionnaire import Questionnaire
from effipia.settings import Settings
from effipia.store import Store
from effipia.web.deps import QuestionnaireDep, SettingsDep, StoreDep
from effipia.web.templating import render

router = APIRouter(prefix="/r", tags=["questionnaire"], include_in_schema=False)

#: Shapes a token may have (derived tokens and older random ones); anything else is 404 at once.
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{16,128}$")
_SAVE_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
_ACTIONS = ("next", "back", "pause")


def get_respondent(request: Request, token: str, store: StoreDep, questionnaire: QuestionnaireDep,
                   settings: SettingsDep) -> Respondent:
    """The respondent of the link, or 404 (unknown token) / 410 (revoked link) / 429 (too
    many unknown links from this client, counted in the store)."""
    client = request.client.host if request.client else "?"
    try:
        if not _TOKEN_SHAPE.fullmatch(token):
            collection.count_unknown_link(store, client, settings)
            raise HTTPException(404)
        respondent = collection.open_link(store, questionnaire, token, client=client, settings=settings)
    except EffipiaError as exc:
        raise HTTPException(429, str(exc)) from None
    if respondent is None:
        raise HTTPException(404)
    if respondent.revoked:
        raise HTTPException(410)
    return respondent


RespondentDep = Annotated[Respondent, Depends(get_respondent)]


def _url(token: str, target: str) -> str:
    if target in (REVIEW, THANKS):
        return f"/r/{token}/{target}"
    return f"/r/{token}/page/{target}"


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _context(respondent: Respondent, token: str) -> dict[str, object]:
    facts = respondent.invitee.facts
    groups = nomenclatures.labels("survey_groups") if facts.get("category") else {}
    return {
        "token": token,
        "base": f"/r/{token}",
        "title": respondent.survey.questionnaire.title,
        "campus_name": respondent.invitee.campus_name or facts.get("campus_id"),
        "group_label": groups.get(facts.get("category"), facts.get("category")),
        "respondent": respondent,
    }


def _form(items) -> dict[str, list[str]]:  # noqa: ANN001 - Starlette's FormData
    out: dict[str, list[str]] = {}
    for key, value in items:
        if isinstance(value, str):
            out.setdefault(key, []).append(value)
    return out


def _thanks_or(respondent: Respondent, token: str) -> Response | None:
    if respondent.submitted:
        return _see_other(f"/r/{token}/{THANKS}")
    if respondent.refused:
        return _see_other(f"/r/{token}/refus")
    return None


@router.get("/{token}", response_class=HTMLResponse)
def landing(request: Request, token: str, respondent: RespondentDep) -> Response:
    """Welcome page on the first visit; afterwards straight to the page to resume at."""
    if (other := _thanks_or(respondent, token)) is not None:
        return other
    if respondent.draft.started:
        return _see_other(_url(token, respondent.resume_page))
    context = _context(respondent, token)
    context["first"] = _url(token, respondent.survey.first_page())
    context["pages"] = len(respondent.survey.route({}))
    return render(request, "respondent/welcome.html", context)


@router.get("/{token}/page/{page}", response_class=HTMLResponse)
def show_page(request: Request, token: str, page: str, respondent: RespondentDep) -> Response:
    """One page of the questionnaire with the answers saved so far."""
    if (other := _thanks_or(respondent, token)) is not None:
        return other
    survey = respondent.survey
    current = survey.page(page)
    if current is None or current.name not in {p.name for p in survey.route(respondent.draft.answers)}:
        return _see_other(_url(token, respondent.resume_page))
    return _page_response(request, token, respondent, current.name, respondent.draft.answers, {}, None)


def _page_response(request: Request, token: str, respondent: Respondent, page: str, answers: dict,
                   errors: dict[str, str], shown: dict | None, status_code: int = 200) -> Response:
    survey = respondent.survey
    current = survey.page(page)
    position, total = survey.progress(page, answers)
    context = _context(respondent, token)
    context.update(
        page=current,
        fields=survey.fields(current, answers, errors, shown),
        errors=errors,
        position=position,
        total=total,
        percent_done=round(100 * (position - 1) / total),
        has_previous=survey.previous_page(page, answers) is not None,
        is_last=survey.next_page(page, answers) == REVIEW,
        save_id=uuid.uuid4().hex,
    )
    return render(request, "respondent/page.html", context, status_code=status_code)


@router.post("/{token}/page/{page}", response_class=HTMLResponse)
async def save_page(request: Request, token: str, page: str, store: StoreDep, questionnaire: QuestionnaireDep,
                    settings: SettingsDep) -> Response:
    """Save the page (idempotent by its ``save_id``) and go to the next, previous or same page.

    The link's look-up and the save run in one call off the event loop (the same checks, in
    the same order, as the routes that take :data:`RespondentDep`): one thread hand-off per save."""
    form = _form((await request.form()).multi_items())
    respondent, action, outcome = await run_in_threadpool(
        _save_page, request, token, page, form, store, questionnaire, settings
    )
    if outcome.errors:
        return _page_response(request, token, respondent, page, respondent.draft.answers, outcome.errors,
                              _shown_values(respondent, page, form), status_code=422)
    if action == "pause":
        return _see_other(f"/r/{token}/enregistre")
    return _see_other(_url(token, outcome.target))


def _save_page(request: Request, token: str, page: str, form: dict[str, list[str]], store: Store,
               questionnaire: Questionnaire, settings: Settings) -> tuple[Respondent, str, collection.PageOutcome]:
    respondent = get_respondent(request, token, store, questionnaire, settings)
    save_id = (form.pop("save_id", [""]) or [""])[0]
    action = (form.pop("action", ["next"]) or ["next"])[0]
    if not _SAVE_ID.fullmatch(save_id) or action not in _ACTIONS:
        raise HTTPException(400, "Formulaire incomplet : rechargez la page.")
    if respondent.submitted:
        raise HTTPException(409, "Ce questionnaire a déjà été envoyé : il ne peut plus être modifié.")
    if respondent.refused:
        raise HTTPException(409, "Vous avez indiqué ne pas souhaiter répondre : reprenez d'abord le questionnaire depuis votre lien.")
    if respondent.survey.page(page) is None:
        raise HTTPException(404)
    try:
        outcome = collection.save_page(store, respondent, page, action, form, save_id)
    except SaveConflict:
        raise HTTPException(
            409, "Cette page a déjà été enregistrée avec d'autres réponses. Rouvrez votre lien pour voir les réponses enregistrées."
        ) from None
    return respondent, action, outcome


def _shown_values(respondent: Respondent, page: str, form: dict[str, list[str]]) -> dict[str, object]:
    """What the respondent had entered on the page, to show it back next to the errors."""
    current = respondent.survey.page(page)
    values: dict[str, object] = {}
    for item in current.items:
        raw = [v for v in form.get(item.name, []) if v.strip()]
        values[item.name] = " ".join(raw) if raw else None
    return values


@router.get("/{token}/enregistre", response_class=HTMLResponse)
def paused(request: Request, token: str, respondent: RespondentDep) -> Response:
    """After « continuer plus tard »: the answers are saved, the same link resumes."""
    if (other := _thanks_or(respondent, token)) is not None:
        return other
    context = _context(respondent, token)
    context["resume"] = f"/r/{token}"
    return render(request, "respondent/paused.html", context)


@router.get("/{token}/relecture", response_class=HTMLResponse)
def review(request: Request, token: str, respondent: RespondentDep) -> Response:
    """Every answer, page by page, with a link to change each page; then the final submission."""
    if (other := _thanks_or(respondent, token)) is not None:
        return other
    survey = respondent.survey
    answers = respondent.draft.answers
    if respondent.draft.page != REVIEW:
        return _see_other(_url(token, respondent.resume_page))
    sections = []
    for page in survey.route(answers):
        rows = []
        for fld in survey.fields(page, answers):
            if fld.condition and not survey.asked(answers).get(fld.item.name):
                continue
            if fld.item.type in ("select_one", "select_multiple"):
                shown = [c.label for c in fld.choices if c.code in fld.selected]
            else:
                shown = [] if fld.value is None else [str(fld.value)]
            rows.append((fld.item.label, shown))
        sections.append({"page": page, "rows": rows, "url": _url(token, page.name)})
    position, total = survey.progress(REVIEW, answers)
    context = _context(respondent, token)
    context.update(sections=sections, save_id=uuid.uuid4().hex, position=position, total=total,
                   previous=_url(token, survey.previous_page(REVIEW, answers) or survey.first_page()))
    return render(request, "respondent/review.html", context)


@router.post("/{token}/envoi", response_class=HTMLResponse)
async def submit(request: Request, token: str, respondent: RespondentDep, store: StoreDep) -> Response:
    """Final submission (idempotent by its ``save_id``); afterwards the link accepts no change."""
    form = _form((await request.form()).multi_items())
    save_id = (form.get("save_id") or [""])[0]
    if not _SAVE_ID.fullmatch(save_id):
        raise HTTPException(400, "Formulaire incomplet : rechargez la page.")
    if respondent.refused:
        raise HTTPException(409, "Vous avez indiqué ne pas souhaiter répondre.")
    if not respondent.submitted and respondent.draft.page != REVIEW:
        return _see_other(_url(token, respondent.resume_page))
    try:
        await run_in_threadpool(collection.submit_questionnaire, store, respondent, save_id)
    except SaveConflict:
        raise HTTPException(409, "Ce questionnaire a déjà été envoyé : il ne peut plus être modifié.") from None
    return _see_other(f"/r/{token}/{THANKS}")


@router.get("/{token}/merci", response_class=HTMLResponse)
def thanks(request: Request, token: str, respondent: RespondentDep) -> Response:
    """Thank-you page; the only page a submitted link still shows."""
    if not respondent.submitted:
        return _see_other(f"/r/{token}")
    return render(request, "respondent/thanks.html", {"title": respondent.survey.questionnaire.title})


@router.get("/{token}/refus", response_class=HTMLResponse)
def refusal_page(request: Request, token: str, respondent: RespondentDep) -> Response:
    """« Je ne souhaite pas répondre »: confirmation form, or the refusal already recorded."""
    if respondent.submitted:
        return _see_other(f"/r/{token}/{THANKS}")
    context = _context(respondent, token)
    return render(request, "respondent/refusal.html", context)


@router.post("/{token}/refus", response_class=HTMLResponse)
def refuse(request: Request, token: str, respondent: RespondentDep, store: StoreDep) -> Response:
    """Record the refusal (no reminder will follow)."""
    if respondent.submitted:
        raise HTTPException(409, "Ce questionnaire a déjà été envoyé : il ne peut plus être modifié.")
    collection.refuse(store, respondent)
    return _see_other(f"/r/{token}/refus")


@router.post("/{token}/reprise", response_class=HTMLResponse)
def resume(request: Request, token: str, respondent: RespondentDep, store: StoreDep) -> Response:
    """A respondent who had refused chooses to answer after all."""
    if respondent.refused:
        collection.resume_after_refusal(store, respondent)
    return _see_other(f"/r/{token}")
