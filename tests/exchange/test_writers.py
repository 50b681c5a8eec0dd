"""Exported files carry the questionnaire's labels (SAV, DTA, XLSX) and respect format limits."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pyreadstat
import pytest
from openpyxl import load_workbook

from effipia.errors import EffipiaError, message
from effipia.exchange import read_responses, write_response_file
from effipia.exchange.writers import STATA_NAME_MAX, indicator_names

FRAME = pl.DataFrame(
    {
        "respondent_id": ["R1", "R2"],
        "campus_id": ["C01", "C02"],
        "category": ["lycee", "autre"],
        "partner_type": ["lycee", None],
        "consortium": [1, None],
        "pia_concerned": [0, None],
        "expectations": ["exp_partenariats exp_orientation", None],
        "dyn_1": [1, 9],
        "lead_1": [8, None],
    },
    schema_overrides={"consortium": pl.Int64, "pia_concerned": pl.Int64, "dyn_1": pl.Int64, "lead_1": pl.Int64},
)


@pytest.mark.parametrize("fmt", ["sav", "dta"])
def test_spss_and_stata_labels(tmp_path: Path, form, fmt: str) -> None:
    path = write_response_file(FRAME, tmp_path / f"r.{fmt}", fmt, form=form)
    reader = pyreadstat.read_sav if fmt == "sav" else pyreadstat.read_dta
    data, meta = reader(str(path))
    labels = meta.column_names_to_labels
    # Wording from the workbook's survey sheet (rows dyn_1 and lead_1).
    assert labels["dyn_1"] == "Développer des objectifs largement compris et partagés"
    assert labels["lead_1"] == "Motiver les personnes ou les structures impliquées dans le partenariat"
    # Value labels: the choices sheet's yes_no_na and quality4 lists.
    assert meta.variable_value_labels["dyn_1"] == {1: "Oui", 2: "Non", 9: "NA (non concerné / sans réponse)"}
    assert meta.variable_value_labels["lead_1"] == {
        1: "Très bonne", 2: "Bonne", 3: "Faible", 4: "Très faible", 8: "Ne sait pas", 9: "NA (non concerné / sans réponse)"
    }
    assert meta.variable_value_labels["consortium"] == {1: "Oui", 0: "Non"}
    # One 0/1 indicator per expectation choice, named by the choice, after the text column.
    choices = list(form.choices["expectations"])
    assert meta.column_names[:8] == [*FRAME.columns[:7], choices[0]]
    assert data["exp_partenariats"].tolist()[0] == 1
    assert data["exp_orientation"].tolist()[0] == 1
    assert data["exp_equipements"].tolist()[0] == 0
    assert data["exp_partenariats"].isna().tolist()[1]  # not asked of "autre": missing, not 0
    full = f"{form.labels['expectations']} : Nouer ou renforcer des partenariats"
    limit = 80 if fmt == "dta" else 255  # Stata / SPSS variable-label lengths
    assert labels["exp_partenariats"] == (full if len(full) <= limit else full[: limit - 1] + "…")
    assert meta.variable_value_labels["exp_partenariats"] == {1: message("exchange.chosen"), 0: message("exchange.not_chosen")}
    assert all(len(name) <= STATA_NAME_MAX for name in meta.column_names)
    if fmt == "dta":
        assert all(len(label) <= 80 for label in labels.values() if label)  # Stata's variable-label limit


def test_indicators_are_checked_against_the_text_column(tmp_path: Path, form) -> None:
    path = write_response_file(FRAME, tmp_path / "r.sav", "sav", form=form)
    data, meta = pyreadstat.read_sav(str(path))
    data.loc[0, "exp_equipements"] = 1.0  # an evaluator ticks a choice in SPSS but not in the text
    pyreadstat.write_sav(data, str(path), column_labels=meta.column_names_to_labels)
    result = read_responses(path, form)
    [problem] = result.problems
    assert (problem.row, problem.column, problem.code) == (2, "expectations", "exchange.split_mismatch")


def test_xlsx_has_a_labels_sheet(tmp_path: Path, form) -> None:
    path = write_response_file(FRAME, tmp_path / "r.xlsx", "xlsx", form=form)
    book = load_workbook(path, read_only=True)
    assert book.sheetnames == [message("exchange.sheet_responses"), message("exchange.sheet_labels")]
    rows = [r + (None,) * (4 - len(r)) for r in book.worksheets[1].iter_rows(values_only=True)]
    assert rows[0] == tuple(message(f"exchange.labels_{k}") for k in ("column", "question", "code", "answer"))
    dyn = [r for r in rows if r[0] == "dyn_1"]
    assert dyn == [
        ("dyn_1", "Développer des objectifs largement compris et partagés", None, None),
        ("dyn_1", None, 1, "Oui"),
        ("dyn_1", None, 2, "Non"),
        ("dyn_1", None, 9, "NA (non concerné / sans réponse)"),
    ]
    book.close()


def test_extra_columns_hook(tmp_path: Path, form) -> None:
    scores = pl.DataFrame({"respondent_id": ["R2", "R1"], "score_dynamique": [0.5, 1.0]})
    path = write_response_file(FRAME, tmp_path / "r.dta", "dta", form=form, extra=scores,
                               extra_labels={"score_dynamique": "Score de dynamique partenariale"})
    data, meta = pyreadstat.read_dta(str(path))
    assert data["score_dynamique"].tolist() == [1.0, 0.5]  # joined on respondent_id, file order kept
    assert meta.column_names_to_labels["score_dynamique"] == "Score de dynamique partenariale"
    with pytest.raises(EffipiaError) as clash:
        write_response_file(FRAME, tmp_path / "x.csv", "csv", form=form, extra=FRAME.select("respondent_id", "dyn_1"))
    assert clash.value.code == "exchange.extra_conflict"
    long = pl.DataFrame({"respondent_id": ["R1"], "x" * 33: [1]})
    with pytest.raises(EffipiaError) as too_long:
        write_response_file(FRAME, tmp_path / "y.dta", "dta", form=form, extra=long)
    assert too_long.value.code == "exchange.name_too_long"
    spss = pl.DataFrame({"respondent_id": ["R1"], "é" * 33: [1]})  # 33 characters, 66 bytes
    with pytest.raises(EffipiaError) as too_long_spss:
        write_response_file(FRAME, tmp_path / "y.sav", "sav", form=form, extra=spss)
    assert str(too_long_spss.value) == message("exchange.name_too_long_spss", column="é" * 33, limit=64)


def test_indicator_names_are_unique_stata_names(form) -> None:
    names = indicator_names(form)["expectations"]
    assert list(names) == list(form.choices["expectations"])
    assert len(set(names.values())) == len(names)
    assert not set(names.values()) & set(form.columns)
    assert all(len(n) <= STATA_NAME_MAX and n.isidentifier() for n in names.values())


def test_xlsx_text_cells_stay_text(tmp_path: Path, form) -> None:
    # Identifiers that look like formulas or links must come back as written (openpyxl
    # wrote « =… » as a formula, which a re-import read as an empty cell).
    frame = FRAME.with_columns(pl.Series("respondent_id", ["=1+1", "http://exemple.fr/R2"]))
    path = write_response_file(frame, tmp_path / "r.xlsx", "xlsx", form=form)
    book = load_workbook(path)
    sheet = book.worksheets[0]
    assert [sheet.cell(row=r, column=1).data_type for r in (2, 3)] == ["s", "s"]
    assert sheet.cell(row=3, column=1).hyperlink is None
    book.close()
    assert read_responses(path, form).frame["respondent_id"].to_list() == ["=1+1", "http://exemple.fr/R2"]
