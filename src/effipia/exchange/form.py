"""What the exchange needs to know about the questionnaire, as plain values.

The questionnaire stage (:mod:`effipia.questionnaire`) is the single source of
items, choices and labels; this module reads it once into a :class:`FormView` so
that readers and writers depend on a few plain fields only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

from effipia.schema import RESPONSE_ID_COLUMNS

__all__ = ["FormView", "form_view"]


@dataclass(frozen=True)
class FormView:
    """Columns, types, labels and choices of the response layout."""

    #: Item columns (identification columns excluded) in questionnaire order.
    items: tuple[str, ...]
    #: Names of ``select_multiple`` items (text columns of space-separated choice names).
    multiple: frozenset[str]
    #: Question label of each column (identification columns included when the form has them).
    labels: dict[str, str] = field(default_factory=dict)
    #: Choices of each select column: choice name → choice label, in form order.
    choices: dict[str, dict[str, str]] = field(default_factory=dict)
    #: Enclosing group of each item: (group name, group label) — KoboToolbox header prefixes.
    blocks: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def columns(self) -> tuple[str, ...]:
        """Every column of the wide layout: identification columns then items."""
        return tuple(RESPONSE_ID_COLUMNS) + self.items

    def dtype(self, column: str) -> pl.DataType:
        """Polars dtype of ``column`` in the response frame."""
        if column in RESPONSE_ID_COLUMNS:
            return RESPONSE_ID_COLUMNS[column]
        return pl.String if column in self.multiple else pl.Int64


def _choice_map(raw: Any) -> dict[str, str]:
    """Normalise the questionnaire's choices (mapping, or sequence of pairs/objects) to name → label."""
    if raw is None:
        return {}
    if isinstance(raw, dict):
        return {str(k): str(v) for k, v in raw.items()}
    out: dict[str, str] = {}
    for choice in raw:
        if isinstance(choice, tuple | list):
            name, label = choice[0], choice[1]
        else:
            name = getattr(choice, "code", None) or getattr(choice, "name")
            label = getattr(choice, "label", "")
        out[str(name)] = str(label)
    return out


def form_view(questionnaire: Any = None) -> FormView:
    """Read ``questionnaire`` (default: the shipped one) into a :class:`FormView`."""
    if questionnaire is None:
        from effipia.questionnaire import load_questionnaire

        questionnaire = load_questionnaire()
    items: list[str] = []
    multiple: set[str] = set()
    labels: dict[str, str] = {}
    choices: dict[str, dict[str, str]] = {}
    block_labels = {b.name: str(b.label or "") for b in getattr(questionnaire, "blocks", [])}
    blocks: dict[str, tuple[str, str]] = {}
    for item in questionnaire.items:
        if item.block:
            blocks[item.name] = (item.block, block_labels.get(item.block, ""))
        name = item.name
        if name not in RESPONSE_ID_COLUMNS:
            items.append(name)
        if str(item.type).startswith("select_multiple"):
            multiple.add(name)
        labels[name] = str(item.label or "")
        if item.choices:
            choices[name] = _choice_map(item.choices)
    return FormView(tuple(items), frozenset(multiple), labels, choices, blocks)
