"""Checking an XLSForm workbook: pyxform's errors and warnings plus effipia's own rules.

effipia's rules: the survey, choices and settings sheets exist; every choice list
a question names exists; every ``relevant``, ``choice_filter`` and ``constraint``
is in the subset the routing evaluator understands; and a workbook that calls
itself the « enquête unique » (same ``form_id`` as the shipped one) keeps every
codebook item with its list and codes (codes may be added, never removed) and asks
each of them of the same respondents as the shipped workbook (the codebook's routing).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
from pyxform.errors import PyXFormError
from pyxform.xls2xform import convert

from effipia.errors import EffipiaError, message
from effipia.questionnaire import routing
from effipia.questionnaire.model import _COUNT_SELECTED, Questionnaire, from_json, load_questionnaire
from effipia.questionnaire.workbook import read_definition, to_json

__all__ = ["SheetProblem", "check_workbook"]

_SELECT = re.compile(r"^(select_one|select one|select_multiple|select all that apply)\s+(\S+)")
_ROW = re.compile(r"\[row\s*:\s*(\d+)\]", re.IGNORECASE)
_SHEET = re.compile(r"'(survey|choices|settings|entities|external_choices)' sheet|sheet '(\w+)'", re.IGNORECASE)
_RELEVANT = ("relevant", "relevance", "bind::relevant")
_CHOICE_FILTER = ("choice_filter", "choice filter")
_CONSTRAINT = ("constraint", "bind::constraint")
_REF = re.compile(r"\$\{(\w+)\}")
_REQUIRED_SHEETS = ("survey", "choices", "settings")


@dataclass(frozen=True)
class SheetProblem:
    """One defect of a workbook: file, sheet and spreadsheet line (header = line 1)."""

    file: str
    sheet: str | None
    row: int | None
    code: str
    params: tuple[tuple[str, Any], ...] = field(default=())

    @classmethod
    def at(cls, file: str, sheet: str | None, row: int | None, code: str, /, **params: Any) -> SheetProblem:
        return cls(file, sheet, row, code, tuple(sorted(params.items())))

    @property
    def reason(self) -> str:
        return message(self.code, **dict(self.params))

    def __str__(self) -> str:
        return f"{self.file}:{self.sheet or ''}:{'' if self.row is None else self.row}: {self.reason}"


def _cell(row: dict[str, str], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        if row.get(key):
            return row[key]
    return None


def check_workbook(path: str | Path) -> list[SheetProblem]:
    """Every problem of the XLSForm workbook at ``path`` (empty list: the workbook is sound)."""
    file = str(path)
    try:
        definition = read_definition(path)
    except EffipiaError as exc:
        if exc.code == "generic.file_not_found":
            raise
        return [SheetProblem.at(file, None, None, exc.code, **exc.params)]

    problems: list[SheetProblem] = []
    sheets = {name.lower() for name in definition.sheet_names or []}
    for sheet in _REQUIRED_SHEETS:
        if sheet not in sheets:
            problems.append(SheetProblem.at(file, None, None, "questionnaire.missing_sheet", sheet=sheet))

    lists = {row.get("list_name") or row.get("list name") for row in definition.choices or []}
    expressions = ((_RELEVANT, False, "questionnaire.bad_relevant"), (_CHOICE_FILTER, True, "questionnaire.bad_choice_filter"))
    for index, row in enumerate(definition.survey or []):
        line, name = index + 2, row.get("name", "")
        select = _SELECT.match(row.get("type", ""))
        if select and select.group(2) not in lists:
            problems.append(
                SheetProblem.at(file, "survey", line, "questionnaire.unknown_list", list_name=select.group(2), item=name)
            )
        for keys, bare, code in expressions:
            expression = _cell(row, keys)
            if expression:
                try:
                    routing.parse(expression, allow_bare=bare)
                except routing.RoutingError as exc:
                    problems.append(SheetProblem.at(file, "survey", line, code, item=name, detail=str(exc)))
        constraint = _cell(row, _CONSTRAINT)
        multiple = bool(select) and select.group(1) in ("select_multiple", "select all that apply")
        if constraint and not (multiple and _COUNT_SELECTED.match(constraint)):
            problems.append(
                SheetProblem.at(file, "survey", line, "questionnaire.bad_constraint", item=name, constraint=constraint)
            )

    warnings: list[str] = []
    converted = True
    try:
        convert(str(path), warnings=warnings)
    except PyXFormError as exc:
        converted = False
        problems.extend(_from_pyxform(file, str(exc), "questionnaire.pyxform_error", problems))
    for warning in warnings:
        problems.extend(_from_pyxform(file, warning, "questionnaire.pyxform_warning", problems))

    if converted and not problems:
        form = from_json(to_json(definition), file)
        shipped = load_questionnaire()
        if form.form_id == shipped.form_id:
            problems.extend(_against_codebook(file, form, shipped, definition.survey or []))
            if not problems:
                problems.extend(_routing_against_codebook(file, form, shipped, definition.survey or []))
    return problems


def _from_pyxform(file: str, text: str, code: str, known: list[SheetProblem]) -> list[SheetProblem]:
    """A pyxform message as a problem, unless effipia already reported that very line."""
    row_match, sheet_match = _ROW.search(text), _SHEET.search(text)
    row = int(row_match.group(1)) if row_match else None
    sheet = (sheet_match.group(1) or sheet_match.group(2)).lower() if sheet_match else ("survey" if row else None)
    if row is not None and any(p.sheet == sheet and p.row == row for p in known):
        return []
    return [SheetProblem.at(file, sheet, row, code, detail=" ".join(text.split()))]


def _against_codebook(file: str, form: Questionnaire, shipped: Questionnaire, survey: list[dict]) -> list[SheetProblem]:
    """Items of the shipped « enquête unique » missing, moved to another list or missing a code."""
    lines = {row.get("name"): index + 2 for index, row in enumerate(survey)}
    problems = []
    for expected in shipped.items:
        if expected.name not in form:
            problems.append(SheetProblem.at(file, "survey", None, "questionnaire.codebook_item_missing", item=expected.name))
            continue
        actual = form.item(expected.name)
        line = lines.get(expected.name)
        if expected.list_name and actual.list_name != expected.list_name:
            problems.append(
                SheetProblem.at(
                    file, "survey", line, "questionnaire.codebook_list_changed",
                    item=expected.name, list_name=actual.list_name, expected=expected.list_name,
                )
            )
            continue
        for code in expected.codes:
            if code not in actual.codes:
                problems.append(
                    SheetProblem.at(
                        file, "survey", line, "questionnaire.codebook_code_missing",
                        item=expected.name, answer=code, list_name=actual.list_name,
                    )
                )
    return problems


def _probe(shipped: Questionnaire) -> pl.DataFrame:
    """Respondents covering the shipped routing: every group, alone and with each code of
    each question a condition depends on (one such question answered per row)."""
    gates = sorted({name for item in shipped.items if item.relevant for name in _REF.findall(item.relevant)})
    groups = shipped.item("category").codes
    numeric = [g for g in gates if g != "category"]
    rows: list[dict[str, Any]] = []
    for group in groups:
        rows.append({"category": group})
        for gate in numeric:
            rows += [{"category": group, gate: int(code)} for code in shipped.item(gate).codes]
    schema = {"category": pl.String, **{g: pl.Int64 for g in numeric}}
    return pl.DataFrame(rows, schema=schema)


def _routing_against_codebook(
    file: str, form: Questionnaire, shipped: Questionnaire, survey: list[dict]
) -> list[SheetProblem]:
    """Codebook items the workbook asks of other respondents than the shipped one does."""
    lines = {row.get("name"): index + 2 for index, row in enumerate(survey)}
    probe = _probe(shipped)
    expected, actual = shipped.asked(probe), form.asked(probe)
    problems = []
    for item in shipped.items:
        if not expected[item.name].equals(actual[item.name]):
            line = lines.get(item.name)
            if item.relevant:
                problems.append(SheetProblem.at(
                    file, "survey", line, "questionnaire.codebook_routing_changed", item=item.name, expected=item.relevant
                ))
            else:
                problems.append(SheetProblem.at(file, "survey", line, "questionnaire.codebook_routing_everyone", item=item.name))
    return problems
