"""The result of an operation: its output, its problems and its warnings.

The shape of pyxform's ``ConvertResult``: the thing produced plus what the user must know
about it. ``problems`` are non-fatal defects located in an input (``fichier:ligne:colonne:
raison``, e.g. a partner the territories could not place); a fatal one is raised instead
(:class:`~effipia.errors.ValidationFailed`, all at once, nothing written). ``warnings``
(:class:`effipia.results.Warning`: code, French message, identifying fields) say what was
left out or is weaker than expected.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from effipia.errors import Problem
from effipia.results import WARNING_COLUMNS, Warning, write_warnings

__all__ = ["OperationResult", "Warning", "WARNING_COLUMNS", "write_warnings"]

T = TypeVar("T")


@dataclass
class OperationResult(Generic[T]):
    """``value``: what the operation produced; ``problems``: non-fatal input defects;
    ``warnings``: what the user must read about the result."""

    value: T
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Warning] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """No problem (warnings do not count)."""
        return not self.problems

    def extend(self, warnings: Iterable[Warning]) -> "OperationResult[T]":
        """Add ``warnings`` (in order, each once) and return ``self``."""
        for warning in warnings:
            if warning not in self.warnings:
                self.warnings.append(warning)
        return self
