"""The CLI touches the store only through the operations layer (issue 7, item 1).

Two checks: every command of a small campaign's whole chain is run through the CLI against
a spy store that records who calls each of its methods (a call made from a ``effipia.cli``
module is a violation; calls from ``effipia.operations`` are the rule), and every CLI module
is read to make sure no function uses the store it opened other than by handing it to an
operation (so a command not run here is covered as well).
"""

from __future__ import annotations

import ast
import sys
from importlib.resources import files
from pathlib import Path

import pytest
from typer.testing import CliRunner

import effipia.store
from effipia.cli import app
from effipia.store import Store

CLI_DIR = Path(str(files("effipia") / "cli"))
#: What an adapter may do with the store it opened: enter and leave it.
ALLOWED = {"__enter__", "__exit__", "close"}


class SpyStore(Store):
    """A real store that records the module calling each of its public methods."""

    calls: list[tuple[str, str]] = []

    def __getattribute__(self, name: str):
        if not name.startswith("_") or name in ALLOWED:
            caller = sys._getframe(1).f_globals.get("__name__", "?")
            SpyStore.calls.append((caller, name))
        return super().__getattribute__(name)


@pytest.fixture
def spied(monkeypatch: pytest.MonkeyPatch):
    SpyStore.calls = []
    monkeypatch.setattr(effipia.store, "Store", SpyStore)  # cli.app.open_store imports it at call time
    monkeypatch.setenv("EFFIPIA_SECRET_KEY", "k" * 48)
    return SpyStore.calls


def _run(url: str, *args: str) -> None:
    result = CliRunner().invoke(app, ["--db", url, *args])
    assert result.exit_code == 0, (args, result.output, result.exception)


def test_every_command_goes_through_the_operations(spied, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'spy.db'}"
    files_dir = tmp_path / "files"
    _run(url, "synth", "--seed", "3", "--campuses", "2", "--partners", "12", "--out", str(files_dir))
    _run(url, "compute", "--out", str(tmp_path / "stats"), "--weights", "calibrated")
    _run(url, "territories", "--out", str(tmp_path / "terr"))
    _run(url, "map", "--out", str(tmp_path / "maps"))
    _run(url, "responses", "export", "--format", "csv", "--out", str(tmp_path / "r.csv"), "--with-scores")
    other = f"sqlite:///{tmp_path / 'other.db'}"
    _run(other, "campuses", "import", str(files_dir / "campuses.csv"))
    _run(other, "partners", "import", str(files_dir / "partners.csv"), "--campaign", "copie")
    _run(other, "responses", "import", str(files_dir / "responses.csv"), "--campaign", "copie")
    _run(other, "invitations", "create")
    _run(other, "invitations", "export", "--out", str(tmp_path / "links.csv"), "--base-url", "https://enquete.example")
    partner = (files_dir / "partners.csv").read_text(encoding="utf-8").splitlines()[1].split(",")[0]
    _run(other, "invitations", "revoke", partner)
    _run(other, "invitations", "reissue", partner)
    used = {name for _, name in spied}
    assert {"responses", "partners", "write_campaign", "write_invitations"} <= used  # the spy sees the work
    direct = sorted({(caller, name) for caller, name in spied if caller.startswith("effipia.cli") and name not in ALLOWED})
    assert direct == []


def _store_names(function: ast.AST) -> set[str]:
    """Names bound to what ``open_store(...)`` returns inside ``function``."""
    names = set()
    for node in ast.walk(function):
        if isinstance(node, ast.withitem) and isinstance(node.optional_vars, ast.Name):
            call = node.context_expr
            if isinstance(call, ast.Call) and getattr(call.func, "id", None) == "open_store":
                names.add(node.optional_vars.id)
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            if getattr(node.value.func, "id", None) == "open_store":
                names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return names


@pytest.mark.parametrize("path", sorted(CLI_DIR.glob("*.py")), ids=lambda p: p.name)
def test_no_cli_module_uses_the_store_itself(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    misuse = []
    for function in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)):
        names = _store_names(function)
        for node in ast.walk(function):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in names:
                if node.attr not in ALLOWED:
                    misuse.append(f"{path.name}:{node.lineno}: {node.value.id}.{node.attr}")
    for node in ast.walk(tree):  # the store's API is the operations' business
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("effipia.store") and path.name != "app.py":
            misuse.append(f"{path.name}:{node.lineno}: from {node.module} import …")
    assert misuse == []
