"""The command line speaks French: help of every command and option, usage errors."""

from __future__ import annotations

import subprocess
import sys

import pytest
import typer
from typer.testing import CliRunner

from effipia.cli import app

ENGLISH_FRAMEWORK_TEXTS = ["Show this message", "Usage:", "[default:", "[required]", "Commands:", "Error:"]
CONTRACT_COMMANDS = [
    ["synth"],
    ["campuses", "import"],
    ["partners", "import"],
    ["responses", "import"],
    ["responses", "export"],
    ["questionnaire", "check"],
    ["questionnaire", "xform"],
    ["compute"],
    ["territories"],
    ["map"],
    ["demo"],
]


def _walk(command, path=()):
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from _walk(sub, (*path, name))


def test_every_command_and_option_has_help():
    root = typer.main.get_command(app)
    missing = []
    for path, command in _walk(root):
        if path and not (command.help or "").strip():
            missing.append(" ".join(path))
        for param in command.params:
            if isinstance(param, typer.core.TyperOption) and not (param.help or "").strip():
                missing.append(f"{' '.join(path)} {param.opts[0]}")
    assert missing == []


@pytest.mark.parametrize("path", CONTRACT_COMMANDS, ids=" ".join)
def test_help_pages_are_french(path):
    result = CliRunner().invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Utilisation : ")
    assert "Affiche cette aide et quitte." in result.output
    for english in ENGLISH_FRAMEWORK_TEXTS:
        assert english not in result.output


def test_usage_errors_are_french_on_stderr():
    # A real process, as a user runs it: the message must be on stderr, exit code 2.
    run = subprocess.run(
        [sys.executable, "-c", "from effipia.cli import main; main()", "synth", "--seed", "abc"],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 2
    assert run.stdout == ""
    assert "Erreur : valeur invalide pour '--seed' : un nombre entier est attendu" in run.stderr
    assert "Error" not in run.stderr


def test_missing_argument_and_unknown_option():
    missing = CliRunner().invoke(app, ["responses", "import"])
    assert missing.exit_code == 2
    assert "paramètre obligatoire manquant" in missing.output
    unknown = CliRunner().invoke(app, ["compute", "--bogus"])
    assert unknown.exit_code == 2
    assert "option inconnue : --bogus" in unknown.output


def test_an_option_without_its_value_is_said_in_french():
    result = CliRunner().invoke(app, ["compute", "--out"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines()[-1] == "Erreur : l'option --out attend une valeur"


def test_export_format_lists_its_choices():
    result = CliRunner().invoke(app, ["responses", "export", "--help"])
    assert "--format csv|xlsx|parquet|sav|dta" in result.output
    assert "<str>" not in result.output.split("--format", 1)[1].split("\n", 1)[0]
