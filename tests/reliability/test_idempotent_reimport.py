"""Every file effipia writes re-imports into the store that produced it without changing
anything (issue 11, item 3): synth's ``--out`` files and the responses exports in every
format; the store is compared byte for byte (SQLite dump) before and after."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from effipia.cli import app

runner = CliRunner()


def dump(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return list(conn.iterdump())


def run(url: str, *args: str) -> str:
    result = runner.invoke(app, ["--db", url, *args])
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> tuple[str, Path, Path]:
    folder = tmp_path_factory.mktemp("synth")
    db = folder / "effipia.db"
    url = f"sqlite:///{db}"
    run(url, "synth", "--seed", "11", "--campuses", "3", "--partners", "25", "--campaign", "c1", "--out", str(folder / "out"))
    return url, db, folder / "out"


@pytest.mark.parametrize(
    ("command", "file"),
    [(("campuses", "import"), "campuses.csv"), (("partners", "import"), "partners.csv"), (("responses", "import"), "responses.csv")],
)
def test_synth_files_reimport_unchanged(synthetic, command, file) -> None:
    # Before: re-importing partners.csv updated hundreds of rows (empty pia_concerned read as 0).
    url, db, out = synthetic
    before = dump(db)
    extra = ("--campaign", "c1") if command[0] != "campuses" else ()
    said = run(url, *command, str(out / file), *extra)
    assert dump(db) == before, said
    assert " 0 mis à jour" in said or "0 remplacée(s)" in said


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet", "sav", "dta"])
def test_responses_exports_reimport_unchanged(synthetic, tmp_path, fmt) -> None:
    url, db, _ = synthetic
    path = tmp_path / f"export.{fmt}"
    run(url, "responses", "export", "--format", fmt, "--out", str(path), "--campaign", "c1")
    before = dump(db)
    said = run(url, "responses", "import", str(path), "--campaign", "c1")
    assert dump(db) == before, said
    assert "0 ajoutée(s), 0 remplacée(s)" in said


def test_formula_like_identifiers_survive_an_export_round_trip(tmp_path) -> None:
    # Identifiers beginning like formulas: escaped in the CSV (OWASP), given back on re-import.
    db = tmp_path / "f.db"
    url = f"sqlite:///{db}"
    source = tmp_path / "r.csv"
    source.write_text(
        "respondent_id,campus_id,category,dyn_1\n=R1,C01,entreprise,1\n@R2,C01,lycee,2\n-R3,C01,lycee,1\n+R4,C01,lycee,9\n",
        encoding="utf-8",
    )
    run(url, "responses", "import", str(source), "--campaign", "v1")
    exported = tmp_path / "export.csv"
    run(url, "responses", "export", "--format", "csv", "--out", str(exported))
    lines = exported.read_text(encoding="utf-8").splitlines()
    assert sorted(line.split(",")[0] for line in lines[1:]) == ["'+R4", "'-R3", "'=R1", "'@R2"]
    before = dump(db)
    run(url, "responses", "import", str(exported), "--campaign", "v1")
    assert dump(db) == before
