"""Web collection (FastAPI + Jinja, server-rendered): the respondent's questionnaire,
the staff pages and the JSON API. A thin adapter: routes parse the request, call the
library or an operation, and render its result; nothing is held in process memory."""

from __future__ import annotations

from effipia.web.app import create_app

__all__ = ["create_app"]
