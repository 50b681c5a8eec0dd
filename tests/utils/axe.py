"""axe-core for the accessibility tests (reports, web pages): one helper for every area.

:func:`axe_source` returns the text of ``axe.min.js`` of npm ``axe-core`` at
:data:`AXE_VERSION`, from the test cache folder ``scripts/install.sh --test`` fills ahead of
time (CI): ``$XDG_CACHE_HOME/effipia-tests/axe-core-<version>`` (``~/.cache`` without
``XDG_CACHE_HOME``); a developer machine without it gets it from npm here, once.
:func:`run_axe` injects it into a Playwright page and returns the violations of the given
impacts. Nothing is downloaded by the product itself: this is a test tool.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from functools import cache
from pathlib import Path

AXE_VERSION = "4.14.1"  # same version as scripts/install.sh --test
WCAG_21_AA = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")


def cache_dir() -> Path:
    """``~/.cache/effipia-tests`` (or ``$XDG_CACHE_HOME/effipia-tests``)."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "effipia-tests"


@cache
def axe_source() -> str:
    """The text of ``axe.min.js`` (npm ``axe-core@AXE_VERSION``, installed once into the cache)."""
    from utils.services import require_service

    folder = cache_dir() / f"axe-core-{AXE_VERSION}"
    script = folder / "node_modules" / "axe-core" / "axe.min.js"
    if not script.exists():
        npm = shutil.which("npm")
        if npm is None:
            require_service("npm not installed (needed to fetch axe-core for the accessibility tests)")
        folder.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [npm, "install", "--no-save", "--no-audit", "--no-fund", "--prefix", str(folder), f"axe-core@{AXE_VERSION}"],
            capture_output=True, text=True, timeout=300,
        )
        if done.returncode != 0 or not script.exists():
            require_service(f"npm could not install axe-core@{AXE_VERSION}: {done.stderr[-500:]}")
    return script.read_text(encoding="utf-8")


def run_axe(page, *, impacts: tuple[str, ...] = ("serious", "critical"), tags: tuple[str, ...] | None = None) -> list[dict]:  # noqa: ANN001 - a Playwright page
    """Violations of axe-core on the Playwright ``page`` whose impact is in ``impacts``
    (each: ``id``, ``impact``, ``help`` and the first failing nodes' selectors). ``tags``
    limits the rules (e.g. :data:`WCAG_21_AA`); ``None`` runs every rule axe runs by default.
    axe is injected once per page."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=axe_source())
    options = {"resultTypes": ["violations"]}
    if tags is not None:
        options["runOnly"] = {"type": "tag", "values": list(tags)}
    result = page.evaluate("async (options) => await axe.run(document, options)", options)
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"][:5]]}
        for v in result["violations"]
        if v["impact"] in impacts
    ]
