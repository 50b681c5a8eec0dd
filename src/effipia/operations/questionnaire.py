"""Check an XLSForm workbook, write its XForm (no store: plain files in and out)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from effipia.operations.results import OperationResult

if TYPE_CHECKING:
    from effipia.questionnaire import Questionnaire

__all__ = ["check_questionnaire", "write_xform"]


def check_questionnaire(file: str | Path) -> OperationResult["Questionnaire | None"]:
    """Every problem of the workbook ``file`` (pyxform errors and warnings, choice lists,
    routing, codebook codes of an « enquête unique »); ``value`` is the loaded questionnaire
    when there is none, else ``None``."""
    from effipia.questionnaire import check_workbook, load_questionnaire

    problems = check_workbook(file)
    if problems:
        return OperationResult(None, problems=list(problems))
    return OperationResult(load_questionnaire(file))


def write_xform(out: str | Path, form: str | Path | None = None) -> OperationResult["Questionnaire"]:
    """Write the XForm (ODK XML) of workbook ``form`` (default: the shipped « enquête unique »)
    to ``out``; ``value`` is the questionnaire converted."""
    from effipia.questionnaire import load_questionnaire, to_xform

    xml = to_xform(form)
    Path(out).write_text(xml, encoding="utf-8")
    return OperationResult(load_questionnaire(form))
