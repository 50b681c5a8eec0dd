"""Failures reach the user as one French line on stderr and exit code 1, never a traceback."""

from __future__ import annotations

import errno

import pytest
import typer

from effipia.cli.app import os_error_text, reporting_errors


def _run(exc: BaseException, capsys) -> str:
    with pytest.raises(typer.Exit) as stopped:
        with reporting_errors():
            raise exc
    assert stopped.value.exit_code == 1
    return capsys.readouterr().err


def test_file_system_errors_in_french(capsys):
    err = _run(PermissionError(errno.EACCES, "Permission denied", "/etc/shadow"), capsys)
    assert err == "Erreur : impossible d'accéder à /etc/shadow : permission refusée\n"


def test_rust_style_os_errors_are_read_from_their_text():
    # Polars raises OSError("No such file or directory (os error 2): /x/y.csv") without errno.
    text = os_error_text(OSError("No such file or directory (os error 2): /x/y.csv"))
    assert text == "impossible d'accéder à /x/y.csv : fichier ou dossier introuvable"


def test_unexpected_errors_are_french_and_debuggable(capsys, monkeypatch):
    monkeypatch.delenv("EFFIPIA_DEBUG", raising=False)
    err = _run(RuntimeError("boom"), capsys)
    assert err.startswith("Erreur : erreur inattendue (RuntimeError) : boom.")
    assert "Traceback" not in err
    monkeypatch.setenv("EFFIPIA_DEBUG", "1")
    with pytest.raises(RuntimeError):
        with reporting_errors():
            raise RuntimeError("boom")


def test_export_to_a_missing_folder(tmp_path, sqlite_url):
    from typer.testing import CliRunner

    from effipia.cli import app
    from effipia.store import Store

    Store(sqlite_url).write_campaign("vague1")
    result = CliRunner().invoke(
        app, ["--db", sqlite_url, "responses", "export", "--format", "sav", "--out", str(tmp_path / "absent" / "r.sav")]
    )
    assert result.exit_code == 1
    assert f"le dossier de destination {tmp_path / 'absent'} n'existe pas" in result.output
