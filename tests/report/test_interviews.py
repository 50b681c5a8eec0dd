"""The interview log: import through the CLI on both store back-ends, every problem at once
in French, and Tableau 1 counted from it (structures and campuses by category)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from effipia.cli import app
from effipia.report.interviews import read_interviews, tableau_1
from effipia.report.texts import load_texts
from effipia.store import Store

LOG = """structure;category;campus_id;date
Lycée Jean Monnet;lycée;CMQ01;2024-03-04
Lycée Arago;Établissements d'enseignement secondaire;CMQ01;05/03/2024
Lycée Colbert;lycee;CMQ02;2024-03-06
CFA du bâtiment;CFA;CMQ02;2024-03-07
Université de Rennes;enseignement supérieur;CMQ01;2024-03-08
Airbus Atlantic;Entreprises;CMQ02;2024-03-09
Région Bretagne;acteur public;CMQ01;2024-03-10
"""


@pytest.fixture
def registry(db_url) -> str:
    with Store(db_url) as store:
        store.write_campuses(pl.DataFrame({"campus_id": ["CMQ01", "CMQ02"], "name": ["Campus un", "Campus deux"]}))
    return db_url


def test_import_then_tableau_1(registry, tmp_path: Path):
    log = tmp_path / "entretiens.csv"
    log.write_text(LOG, encoding="utf-8")
    result = CliRunner().invoke(app, ["--db", registry, "interviews", "import", str(log), "--campaign", "vague-1"])
    assert result.exit_code == 0, result.output
    assert "Entretiens : 7 ajoutés, 0 mis à jour, 0 inchangés (campagne « vague-1 »)" in result.output
    again = CliRunner().invoke(app, ["--db", registry, "interviews", "import", str(log), "--campaign", "vague-1"])
    assert "0 ajoutés, 0 mis à jour, 7 inchangés" in again.output
    with Store(registry) as store:
        stored = store.interviews("vague-1")
    assert stored.height == 7 and set(stored["category"]) == {"secondaire", "cfa_of", "superieur", "entreprise", "acteur_public"}
    table = tableau_1(stored, load_texts().national["tables"]["tableau_1"], load_texts().common, campaign="vague-1")
    rows = {r.label.strip(): [c.text for c in r.cells] for r in table.rows}
    # by hand: 3 lycées in 2 campuses; 1 CFA in 1; 1 university in 1 → « Opérateurs de formation » 5 in 2 campus
    assert rows["Opérateurs de formation"] == ["5", "2 campus"]
    assert rows["Établissements d'enseignement secondaire"] == ["3", "2 campus"]
    assert rows["CFA et OF"] == ["1", "1 campus"]
    assert rows["Entreprises"] == ["1", "1 campus"]
    assert rows["Acteurs publics"] == ["1", "1 campus"]
    assert "Associations" not in rows
    assert table.lecture == "Lecture : 3 structures de la catégorie « Établissements d'enseignement secondaire » ont été rencontrées en entretien, dans 2 campus."


def test_every_problem_at_once_nothing_written(registry, tmp_path: Path):
    log = tmp_path / "entretiens.csv"
    log.write_text("structure;category;campus_id;date\nLycée A;lycée;CMQ09;2024-03-04\n;inconnue;CMQ01;demain\nLycée A;lycée;CMQ09;2024-03-04\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["--db", registry, "interviews", "import", str(log), "--campaign", "vague-1"])
    assert result.exit_code == 1
    err = result.output
    assert "entretiens.csv:2:campus_id: campus inconnu du registre : CMQ09" in err
    assert "entretiens.csv:3:structure: valeur obligatoire vide" in err
    assert "entretiens.csv:3:category: catégorie de structure inconnue : « inconnue »" in err
    assert "entretiens.csv:3:interview_date: date illisible : « demain »" in err
    assert "entretiens.csv:4:interview_id: entretien en double" in err
    with Store(registry) as store:
        assert "vague-1" not in store.campaign_names()


def test_missing_columns_named(tmp_path: Path):
    log = tmp_path / "e.csv"
    log.write_text("nom;date\nX;2024-01-01\n", encoding="utf-8")
    from effipia.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as info:
        read_interviews(log)
    texts = [str(p) for p in info.value.problems]
    assert sorted(texts) == ["e.csv:1:campus_id: colonne obligatoire absente : campus_id", "e.csv:1:category: colonne obligatoire absente : category"]
