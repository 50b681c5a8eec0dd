"""The questionnaire at ``/r/<token>`` (filled in by the respondent side)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["questionnaire"], include_in_schema=False)
