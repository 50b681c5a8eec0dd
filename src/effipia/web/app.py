"""The FastAPI application: one router per resource, French error pages, no state in memory.

:func:`create_app` builds the application for one process from :class:`~effipia.settings.Settings`;
``effipia serve`` runs it under uvicorn (``app_from_environment`` is the factory each worker
calls). Every answer, session and limit lives in the store, so any number of workers can
serve one campaign.
"""

from __future__ import annotations

import logging
import re
import time
from importlib.resources import files

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from effipia.settings import Settings, get_settings
from effipia.store import Store
from effipia.web.templating import THEMES, render

__all__ = ["create_app", "app_from_environment", "masked_path"]

log = logging.getLogger("effipia.web")

#: Personal links carry a credential: logs show ``/r/…`` instead of the token.
_TOKEN_PATH = re.compile(r"^/r/[^/]+")

_SECURITY_HEADERS = {
    # Nothing is loaded from elsewhere; pages may not be framed; the token in the address
    # never leaves in a Referer header.
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; "
    "script-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}

_STATUS_TITLES = {
    400: "Requête incorrecte",
    403: "Accès refusé",
    404: "Page introuvable",
    405: "Méthode non autorisée",
    409: "Conflit",
    410: "Lien désactivé",
    422: "Données incorrectes",
    429: "Trop de requêtes",
    500: "Erreur du serveur",
    503: "Service indisponible",
}


def masked_path(path: str) -> str:
    """``path`` with the personal token of a questionnaire link replaced by ``…``."""
    return _TOKEN_PATH.sub("/r/…", path)


def create_app(settings: Settings | None = None, store: Store | None = None) -> FastAPI:
    """The web application for ``settings`` (default: from the environment).

    ``store`` lets a caller share an already opened store; otherwise one is opened
    (and migrated) on ``settings.database_url``.
    """
    from effipia.web.routes import api_v1, health, public, respondent, staff

    settings = settings or get_settings()
    app = FastAPI(
        title="effipia",
        description="Collecte web de l'enquête auprès des partenaires des campus des métiers et des "
        "qualifications ; API JSON des équipes d'évaluation.",
        version=_version(),
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.theme = settings.web_theme if settings.web_theme in THEMES else "effipia"
    app.state.store = store or Store(settings.database_url)
    app.mount("/static/web", StaticFiles(directory=str(files("effipia") / "static" / "web")), name="static")
    for module in (health, public, respondent, staff, api_v1):
        app.include_router(module.router)
    _install_handlers(app)
    return app


class _HeadersAndLog:
    """Security headers on every answer and one log line per request (token masked).

    A plain ASGI middleware: Starlette's ``BaseHTTPMiddleware`` (``@app.middleware``) runs
    the application in a task with memory streams, a large share of a small request's cost
    (measured in ``benchmarks/web_saves.py``)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = MutableHeaders(scope=message)
                for key, value in _SECURITY_HEADERS.items():
                    if key not in headers:
                        headers[key] = value
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            if log.isEnabledFor(logging.INFO):
                log.info(
                    "requête méthode=%s chemin=%s statut=%d durée_ms=%.1f",
                    scope["method"],
                    masked_path(scope["path"]),
                    status,
                    (time.perf_counter() - started) * 1000,
                )


def _install_handlers(app: FastAPI) -> None:
    app.add_middleware(_HeadersAndLog)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return error_response(request, exc.status_code, exc.detail if isinstance(exc.detail, str) else None, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": "requête incorrecte", "errors": _errors(exc)}, status_code=422)
        return error_response(request, 422, None)


def _errors(exc: RequestValidationError) -> list[dict[str, object]]:
    return [{"loc": list(e.get("loc", ())), "msg": str(e.get("msg", ""))} for e in exc.errors()]


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path in ("/health", "/openapi.json")


def error_response(request: Request, status: int, detail: str | None, headers: dict[str, str] | None = None) -> Response:
    """A French error page (HTML), or JSON for the API: never any campus or respondent data."""
    title = _STATUS_TITLES.get(status, "Erreur")
    if _wants_json(request):
        return JSONResponse({"detail": detail or title}, status_code=status, headers=headers)
    response = render(request, "error.html", {"status": status, "title": title, "detail": detail}, status_code=status)
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("effipia")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0"


def app_from_environment() -> FastAPI:
    """Factory called by each uvicorn worker of ``effipia serve`` (settings from the environment)."""
    return create_app(get_settings())
