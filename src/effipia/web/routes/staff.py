"""Staff pages (``/staff``): login, monitoring for evaluators, the campus director's space,
national aggregates for funders, the audit log.

Thin adapters: each route checks its access rule (:mod:`effipia.web.auth`), calls an
operation and renders its result. Directors and funders only ever see counts protected by
the disclosure minimum, never an individual's answers.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Literal

import polars as pl
from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from effipia.errors import EffipiaError, ValidationFailed
from effipia.operations import monitoring
from effipia.operations.mailing import mail_state, send_invitations
from effipia.operations.users import User, authenticate, record_action
from effipia.web import auth
from effipia.web.auth import AnyStaff, CampusStaff, Evaluator, National, located_problems
from effipia.web.templating import render

router = APIRouter(prefix="/staff", tags=["personnel"], include_in_schema=False)

TABLES = ("avancement", "completes", "relances")


def _store(request: Request):
    return request.app.state.store


def _campaign(request: Request, name: str | None) -> tuple[str | None, list[str]]:
    """The campaign to show (``name``, else the only one, else the last by name) and all names."""
    names = _store(request).campaign_names()
    if name is not None and name not in names:
        raise HTTPException(404, "campagne inconnue")
    return (name or (names[-1] if names else None)), names


def _page(request: Request, template: str, user: User | None, **context):
    return render(request, f"staff/{template}", {"user": user, "csrf": auth.csrf_token(request), **context})


# ---------------------------------------------------------------- login
# Forms check the account first (a request without a session is sent to the login page),
# then the CSRF token: the rule dependency comes before check_csrf in each POST route.
@router.get("/connexion", dependencies=[Depends(auth.public)])
def login_form(request: Request, suite: str = "/staff"):
    response = Response()
    token = auth.login_csrf(request, response)
    page = _page(request, "login.html", None, login_csrf=token, suite=_safe_next(suite), error=None)
    for key, value in response.headers.items():
        if key.lower() == "set-cookie":
            page.headers.append("set-cookie", value)
    return page


def _safe_next(target: str) -> str:
    """Only a local staff path may follow the login (no open redirect)."""
    return target if target.startswith("/staff") and not target.startswith("//") else "/staff"


@router.post("/connexion", dependencies=[Depends(auth.public)])
def login(
    request: Request,
    email: str = Form(""),
    password: str = Form(""),
    suite: str = Form("/staff"),
    csrf_token: str = Form(""),
):
    auth.check_login_csrf(request, csrf_token)
    try:
        user = authenticate(_store(request), email, password, auth.client_address(request),
                            request.app.state.settings).value
    except EffipiaError as exc:
        page = _page(request, "login.html", None, login_csrf=csrf_token, suite=_safe_next(suite), error=str(exc))
        page.status_code = 429
        return page
    if user is None:
        from effipia.errors import message

        page = _page(request, "login.html", None, login_csrf=csrf_token, suite=_safe_next(suite),
                     error=message("staff.login_failed"), email=email)
        page.status_code = 401
        return page
    response = RedirectResponse(_safe_next(suite), status_code=303)
    auth.start_session(request, response, user)
    return response


@router.post("/deconnexion", dependencies=[Depends(auth.ANY_STAFF), Depends(auth.check_csrf)])
def logout(request: Request, user: AnyStaff):
    response = RedirectResponse("/staff/connexion", status_code=303)
    auth.end_session(response)
    return response


@router.get("")
def home(request: Request, user: AnyStaff):
    if user.is_director:
        return RedirectResponse(f"/staff/campus/{user.campus_id}", status_code=303)
    if user.is_funder:
        return RedirectResponse("/staff/national", status_code=303)
    return RedirectResponse("/staff/suivi", status_code=303)


# ---------------------------------------------------------------- evaluators: monitoring
@router.get("/suivi")
def monitoring_page(request: Request, user: Evaluator, campaign: str | None = None):
    name, names = _campaign(request, campaign)
    if name is None:
        return _page(request, "monitoring.html", user, campaign=None, campaigns=names)
    store = _store(request)
    table = monitoring.progress(store, name).value
    daily = monitoring.daily_completions(store, name).value
    remind = monitoring.partners_to_remind(store, name).value
    margins = pl.concat([monitoring.totals(table, "campus_id"), monitoring.totals(table, None)])
    return _page(
        request, "monitoring.html", user, campaign=name, campaigns=names, rows=table.to_dicts(),
        margins=margins.to_dicts(), definitions=monitoring.RATE_DEFINITIONS, daily=daily.to_dicts(),
        svg=monitoring.completions_svg(daily), remind=remind.to_dicts(),
    )


@router.get("/suivi/{table}.{fmt}")
def monitoring_export(request: Request, user: Evaluator, table: Literal["avancement", "completes", "relances"],
                      fmt: Literal["csv", "xlsx"], campaign: str | None = None):
    name, _ = _campaign(request, campaign)
    if name is None:
        raise HTTPException(404, "aucune campagne")
    store = _store(request)
    frame = {
        "avancement": lambda: monitoring.progress(store, name).value,
        "completes": lambda: monitoring.daily_completions(store, name).value,
        "relances": lambda: monitoring.partners_to_remind(store, name).value,
    }[table]()
    body, media = monitoring.export_table(frame, fmt, sheet=table)
    record_action(store, user, "export", campaign=name, table=table, format=fmt)
    filename = f"{table}-{name}.{fmt}".replace('"', "")
    return Response(body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.post("/relances", dependencies=[Depends(auth.EVALUATOR), Depends(auth.check_csrf)])
def send_reminders(request: Request, user: Evaluator, campaign: str = Form(...), dry_run: str | None = Form(None)):
    name, _ = _campaign(request, campaign)
    try:
        result = send_invitations(_store(request), name, reminder=True, dry_run=bool(dry_run), actor=user.email,
                                  settings=request.app.state.settings)
    except EffipiaError as exc:
        return _page(request, "reminders.html", user, campaign=name, error=str(exc), report=None)
    return _page(request, "reminders.html", user, campaign=name, error=None, report=result.value,
                 warnings=[w.message for w in result.warnings])


@router.get("/journal")
def audit_page(request: Request, user: Evaluator):
    log = _store(request).audit_log(limit=500)
    return _page(request, "audit.html", user, entries=log.to_dicts())


# ---------------------------------------------------------------- campus space (directors, evaluators)
def _campus_name(request: Request, campus_id: str) -> str:
    campuses = _store(request).campuses().filter(pl.col("campus_id") == campus_id)
    if campuses.height == 0:
        raise HTTPException(404, "campus inconnu")
    return campuses["name"][0]


@router.get("/campus/{campus_id}")
def campus_page(request: Request, campus_id: str, user: CampusStaff, campaign: str | None = None):
    campus_name = _campus_name(request, campus_id)
    name, names = _campaign(request, campaign)
    context = {"campus_id": campus_id, "campus_name": campus_name, "campaign": name, "campaigns": names,
               "rows": [], "invited": [], "minimum": request.app.state.settings.disclosure_min}
    if name is not None:
        store = _store(request)
        cells = monitoring.progress(store, name, campus=campus_id).value
        margin = monitoring.totals(cells, "campus_id")
        if user.is_evaluator:
            table = pl.concat([cells, margin]).with_columns(pl.lit(False).alias("suppressed"))
        else:
            table = monitoring.protect_progress(cells, margin, context["minimum"])
        # The campus's directory against its invitations: who was invited, and whether the
        # e-mail went out (never whether they answered).
        state = mail_state(store, name).filter(pl.col("campus_id") == campus_id).select("partner_id", "invited", "bounced")
        directory = store.partners(name).filter(pl.col("campus_id") == campus_id).select("partner_id", "name", "category")
        directory = directory.join(state.with_columns(pl.lit(True).alias("has_invitation")), on="partner_id", how="left")
        mail = (pl.when(pl.col("has_invitation").is_null()).then(pl.lit("pas encore invité"))
                .when(pl.col("bounced")).then(pl.lit("invité — adresse en échec"))
                .when(pl.col("invited")).then(pl.lit("invité — courriel envoyé"))
                .otherwise(pl.lit("invité — courriel pas encore envoyé")))
        invited = directory.select("partner_id", "name", "category", mail.alias("mail")).sort("category", "name")
        context.update(rows=table.to_dicts(), invited=invited.to_dicts())
    return _page(request, "campus.html", user, **context)


@router.get("/campus/{campus_id}/annuaire")
def directory_form(request: Request, campus_id: str, user: CampusStaff, campaign: str | None = None):
    name, names = _campaign(request, campaign)
    return _page(request, "directory.html", user, campus_id=campus_id, campus_name=_campus_name(request, campus_id),
                 campaign=name, campaigns=names, problems=None, summary=None)


@router.post("/campus/{campus_id}/annuaire", dependencies=[Depends(auth.CAMPUS_STAFF), Depends(auth.check_csrf)])
async def directory_upload(request: Request, campus_id: str, user: CampusStaff, campaign: str = Form(...),
                           fichier: UploadFile = File(...)):
    from effipia.operations.registry import import_partners

    campus_name = _campus_name(request, campus_id)
    name, names = _campaign(request, campaign)
    filename = Path(fichier.filename or "annuaire.csv").name
    problems, summary, status = None, None, 200
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / filename
        path.write_bytes(await fichier.read())
        try:
            result = import_partners(_store(request), [path], campus=campus_id, campaign=name)
            summary = result.value
            record_action(_store(request), user, "partners.import", campaign=name, campus_id=campus_id, file=filename,
                          read=summary.read, created=summary.stats.created, updated=summary.stats.updated)
        except ValidationFailed as exc:
            problems, status = located_problems(exc.problems, path, filename), 422
        except EffipiaError as exc:
            problems, status = [str(exc).replace(str(path), filename)], 422
    page = _page(request, "directory.html", user, campus_id=campus_id, campus_name=campus_name, campaign=name,
                 campaigns=names, problems=problems, summary=summary)
    page.status_code = status
    return page


# ---------------------------------------------------------------- funders (and evaluators): national aggregates
@router.get("/national")
def national_page(request: Request, user: National, campaign: str | None = None):
    name, names = _campaign(request, campaign)
    rows, minimum = [], request.app.state.settings.disclosure_min
    if name is not None:
        table = monitoring.progress(_store(request), name).value
        rows = monitoring.protect_progress(monitoring.totals(table, "group"), monitoring.totals(table, None), minimum).to_dicts()
    return _page(request, "national.html", user, campaign=name, campaigns=names, rows=rows, minimum=minimum,
                 definitions=monitoring.RATE_DEFINITIONS)
