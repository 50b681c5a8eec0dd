"""Dependencies of the routes, as typed aliases (``store: StoreDep``).

They are ``async def`` on purpose: they only read the application's state, and FastAPI runs
a plain ``def`` dependency in the thread pool — three thread hand-offs per request for nothing
(measured in ``benchmarks/web_saves.py``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from effipia.questionnaire import Questionnaire, load_questionnaire
from effipia.settings import Settings
from effipia.store import Store

__all__ = ["StoreDep", "SettingsDep", "QuestionnaireDep", "get_store", "get_app_settings", "get_questionnaire"]


async def get_store(request: Request) -> Store:
    """The store of the application (one engine and connection pool per worker)."""
    return request.app.state.store


async def get_app_settings(request: Request) -> Settings:
    """The settings the application was built with."""
    return request.app.state.settings


async def get_questionnaire() -> Questionnaire:
    """The shipped questionnaire (parsed once per process from the XLSForm workbook)."""
    return load_questionnaire()


StoreDep = Annotated[Store, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
QuestionnaireDep = Annotated[Questionnaire, Depends(get_questionnaire)]
