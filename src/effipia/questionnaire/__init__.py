"""The questionnaire (« enquête unique »): an XLSForm workbook as the single source of
items, answer codes, French labels and routing; validation of response frames; XForm.

pyxform (and openpyxl under it) is imported when a workbook is read, checked or
converted, not with this package: :func:`check_workbook` and :class:`SheetProblem` are
loaded on first use (``effipia.questionnaire.check``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from effipia.questionnaire.model import Block, Choice, Item, Questionnaire, load_questionnaire
from effipia.questionnaire.routing import RoutingError
from effipia.questionnaire.workbook import shipped_path
from effipia.questionnaire.xform import to_xform

if TYPE_CHECKING:
    from effipia.questionnaire.check import SheetProblem, check_workbook

__all__ = [
    "Block",
    "Choice",
    "Item",
    "Questionnaire",
    "RoutingError",
    "SheetProblem",
    "check_workbook",
    "load_questionnaire",
    "shipped_path",
    "to_xform",
]

_LAZY = {"SheetProblem": "effipia.questionnaire.check", "check_workbook": "effipia.questionnaire.check"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
