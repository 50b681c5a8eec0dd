"""Jinja templates of the web pages and the two themes (effipia's own, DSFR).

Templates are written once; a theme is a stylesheet plus the CSS classes its
components need (``ui.button``, ``ui.input``…), so the DSFR theme can use the
State design system's own class names without a second set of templates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib.resources import files
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from effipia.formatting import number, percent

__all__ = ["THEMES", "Theme", "templates", "render"]


@dataclass(frozen=True)
class Theme:
    """Stylesheets of a theme (paths under ``/static/web/``) and its component classes."""

    name: str
    stylesheets: tuple[str, ...]
    classes: dict[str, str] = field(default_factory=dict)

    def __getattr__(self, key: str) -> str:  # ui.button in a template
        try:
            return self.classes[key]
        except KeyError:
            raise AttributeError(key) from None


_EFFIPIA = {
    "body": "",
    "header": "site-header",
    "container": "container",
    "button": "button",
    "button_secondary": "button button-secondary",
    "link_button": "button button-tertiary",
    "input": "input",
    "fieldset": "fieldset",
    "legend": "legend",
    "fieldset_element": "",
    "radio_group": "choice",
    "checkbox_group": "choice",
    "label": "",
    "hint": "hint",
    "error_text": "error-text",
    "field_error": "field field-error",
    "field": "field",
    "alert_error": "alert alert-error",
    "alert_info": "alert alert-info",
    "alert_success": "alert alert-success",
    "progress": "progress",
    "footer": "site-footer",
    "table": "table",
    "breadcrumb": "breadcrumb",
}

_DSFR = {
    "body": "",
    "header": "fr-header site-header",
    "container": "fr-container container",
    "button": "fr-btn",
    "button_secondary": "fr-btn fr-btn--secondary",
    "link_button": "fr-btn fr-btn--tertiary",
    "input": "fr-input",
    "fieldset": "fr-fieldset",
    "legend": "fr-fieldset__legend",
    "fieldset_element": "fr-fieldset__element",
    "radio_group": "fr-radio-group",
    "checkbox_group": "fr-checkbox-group",
    "label": "fr-label",
    "hint": "fr-hint-text",
    "error_text": "fr-error-text",
    "field_error": "fr-fieldset--error field",
    "field": "field",
    "alert_error": "fr-alert fr-alert--error",
    "alert_info": "fr-alert fr-alert--info",
    "alert_success": "fr-alert fr-alert--success",
    "progress": "progress",
    "footer": "fr-footer site-footer",
    "table": "fr-table",
    "breadcrumb": "fr-breadcrumb",
}

THEMES: dict[str, Theme] = {
    "effipia": Theme("effipia", ("effipia.css",), _EFFIPIA),
    # Vendored subset of @gouvfr/dsfr 1.15.3 (static/web/dsfr/README.md): core and the components used.
    "dsfr": Theme(
        "dsfr",
        (
            "dsfr/core/core.main.min.css",
            *(f"dsfr/component/{c}/{c}.main.min.css" for c in
              ("skiplink", "logo", "header", "footer", "link", "button", "form", "input", "radio", "checkbox", "alert")),
            "dsfr-effipia.css",
        ),
        _DSFR,
    ),
}

templates = Jinja2Templates(directory=str(files("effipia") / "templates" / "web"))
templates.env.globals.update(number=number, percent=percent)
templates.env.trim_blocks = True
templates.env.lstrip_blocks = True


def render(request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200) -> HTMLResponse:
    """Render template ``name`` with the theme and site settings of the application."""
    settings = request.app.state.settings
    theme = THEMES[request.app.state.theme]
    full = {"ui": theme, "theme": theme, "settings": settings, **(context or {})}
    response = templates.TemplateResponse(request, name, full, status_code=status_code)
    response.headers.setdefault("Cache-Control", "no-store")
    return response
