"""The questionnaire (« enquête unique »): an XLSForm workbook as the single source of
items, answer codes, French labels and routing; validation of response frames; XForm.
"""

from __future__ import annotations

from effipia.questionnaire.check import SheetProblem, check_workbook
from effipia.questionnaire.model import Block, Choice, Item, Questionnaire, load_questionnaire
from effipia.questionnaire.routing import RoutingError
from effipia.questionnaire.workbook import shipped_path
from effipia.questionnaire.xform import to_xform

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
