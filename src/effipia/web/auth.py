"""Staff authentication and access rules: signed session cookies, CSRF, Bearer tokens, roles.

Sessions are stateless signed cookies (itsdangerous, keyed by ``EFFIPIA_SECRET_KEY``),
``HttpOnly``, ``SameSite=Lax`` and ``Secure`` (relaxed only with ``EFFIPIA_DEV`` on a plain
``http://`` loopback address): any worker can read them, none keeps anything in memory. The
account is re-read from the store on every request, so a disabled account is out at once.
Each session carries a random CSRF token that every form echoes in a hidden field; the login
form, before any session, uses a signed pre-session cookie the same way. The JSON API takes
``Authorization: Bearer <token>`` (tokens of ``effipia users token``, hashed at rest).

Every staff route declares its rule with a dependency from :func:`requires` (roles, and
whether it is scoped to one campus through the ``campus_id`` path parameter); the rule is
attached to the dependency (``access_rule``) so the access tests are generated from the
route table.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.responses import Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from effipia.errors import EffipiaError, message
from effipia.operations.users import User, user_for_api_token
from effipia.store import Store

__all__ = [
    "SESSION_COOKIE",
    "CSRF_FIELD",
    "AccessRule",
    "requires",
    "current_user",
    "start_session",
    "end_session",
    "csrf_token",
    "check_csrf",
    "login_csrf",
    "client_address",
]

SESSION_COOKIE = "effipia_staff"
LOGIN_COOKIE = "effipia_login"
CSRF_FIELD = "csrf_token"
_SESSION_SALT = "effipia/staff-session/v1"
_LOGIN_SALT = "effipia/staff-login/v1"
_LOOPBACK = {"127.0.0.1", "::1", "localhost"}


@dataclass(frozen=True)
class AccessRule:
    """Who may call a route: ``roles``; ``campus``: the route names a campus (path parameter
    ``campus_id``) and a director may only name their own; ``api``: Bearer token (JSON)
    instead of the session cookie."""

    roles: tuple[str, ...]
    campus: bool = False
    api: bool = False
    public: bool = False


def _serializer(request: Request, salt: str) -> URLSafeTimedSerializer:
    secret = request.app.state.settings.secret_key
    value = secret.get_secret_value() if hasattr(secret, "get_secret_value") else secret
    if not value:
        raise HTTPException(503, "clé secrète absente : les espaces du personnel sont fermés")
    return URLSafeTimedSerializer(str(value), salt=salt)


def client_address(request: Request) -> str:
    """The client's address (behind a proxy: as uvicorn's proxy headers set it)."""
    return request.client.host if request.client else "inconnu"


def _secure(request: Request) -> bool:
    settings = request.app.state.settings
    relaxed = settings.dev and request.url.scheme == "http" and (request.url.hostname or "") in _LOOPBACK
    return not relaxed


def _set_cookie(request: Request, response: Response, name: str, value: str, max_age: int) -> None:
    response.set_cookie(name, value, max_age=max_age, httponly=True, secure=_secure(request), samesite="lax", path="/")


def _session(request: Request) -> dict[str, Any] | None:
    raw = request.cookies.get(SESSION_COOKIE)
    if not raw:
        return None
    max_age = request.app.state.settings.session_max_age_seconds
    try:
        data = _serializer(request, _SESSION_SALT).loads(raw, max_age=max_age)
    except BadSignature:
        return None
    return data if isinstance(data, dict) and "uid" in data and "csrf" in data else None


def start_session(request: Request, response: Response, user: User) -> None:
    """Open a session for ``user`` (new CSRF token) and drop the login cookie."""
    payload = {"uid": user.id, "csrf": secrets.token_urlsafe(32)}
    value = _serializer(request, _SESSION_SALT).dumps(payload)
    _set_cookie(request, response, SESSION_COOKIE, value, request.app.state.settings.session_max_age_seconds)
    response.delete_cookie(LOGIN_COOKIE, path="/")


def end_session(response: Response) -> None:
    """Forget the session cookie."""
    response.delete_cookie(SESSION_COOKIE, path="/")


def csrf_token(request: Request) -> str:
    """The CSRF token of the current session ('' without one)."""
    session = _session(request)
    return session["csrf"] if session else ""


def _same(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a).encode(), str(b).encode())


async def check_csrf(request: Request) -> None:
    """Refuse (403) a form whose CSRF field does not match the session's token."""
    form = await request.form()
    if not _same(str(form.get(CSRF_FIELD) or ""), csrf_token(request)):
        raise HTTPException(403, message("staff.csrf_failed"))


