"""The interview log is read like every other import (issue 11, items 1–2): the registry's
reader over effipia.tabular refuses what it cannot read faithfully, and every problem of
the file — reading and values, of several kinds — is reported at once, in French, at
``fichier:ligne:colonne``, with nothing written.

Each file is made here, small; expected texts come from data/messages/reading.toml and
report.toml ([interviews])."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from effipia.errors import ValidationFailed
from effipia.operations.interviews import import_interviews
from effipia.report.interviews import read_interviews
from effipia.store import Store

HEADER = "structure;category;campus_id;date"


@pytest.fixture
def store(db_url):
    with Store(db_url) as opened:
        opened.write_campuses(pl.DataFrame({"campus_id": ["CMQ01", "CMQ02"], "name": ["Campus un", "Campus deux"]}))
        yield opened


def _refused(store: Store, path: Path) -> list[str]:
    """The French lines of a refused import, after checking that nothing was written."""
    before = store.counts()
    with pytest.raises(ValidationFailed) as info:
        import_interviews(store, path, campaign="vague-1")
    assert store.counts() == before
    assert "vague-1" not in store.campaign_names()
    return [str(p) for p in info.value.problems]


def test_reading_and_value_problems_of_several_kinds_reported_together(store, tmp_path: Path) -> None:
    log = tmp_path / "entretiens.csv"
    log.write_text(
        "\n".join([
            HEADER,
            "Lycée Jean Monnet;lycée;CMQ01;2024-03-04",  # fine
            "Lycée Arago;lycée;CMQ01",                     # short row (3 values for 4 columns)
            "CFA du bâtiment;CFA;CMQ02;2024-03-07;en trop",  # long row (a value past the last column)
            ";inconnue;CMQ09;demain",                       # four value problems on one line
            "X" * 501 + ";Entreprises;CMQ01;2024-03-09",   # longer than interviews.structure (500)
        ]) + "\n",
        encoding="utf-8",
    )
    lines = _refused(store, log)
    assert lines == [
        "entretiens.csv:3:: ligne de 3 valeurs alors que l'en-tête compte 4 colonnes (ligne coupée ou séparateur manquant)",
        "entretiens.csv:4:: ligne de 5 valeurs alors que l'en-tête compte 4 colonnes (valeurs au-delà de la dernière colonne)",
        "entretiens.csv:5:campus_id: campus inconnu du registre : CMQ09",
        "entretiens.csv:5:category: catégorie de structure inconnue : « inconnue » (attendu : "
        + lines[3].split("(attendu : ", 1)[1],
        "entretiens.csv:5:interview_date: date illisible : « demain » (attendu AAAA-MM-JJ ou JJ/MM/AAAA)",
        "entretiens.csv:5:structure: valeur obligatoire vide",
        "entretiens.csv:6:structure: texte de 501 caractères, plus long que les 500 que la base accepte pour cette colonne",
    ]


def test_duplicated_header_is_refused_with_the_values(store, tmp_path: Path) -> None:
    log = tmp_path / "entretiens.csv"
    # « catégorie » and « category » both feed the category column: the second would be ignored.
    log.write_text("structure;catégorie;campus_id;category\nLycée A;lycée;CMQ01;CFA\nLycée B;lycée;CMQ07;CFA\n", encoding="utf-8")
    assert _refused(store, log) == [
        "entretiens.csv:1:category: en-tête en double : « category » (déjà en colonne n° 2)",
        "entretiens.csv:3:campus_id: campus inconnu du registre : CMQ07",
    ]


def test_mixed_encoding_refused_at_its_line(store, tmp_path: Path) -> None:
    log = tmp_path / "entretiens.csv"
    # UTF-8 file with one line saved in Windows-1252 (« Lycée » as the byte 0xE9).
    log.write_bytes((HEADER + "\nLycée A;lycée;CMQ01;2024-03-04\n").encode("utf-8")
                    + "Lycée B;lycée;CMQ01;2024-03-05\n".encode("cp1252"))
    lines = _refused(store, log)
    assert len(lines) == 1 and lines[0].startswith("entretiens.csv:3:: ")


def test_header_only_file_creates_nothing(store, tmp_path: Path) -> None:
    log = tmp_path / "entretiens.csv"
    log.write_text(HEADER + "\n", encoding="utf-8")
    assert _refused(store, log) == ["entretiens.csv:1:: aucune ligne de données sous l'en-tête : rien à importer"]


def test_workbook_formula_without_value_refused_at_its_cell(tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["structure", "category", "campus_id", "date"])
    sheet.append(["Lycée A", "lycée", "CMQ01", "2024-03-04"])
    sheet.append(["Lycée B", "=A2", "CMQ01", "2024-03-05"])  # openpyxl stores no cached value
    path = tmp_path / "entretiens.xlsx"
    book.save(path)
    with pytest.raises(ValidationFailed) as info:
        read_interviews(path)
    assert [(p.row, p.column) for p in info.value.problems] == [(3, "category")]
    assert info.value.problems[0].code.startswith("reading.")


def test_a_valid_log_still_imports(store, tmp_path: Path) -> None:
    log = tmp_path / "entretiens.csv"
    log.write_text("\ufeff" + HEADER + "\nLycée A;lycée;CMQ01;04/03/2024\nCFA B;CFA;CMQ02;\n", encoding="utf-8")
    result = import_interviews(store, log, campaign="vague-1")
    assert result.value.stats.created == 2
    stored = store.interviews("vague-1").sort("structure")
    assert stored["category"].to_list() == ["cfa_of", "secondaire"]  # data/report/interviews.toml aliases
