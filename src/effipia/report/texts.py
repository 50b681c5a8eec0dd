"""Report texts, titles and order (data files) and the Jinja templates, overridable.

The package ships ``data/report/{common,national,campus}.toml`` and
``templates/report/*.j2``. The setting ``report_templates`` (``EFFIPIA_REPORT_TEMPLATES``)
names a folder of a team's own: a ``*.toml`` file there of the same name is merged key by key
over the shipped one (the team's keys win), and a ``*.j2`` file there replaces the shipped
template of that name or adds a new one (a chapter listed in ``order``).
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

import jinja2

from effipia.errors import EffipiaError
from effipia.settings import get_settings

__all__ = ["ReportTexts", "load_texts", "environment", "fill"]


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        out[key] = _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def _user_folder(folder: str | Path | None) -> Path | None:
    folder = folder if folder is not None else get_settings().report_templates
    if folder is None:
        return None
    path = Path(folder)
    if not path.is_dir():
        raise EffipiaError("report.templates_missing", path=path)
    return path


def _read_toml(name: str, user: Path | None) -> dict[str, Any]:
    text = (files("effipia") / "data" / "report" / f"{name}.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    if user is not None and (user / f"{name}.toml").is_file():
        path = user / f"{name}.toml"
        try:
            data = _merge(data, tomllib.loads(path.read_text(encoding="utf-8")))
        except tomllib.TOMLDecodeError as exc:
            raise EffipiaError("report.templates_toml", path=path, detail=exc) from None
    return data


@dataclass(frozen=True)
class ReportTexts:
    """The merged texts of the reports and the user folder they came from (if any)."""

    common: dict[str, Any]
    national: dict[str, Any]
    campus: dict[str, Any]
    folder: Path | None


def load_texts(folder: str | Path | None = None) -> ReportTexts:
    """Shipped texts merged with the team's folder (``folder`` or the setting)."""
    user = _user_folder(folder)
    return ReportTexts(_read_toml("common", user), _read_toml("national", user), _read_toml("campus", user), user)


@functools.lru_cache(maxsize=8)
def environment(folder: Path | None) -> jinja2.Environment:
    """Jinja environment: the team's folder first, then the package's ``templates/report``.
    One per folder and process (templates compiled once, not once per report: 0,8 s per
    campus report; a changed template file is still reloaded, Jinja checks its date)."""
    loaders: list[jinja2.BaseLoader] = []
    if folder is not None:
        loaders.append(jinja2.FileSystemLoader(str(folder)))
    loaders.append(jinja2.PackageLoader("effipia", "templates/report"))
    return jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


class _Lenient(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def fill(template: str, **values: Any) -> str:
    """``template`` with ``{name}`` placeholders filled (unknown names left as written)."""
    return template.format_map(_Lenient(values))
