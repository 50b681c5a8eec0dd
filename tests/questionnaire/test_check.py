"""``check_workbook`` and ``effipia questionnaire check`` on the shipped and on broken workbooks."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from effipia.cli import app
from effipia.errors import message
from effipia.questionnaire import SheetProblem, check_workbook, load_questionnaire, shipped_path


def _edit(tmp_path: Path, name: str, survey: dict[str, dict[str, str]] | None = None,
          drop_choice: tuple[str, str] | None = None) -> tuple[Path, dict[str, int]]:
    """Copy of the shipped workbook with survey cells changed ({item: {column: value}});
    returns the path and the spreadsheet line of each edited item."""
    wb = load_workbook(shipped_path())
    ws = wb["survey"]
    header = [c.value for c in ws[1]]
    lines = {}
    for row in range(2, ws.max_row + 1):
        item = ws.cell(row, header.index("name") + 1).value
        for column, value in (survey or {}).get(item, {}).items():
            ws.cell(row, header.index(column) + 1).value = value
            lines[item] = row
    if drop_choice:
        choices = wb["choices"]
        for row in range(2, choices.max_row + 1):
            if (choices.cell(row, 1).value, str(choices.cell(row, 2).value)) == drop_choice:
                choices.delete_rows(row)
                break
    path = tmp_path / name
    wb.save(path)
    return path, lines


def test_the_shipped_workbook_passes():
    assert check_workbook(shipped_path()) == []


def test_wrong_list_name_and_bad_relevant_are_reported_with_sheet_and_row(tmp_path):
    path, lines = _edit(tmp_path, "casse.xlsx", {
        "dyn_1": {"type": "select_one yes_no_maybe"},
        "consortium": {"relevant": "string-length(${category}) = 0"},
    })
    detail = message("questionnaire.expr_unknown_function",
                     expression="string-length(${category}) = 0", name="string-length")
    expected = [
        SheetProblem.at(str(path), "survey", lines["consortium"], "questionnaire.bad_relevant",
                        item="consortium", detail=detail),
        SheetProblem.at(str(path), "survey", lines["dyn_1"], "questionnaire.unknown_list",
                        list_name="yes_no_maybe", item="dyn_1"),
    ]
    assert check_workbook(path) == expected

    result = CliRunner().invoke(app, ["questionnaire", "check", str(path)])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        message("questionnaire.check_failed", count="2"),
        f"{path}:survey:{lines['consortium']}: {expected[0].reason}",
        f"{path}:survey:{lines['dyn_1']}: {expected[1].reason}",
    ]


def test_pyxform_errors_are_reported_with_their_row(tmp_path):
    path, lines = _edit(tmp_path, "doublon.xlsx", {"dyn_2": {"name": "dyn_1"}})
    problems = check_workbook(path)
    assert len(problems) == 1
    assert (problems[0].sheet, problems[0].row, problems[0].code) == ("survey", lines["dyn_2"], "questionnaire.pyxform_error")


def test_the_enquete_unique_must_keep_the_codebook_items_and_codes(tmp_path):
    path, lines = _edit(tmp_path, "recode.xlsx", {"collab": {"name": "collab_x"}}, drop_choice=("yes_no_na", "9"))
    q = load_questionnaire()
    survey = load_workbook(path)["survey"]
    line_of = {row[1]: k for k, row in enumerate(survey.iter_rows(values_only=True), start=1)}
    expected = [
        SheetProblem.at(str(path), "survey", line_of[name], "questionnaire.codebook_code_missing",
                        item=name, answer="9", list_name="yes_no_na")
        for name in q.block_columns("grp_dyn")
    ] + [SheetProblem.at(str(path), "survey", None, "questionnaire.codebook_item_missing", item="collab")]
    assert sorted(check_workbook(path), key=str) == sorted(expected, key=str)


def test_the_enquete_unique_must_keep_the_codebook_routing(tmp_path):
    # Codebook routing table: collab is asked of every group; real_pia_k only when
    # real_known_k = 1; intl_contrib only when intl_known = 1 (lycées). The first two are
    # changed, the third rewritten in an equivalent form (numeric 1 for '1'): not a problem.
    shipped = load_questionnaire()
    path, lines = _edit(tmp_path, "routing.xlsx", {
        "collab": {"relevant": "${category} != 'autre'"},
        "real_pia_3": {"relevant": "${real_known_3} = 2"},
        "intl_contrib": {"relevant": "${intl_known} = 1"},
    })
    assert check_workbook(path) == [
        SheetProblem.at(str(path), "survey", lines["collab"], "questionnaire.codebook_routing_everyone", item="collab"),
        SheetProblem.at(str(path), "survey", lines["real_pia_3"], "questionnaire.codebook_routing_changed",
                        item="real_pia_3", expected=shipped.item("real_pia_3").relevant),
    ]


def test_check_prints_a_french_summary_on_success():
    result = CliRunner().invoke(app, ["questionnaire", "check", str(shipped_path())])
    assert result.exit_code == 0
    q = load_questionnaire()
    assert result.stdout.strip() == message(
        "questionnaire.check_summary", file=str(shipped_path()), title=q.title, version=q.version,
        questions=str(len(q.items)), blocks=str(len(q.blocks)), lists=str(len(q.lists)),
    )


def test_check_of_a_missing_file_is_a_french_error(tmp_path):
    result = CliRunner().invoke(app, ["questionnaire", "check", str(tmp_path / "absent.xlsx")])
    assert result.exit_code == 1
    assert result.stderr.strip() == "Erreur : " + message("generic.file_not_found", path=str(tmp_path / "absent.xlsx"))


def test_load_refuses_a_workbook_with_an_unsupported_relevant(tmp_path):
    from effipia.errors import EffipiaError

    path, _ = _edit(tmp_path, "casse.xlsx", {"benef_skills": {"relevant": "${category} >= 'a'"}})
    with pytest.raises(EffipiaError) as caught:
        load_questionnaire(path)
    assert caught.value.code == "questionnaire.bad_relevant"


def test_pyxform_warnings_are_problems_too(tmp_path):
    # A hint translated into English without the English labels: pyxform warns about the missing columns.
    wb = load_workbook(shipped_path())
    ws = wb["survey"]
    column = ws.max_column + 1
    ws.cell(1, column).value = "hint::English (en)"
    ws.cell(2, column).value = "Respondent id"
    path = tmp_path / "avertissement.xlsx"
    wb.save(path)
    problems = check_workbook(path)
    assert [p.code for p in problems] == ["questionnaire.pyxform_warning"]
    assert "English (en)" in problems[0].reason
