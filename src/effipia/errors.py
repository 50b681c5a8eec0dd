"""Errors and problems reported to users, in French, from a message catalogue.

The catalogue is every ``*.toml`` file of ``effipia/data/messages/`` (one per
stage: ``generic.toml``, ``registry.toml``…), each holding ``[section]`` tables of
``key = "template"``; a code is ``"section.key"``. A :class:`Problem` locates one
defect (file, row, column) and carries such a code. Validation collects every problem before
failing, and raises :class:`ValidationFailed` with all of them at once.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from typing import Any

__all__ = ["EffipiaError", "Problem", "ValidationFailed", "message"]


@cache
def _catalogue() -> dict[str, dict[str, str]]:
    catalogue: dict[str, dict[str, str]] = {}
    for resource in sorted((files("effipia") / "data" / "messages").iterdir(), key=lambda r: r.name):
        if resource.name.endswith(".toml"):
            for section, entries in tomllib.loads(resource.read_text(encoding="utf-8")).items():
                catalogue.setdefault(section, {}).update(entries)
    return catalogue


def message(code: str, **params: Any) -> str:
    """French text of message ``code`` ("section.key"), filled with ``params``."""
    section, _, key = code.partition(".")
    try:
        template = _catalogue()[section][key]
    except KeyError as exc:  # a missing code is a programming error, say so loudly
        raise KeyError(f"message code absent from the catalogue: {code}") from exc
    return template.format(**params)


class EffipiaError(Exception):
    """An error whose text is meant for the user (French)."""

    def __init__(self, code: str, **params: Any) -> None:
        self.code = code
        self.params = params
        super().__init__(message(code, **params))


@dataclass(frozen=True, order=True)
class Problem:
    """One defect in an input: where it is and why, in French.

    ``row`` is the 1-based line number as the user sees it in the file
    (header = line 1, first data row = line 2); ``None`` when it concerns the
    whole file or column.
    """

    file: str
    row: int | None
    column: str | None
    code: str
    params: tuple[tuple[str, Any], ...] = field(default=())

    @classmethod
    def at(cls, file: str, row: int | None, column: str | None, code: str, /, **params: Any) -> "Problem":
        return cls(file, row, column, code, tuple(sorted(params.items())))

    @property
    def reason(self) -> str:
        return message(self.code, **dict(self.params))

    def __str__(self) -> str:
        row = "" if self.row is None else str(self.row)
        column = self.column or ""
        return f"{self.file}:{row}:{column}: {self.reason}"


class ValidationFailed(EffipiaError):
    """Raised with every problem found; nothing has been written."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(set(problems), key=lambda p: (p.file, p.row or 0, p.column or "", p.code))
        self.code = "validation"
        self.params = {}
        Exception.__init__(self, "\n".join(str(p) for p in self.problems))
