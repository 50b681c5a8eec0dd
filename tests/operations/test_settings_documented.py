"""Settings are declared once, documented, and read only through effipia.settings (issue 7, item 5).

The model is datasette's ``test_settings_are_documented``: every setting must appear in the
user documentation. Here the page ``docs/configuration.md`` is generated from the declaration
(``scripts/configuration_doc.py``) and must be up to date; the code is read to make sure no
other module reads an ``EFFIPIA_*`` variable and no signature writes the disclosure minimum.
"""

from __future__ import annotations

import ast
import importlib.util
from importlib.resources import files
from pathlib import Path

import pytest

from effipia.settings import Settings, documented_settings

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = Path(str(files("effipia")))
SOURCES = sorted(PACKAGE.rglob("*.py"))


def _docs() -> str:
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    return "\n".join(page.read_text(encoding="utf-8") for page in pages)


@pytest.mark.parametrize("variable", [name for name, _, _ in documented_settings()])
def test_setting_is_documented(variable: str) -> None:
    assert f"`{variable}`" in _docs()


def test_every_setting_has_a_french_help() -> None:
    missing = [name for name, field in Settings.model_fields.items() if not (field.description or "").strip()]
    assert missing == []


def test_configuration_page_is_generated_from_the_declaration() -> None:
    spec = importlib.util.spec_from_file_location("configuration_doc", ROOT / "scripts" / "configuration_doc.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    page = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert page == module.render(), "docs/configuration.md is stale: run .venv/bin/python scripts/configuration_doc.py"


def _reads_effipia_variable(node: ast.AST) -> bool:
    """``os.environ.get("EFFIPIA_…")``, ``os.getenv("EFFIPIA_…")`` or ``os.environ["EFFIPIA_…"]`` read."""
    def effipia(arg: ast.AST) -> bool:
        return isinstance(arg, ast.Constant) and isinstance(arg.value, str) and arg.value.upper().startswith("EFFIPIA_")

    if isinstance(node, ast.Call) and node.args and effipia(node.args[0]):
        func = node.func
        return isinstance(func, ast.Attribute) and func.attr in ("get", "getenv", "pop", "setdefault") and (
            func.attr == "getenv" or (isinstance(func.value, ast.Attribute) and func.value.attr == "environ")
        )
    if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) and effipia(node.slice):
        return isinstance(node.value, ast.Attribute) and node.value.attr == "environ"
    return False


def test_no_module_but_settings_reads_an_effipia_variable() -> None:
    found = [
        f"{path.relative_to(PACKAGE)}:{node.lineno}"
        for path in SOURCES
        if path.name != "settings.py" or path.parent != PACKAGE
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if _reads_effipia_variable(node)
    ]
    assert found == []


def _number(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool)


def test_the_disclosure_minimum_is_written_once() -> None:
    """No ``min_n`` (parameter or field) defaults to a number: each takes
    ``disclosure.DEFAULT_MIN_N`` (the setting's declared default), ``None`` (the setting) or
    is required."""
    found = []
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                args = node.args
                positional = args.posonlyargs + args.args
                pairs = list(zip(positional[len(positional) - len(args.defaults):], args.defaults))
                pairs += [(a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None]
                found += [f"{path.relative_to(PACKAGE)}:{node.lineno}" for a, d in pairs
                          if a.arg == "min_n" and _number(d)]
            if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.target.id == "min_n":
                if _number(node.value):
                    found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert found == []
