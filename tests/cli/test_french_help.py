"""The command line speaks French: help of every command and option, usage errors."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
import typer
from typer.testing import CliRunner

from effipia.cli import app


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


def test_usage_errors_are_french_on_stderr():
    # A real process, as a user runs it: the message must be on stderr, exit code 2.
    run = subprocess.run(
        [sys.executable, "-c", "from effipia.cli import main; main()", "synth", "--seed", "abc"],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 2
    assert run.stdout == ""
    assert run.stderr.splitlines()[-1] == "Erreur : valeur invalide pour --seed : un nombre entier est attendu"
    assert "Error" not in run.stderr


def test_missing_argument_and_unknown_option():
    missing = CliRunner().invoke(app, ["responses", "import"])
    assert missing.exit_code == 2
    assert "argument obligatoire manquant : FICHIER" in missing.output
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


# --- Every help page of the command tree, and the usage errors (issue 7, item 6) ---

# English texts of Typer and its vendored Click (typer 0.29.2: typer/core.py, typer/_click/
# core.py, formatting.py, decorators.py, exceptions.py), as they appear on a help page.
ENGLISH_HELP_PATTERNS = {
    "Usage heading": r"\bUsage:",
    "Options heading": r"^Options:",
    "Arguments heading": r"^Arguments:",
    "Commands heading": r"^Commands:",
    "subcommand metavar": r"\bCOMMAND\b|\[ARGS\]",
    "options metavar": r"\[OPTIONS\]",  # Click's raw placeholder
    "Click type names": r"\b(?:TEXT|INTEGER|FLOAT|PATH|FILENAME|DIRECTORY|BOOLEAN)\b",
    "help option": r"Show this message",
    "error": r"\bError\b",
    "default / required / env var": r"\[default:|\[required\]|default: |env var:|\(dynamic\)|\(DEPRECATED",
    # display_type of typer/core.py: f"<{label}>" (<str>, <path>, <int range>, <list[Path]>…)
    "typer type placeholder": r"<(?:str|int|float|bool|path|Path|file|dir|datetime|uuid|list\[[^\]]*\]|[a-z]+ range|[^<>\s]*\|[^<>\s]*)>",
}


def _command_paths():
    root = typer.main.get_command(app)
    return [path for path, _ in _walk(root)]


def _definition_terms(page: str) -> list[str]:
    """The left column (option or argument with its metavar) of every row of every section."""
    terms, in_section = [], False
    for line in page.splitlines():
        if line and not line.startswith(" "):
            in_section = line.rstrip().endswith(":") and not line.startswith("Utilisation")
            continue
        if in_section and re.match(r"^  \S", line):
            terms.append(re.split(r"\s{2,}", line.strip(), maxsplit=1)[0])
    return terms


def test_the_walk_reaches_nested_groups():
    paths = {" ".join(p) for p in _command_paths()}
    assert {"campuses import", "invitations export", "invitations send", "users add", "users list", "interviews import"} <= paths


@pytest.mark.parametrize("path", _command_paths(), ids=lambda p: " ".join(p) or "effipia")
def test_every_help_page_is_french(path):
    result = CliRunner().invoke(app, [*path, "--help"], prog_name="effipia", terminal_width=100)
    assert result.exit_code == 0, result.output
    page = result.output
    assert page.startswith(f"Utilisation : effipia {' '.join(path)}".rstrip())
    found = {name: m.group(0) for name, pattern in ENGLISH_HELP_PATTERNS.items() if (m := re.search(pattern, page, re.M))}
    assert found == {}, page
    terms = _definition_terms(page)
    assert "--help" in terms
    assert [t for t in terms if "<" in t or ">" in t] == [], page
    headings = [line for line in page.splitlines() if line and not line.startswith(" ") and line.endswith(":")]
    assert set(headings) <= {"Arguments :", "Options :", "Commandes :"}, headings
    assert "Affiche cette aide et quitte." in page


def test_every_value_has_a_french_metavar():
    # Source of the vocabulary: data/messages/cli.toml [cli_metavars]; choices are listed a|b|c.
    from effipia.cli.french import METAVARS

    words = set(METAVARS.values())
    root = typer.main.get_command(app)
    wrong = []
    for path, command in _walk(root):
        for param in command.params:
            if getattr(param, "is_flag", False):
                continue
            metavar = param.metavar or ""
            base = metavar.removesuffix("...")
            if base not in words and not re.fullmatch(r"[a-z0-9_-]+(?:\|[a-z0-9_-]+)+", base):
                wrong.append(f"{' '.join(path)} {param.name}: {metavar!r}")
    assert wrong == []


def _usage_error(args):
    result = CliRunner().invoke(app, args, prog_name="effipia")
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    for english in ("Usage", "Error", "Try ", "Missing", "Invalid", "No such", "Did you mean", "Choose from", "Possible", "Got unexpected", "Input should"):
        assert english not in result.output, result.output
    return lines


def test_usage_error_shape_usage_line_hint_and_french_reason():
    lines = _usage_error(["campuses", "import"])
    assert lines == [
        "Utilisation : effipia campuses import [OPTION]... FICHIER",
        "Voir « effipia campuses import --help » pour l'aide.",
        "Erreur : argument obligatoire manquant : FICHIER",
    ]


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["users", "add", "--role", "evaluator"], "argument obligatoire manquant : COURRIEL"),
        (["responses", "export", "--out", "x.csv"], "option obligatoire manquante : --format csv|xlsx|parquet|sav|dta"),
        (["compute", "--out", "d", "--weights", "bogus"], "valeur invalide pour --weights : « bogus » n'est pas une valeur admise (none, calibrated)"),
        (["compute", "--ot", "d"], "option inconnue : --ot (vouliez-vous dire --out ?)"),
        (["compute", "--zzz-999"], "option inconnue : --zzz-999"),
        (["campusses"], "commande inconnue : « campusses » (vouliez-vous dire campuses, compute ?)"),
        (["users", "ad"], "commande inconnue : « ad » (vouliez-vous dire add ?)"),
        (["questionnaire", "check", "a.xlsx", "b.xlsx"], "argument en trop : b.xlsx"),
        (["--db", "sqlite://"], "commande manquante"),
        (["synth", "--seed", "abc"], "valeur invalide pour --seed : un nombre entier est attendu"),
        (["serve", "--port", "0"], "valeur invalide pour --port : la valeur doit être supérieure ou égale à 1"),
        (["compute", "--out"], "l'option --out attend une valeur"),
        (["responses", "import", "--replace=oui", "f.csv"], "l'option --replace ne prend pas de valeur"),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, list) else None,
)
def test_usage_errors_are_french(args, reason):
    assert _usage_error(args)[-1] == f"Erreur : {reason}"


def test_role_choices_are_the_operation_roles():
    from effipia.operations.users import ROLES

    add = typer.main.get_command(app).commands["users"].commands["add"]
    assert next(p for p in add.params if p.name == "role").metavar == "|".join(ROLES)


def test_no_private_typer_module_is_used():
    # Issue 7 item 6: the French CLI goes through Typer's public cls= classes only.
    from pathlib import Path

    import effipia

    package = Path(effipia.__file__).parent
    used = [str(p.relative_to(package)) for p in package.rglob("*.py") if re.search(r"typer\._|from typer import _", p.read_text(encoding="utf-8"))]
    assert used == []


def test_an_interrupted_command_says_abandon_in_french():
    # A prompt that meets the end of its input: Typer turns the EOFError into an Abort,
    # which it would announce as « Aborted! ».
    from effipia.cli.french import FrenchTyper

    tiny = FrenchTyper(add_completion=False, rich_markup_mode=None)

    @tiny.command()
    def ask() -> None:
        input()

    @tiny.command()
    def other() -> None:  # two commands: a group, as effipia's app
        pass

    result = CliRunner().invoke(tiny, ["ask"], input="")
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1] == "Abandon."
