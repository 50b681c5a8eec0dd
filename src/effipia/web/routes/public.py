"""Pages anyone may read: home, privacy notice (RGPD), accessibility statement (RGAA)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from effipia.web.templating import render

router = APIRouter(tags=["pages publiques"], include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    """What the site is; no questionnaire without a personal link."""
    return render(request, "home.html")


@router.get("/confidentialite", response_class=HTMLResponse)
def privacy(request: Request) -> HTMLResponse:
    """Privacy notice (articles 13–14 RGPD) filled from the settings."""
    return render(request, "privacy.html")


@router.get("/accessibilite", response_class=HTMLResponse)
def accessibility(request: Request) -> HTMLResponse:
    """Accessibility statement in the RGAA layout."""
    return render(request, "accessibility.html")