def login_csrf(request: Request, response: Response) -> str:
    """The CSRF token of the login form (kept in a signed pre-session cookie)."""
    raw = request.cookies.get(LOGIN_COOKIE)
    token = None
    if raw:
        try:
            token = _serializer(request, _LOGIN_SALT).loads(raw, max_age=3600)
        except BadSignature:
            token = None
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        _set_cookie(request, response, LOGIN_COOKIE, _serializer(request, _LOGIN_SALT).dumps(token), 3600)
    return token


def check_login_csrf(request: Request, submitted: str | None) -> None:
    """Refuse (403) a login form without the token of its pre-session cookie."""
    raw = request.cookies.get(LOGIN_COOKIE)
    try:
        expected = _serializer(request, _LOGIN_SALT).loads(raw, max_age=3600) if raw else None
    except BadSignature:
        expected = None
    if not _same(submitted, expected):
        raise HTTPException(403, message("staff.csrf_failed"))


def _store(request: Request) -> Store:
    return request.app.state.store


def current_user(request: Request) -> User | None:
    """The staff account of the session cookie, if any (re-read from the store)."""
    session = _session(request)
    if session is None:
        return None
    row = _store(request).user(user_id=session["uid"])
    if row is None or not row["active"]:
        return None
    return User.from_row(row)


def _bearer_user(request: Request) -> User:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    challenge = {"WWW-Authenticate": "Bearer"}
    if scheme.lower() != "bearer" or not token.strip():
        raise HTTPException(401, "jeton d'API absent (en-tête Authorization: Bearer <jeton>)", headers=challenge)
    try:
        user = user_for_api_token(_store(request), token.strip(), client_address(request), request.app.state.settings).value
    except EffipiaError as exc:
        raise HTTPException(429, str(exc)) from None
    if user is None:
        raise HTTPException(401, "jeton d'API inconnu ou révoqué", headers=challenge)
    return user


class LoginRequired(HTTPException):
    """A staff page without a session: 303 to the login page (which comes back here after)."""

    def __init__(self, next_path: str) -> None:
        from urllib.parse import quote

        super().__init__(303, message("staff.login_required"), headers={"Location": f"/staff/connexion?suite={quote(next_path)}"})


def requires(*roles: str, campus: bool = False, api: bool = False):
    """Dependency enforcing an :class:`AccessRule`; returns the :class:`User`."""
    rule = AccessRule(tuple(roles), campus, api)

    def dependency(request: Request) -> User:
        if api:
            user = _bearer_user(request)
        else:
            user = current_user(request)
            if user is None:
                raise LoginRequired(request.url.path)
        if user.role not in rule.roles:
            raise HTTPException(403, message("staff.forbidden"))
        if rule.campus:
            wanted = request.path_params.get("campus_id") or request.query_params.get("campus")
            if user.is_director and wanted != user.campus_id:
                raise HTTPException(403, message("staff.forbidden_campus"))
        return user

    dependency.access_rule = rule  # type: ignore[attr-defined]
    return dependency


def public() -> None:
    """Dependency of a staff route open to anyone (the login form)."""


public.access_rule = AccessRule((), public=True)  # type: ignore[attr-defined]

EVALUATOR = requires("evaluator")
ANY_STAFF = requires("evaluator", "director", "funder")
CAMPUS_STAFF = requires("evaluator", "director", campus=True)
NATIONAL = requires("evaluator", "funder")
API_EVALUATOR = requires("evaluator", api=True)
API_PROGRESS = requires("evaluator", "director", "funder", api=True)
API_CAMPUS = requires("evaluator", "director", campus=True, api=True)

Evaluator = Annotated[User, Depends(EVALUATOR)]
AnyStaff = Annotated[User, Depends(ANY_STAFF)]
CampusStaff = Annotated[User, Depends(CAMPUS_STAFF)]
National = Annotated[User, Depends(NATIONAL)]
ApiEvaluator = Annotated[User, Depends(API_EVALUATOR)]
ApiProgress = Annotated[User, Depends(API_PROGRESS)]
ApiCampus = Annotated[User, Depends(API_CAMPUS)]


def located_problems(problems, path, filename: str) -> list[str]:
    """``fichier:ligne:colonne: raison`` of an uploaded file's problems, named as the user
    named the file (never the server's temporary path)."""
    from dataclasses import replace

    return [str(replace(p, file=filename) if p.file in (str(path), path.name) else p) for p in problems]
