"""``effipia responses import|export``: French summaries, one problem per line, exit codes."""

from __future__ import annotations

from pathlib import Path

from polars.testing import assert_frame_equal
from typer.testing import CliRunner

from effipia.cli import app
from effipia.errors import Problem, message
from effipia.store import Store

from .conftest import open_store, snapshot
from .test_importing import EXPECTED, GOOD_ROWS, csv_file, replaced, without

runner = CliRunner()


def run(url: str, *args: str):
    return runner.invoke(app, ["--db", url, "responses", *args])


def test_import_then_export_every_format(sqlite_url: str, tmp_path: Path) -> None:
    open_store(sqlite_url).close()
    path = csv_file(tmp_path, GOOD_ROWS)
    result = run(sqlite_url, "import", str(path), "--campaign", "vague1")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == message(
        "exchange.import_done", file=str(path), format="CSV", rows="4", inserted="4", replaced="0",
        unchanged="0", campaign="vague1",
    )
    for fmt in ("csv", "xlsx", "parquet", "sav", "dta"):
        out = tmp_path / f"export.{fmt}"
        # The first export runs with one campaign in the store, so --campaign may be left out.
        named = [] if fmt == "csv" else ["--campaign", "vague1"]
        result = run(sqlite_url, "export", "--format", fmt, "--out", str(out), *named)
        assert result.exit_code == 0, result.output
        assert result.stdout.strip() == message(
            "exchange.export_done", rows="4", columns="15", path=str(out), format=fmt.upper(), campaign="vague1"
        )
        result = run(sqlite_url, "import", str(out), "--campaign", f"copie_{fmt}")
        assert result.exit_code == 0, result.output
    with Store(sqlite_url) as store:
        for fmt in ("csv", "xlsx", "parquet", "sav", "dta"):
            assert_frame_equal(store.responses(f"copie_{fmt}"), EXPECTED)


def test_failing_import_prints_every_problem(sqlite_url: str, tmp_path: Path) -> None:
    store = open_store(sqlite_url)
    before = snapshot(store)
    rows = replaced(2, "R3,C02", "R3,C99")
    rows[0] = rows[0].replace("exp_recruter,1,9", "exp_recruter,5,9")
    path = csv_file(tmp_path, rows)
    f = str(path)
    result = run(sqlite_url, "import", f, "--campaign", "vague1")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "Échec : 2 problème(s), rien n'a été enregistré.",  # effipia.cli.app.reporting_errors
        str(Problem.at(f, 2, "dyn_1", "questionnaire.out_of_scale", value="5", list_name="yes_no_na", codes="1, 2, 9")),
        str(Problem.at(f, 4, "campus_id", "exchange.unknown_campus", campus="C99")),
    ]
    assert result.stderr.splitlines()[2] == f"{f}:4:campus_id: campus inconnu du registre : C99"
    assert snapshot(store) == before
    store.close()


def test_errors_in_french(sqlite_url: str, tmp_path: Path) -> None:
    open_store(sqlite_url).close()
    missing = tmp_path / "absent.csv"
    result = run(sqlite_url, "import", str(missing), "--campaign", "vague1")
    assert result.exit_code == 1
    assert result.stderr.strip() == "Erreur : " + message("generic.file_not_found", path=str(missing))
    result = run(sqlite_url, "import", str(csv_file(tmp_path, GOOD_ROWS)))
    assert result.exit_code == 1
    assert result.stderr.strip() == "Erreur : " + message("exchange.campaign_needed")
    result = run(sqlite_url, "export", "--format", "json", "--out", str(tmp_path / "x.json"))
    assert result.exit_code == 1
    assert result.stderr.strip() == "Erreur : " + message("exchange.unknown_export_format", format="json")
    assert not (tmp_path / "x.json").exists()


def test_help_is_french() -> None:
    result = runner.invoke(app, ["responses", "import", "--help"])
    assert result.exit_code == 0
    assert "Importer un fichier de réponses" in result.stdout
    assert "--replace" in result.stdout


def test_excel_file_with_sep_line_replaces_without_blanking_absent_blocks(sqlite_url: str, tmp_path: Path) -> None:
    open_store(sqlite_url).close()
    assert run(sqlite_url, "import", str(csv_file(tmp_path, GOOD_ROWS)), "--campaign", "vague1").exit_code == 0
    # The same respondents saved by Excel: « sep=; » line, semicolons, no achievements block
    # (real_known_1, real_pia_1), R4's collab changed 9 → 1.
    header, rows = without({"real_known_1", "real_pia_1"}, replaced(3, ",1,2,,,,,,9", ",1,2,,,,,,1"))
    excel = tmp_path / "excel.csv"
    excel.write_bytes(("sep=;\r\n" + "\r\n".join(line.replace(",", ";") for line in [header, *rows]) + "\r\n").encode("cp1252"))
    refused = run(sqlite_url, "import", str(excel))
    assert refused.exit_code == 1
    # The conflict is reported on R4's line as in the file: sep= line 1, header 2, R4 line 6.
    assert str(Problem.at(str(excel), 6, "respondent_id", "exchange.conflict", respondent="R4")) in refused.stderr
    result = run(sqlite_url, "import", str(excel), "--replace")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == message(
        "exchange.import_done", file=str(excel), format="CSV", rows="4", inserted="0", replaced="1",
        unchanged="3", campaign="vague1",
    )
    with Store(sqlite_url) as store:
        stored = store.responses("vague1")
    assert stored["collab"].to_list() == [2, 1, 3, 1]
    assert_frame_equal(stored.drop("collab"), EXPECTED.drop("collab"))  # the absent block is kept
