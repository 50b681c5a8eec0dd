"""Warnings: what a stage or an operation tells the user it left out or could not do.

A :class:`Warning` is not a failure: the work went on, but something the user would
expect is missing or weaker (an invited campus × group cell without any respondent, a model
that could not be fitted, a campus below the disclosure minimum…). It carries a catalogue
``code`` (French text in ``data/messages/*.toml``), the parameters of that text and the
fields that identify the case (``campus``, ``group``, ``item``, ``statistic``, ``producer``),
which are also the columns of ``warnings.csv`` after ``code`` and ``message``.

Stages (plain Python, below the operations) report warnings by appending to a list they are
given (``warnings=`` argument); the operations layer (:mod:`effipia.operations`) gathers them
into its :class:`~effipia.operations.results.OperationResult`; adapters print them (CLI: one
French line each on stderr) or show them (web, report annex).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from effipia.csvsafe import write_rows
from effipia.errors import message

__all__ = ["Warning", "WARNING_COLUMNS", "IDENTIFYING_FIELDS", "write_warnings"]

#: Fields identifying the case a warning is about, in ``warnings.csv`` column order.
IDENTIFYING_FIELDS: tuple[str, ...] = ("campus", "group", "item", "statistic", "producer")

#: Columns of ``warnings.csv``.
WARNING_COLUMNS: tuple[str, ...] = ("code", "message", *IDENTIFYING_FIELDS)


@dataclass(frozen=True, order=True)
class Warning:  # noqa: A001 - the project's own warning record; the builtin is never needed next to it
    """One thing the user should know about a result that was nevertheless produced."""

    code: str
    params: tuple[tuple[str, Any], ...] = field(default=())
    campus: str | None = None
    group: str | None = None
    item: str | None = None
    statistic: str | None = None
    producer: str | None = None

    @classmethod
    def of(
        cls,
        code: str,
        /,
        *,
        campus: str | None = None,
        group: str | None = None,
        item: str | None = None,
        statistic: str | None = None,
        producer: str | None = None,
        **params: Any,
    ) -> "Warning":
        """A warning of catalogue ``code``; ``params`` fill its text, the named fields identify it."""
        return cls(code, tuple(sorted(params.items())), campus, group, item, statistic, producer)

    @property
    def message(self) -> str:
        """The French text (integers in French format, « 1 914 »); identifying fields are
        available to the template as well (``{campus}``, ``{group}``…)."""
        from effipia.formatting import number

        values: dict[str, Any] = {name: getattr(self, name) for name in IDENTIFYING_FIELDS}
        for key, value in self.params:
            values[key] = number(value) if isinstance(value, int) and not isinstance(value, bool) else value
        return message(self.code, **values)

    def row(self) -> dict[str, str | None]:
        """The ``warnings.csv`` row of this warning."""
        return {"code": self.code, "message": self.message, **{name: getattr(self, name) for name in IDENTIFYING_FIELDS}}

    def __str__(self) -> str:
        return self.message


def write_warnings(warnings: Iterable[Warning], path: str | Path) -> Path:
    """Write ``warnings.csv`` (UTF-8, comma; columns :data:`WARNING_COLUMNS`), with its
    header only when there is nothing to say."""
    path = Path(path)
    # effipia.csvsafe: a campus or item name never runs as a formula in a spreadsheet
    write_rows(path, WARNING_COLUMNS, (warning.row() for warning in warnings))
    return path
