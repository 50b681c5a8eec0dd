"""axe-core for the browser tests: installed from npm into a cache folder on first use.

``scripts/install.sh --test`` installs the same version ahead of time (CI); a developer
machine without it gets it from npm here. Nothing is downloaded by the product itself.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from tests.conftest import require_service

AXE_VERSION = "4.14.1"


def cache_dir() -> Path:
    """``~/.cache/effipia-tests`` (or ``$XDG_CACHE_HOME/effipia-tests``)."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "effipia-tests"


def axe_script() -> str:
    """The text of ``axe.min.js`` (npm ``axe-core`` at :data:`AXE_VERSION`)."""
    folder = cache_dir() / f"axe-core-{AXE_VERSION}"
    script = folder / "node_modules" / "axe-core" / "axe.min.js"
    if not script.exists():
        npm = shutil.which("npm")
        if npm is None:
            require_service("npm not installed: cannot install axe-core for the accessibility checks")
        folder.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [npm, "install", "--no-save", "--no-audit", "--no-fund", "--prefix", str(folder), f"axe-core@{AXE_VERSION}"],
            capture_output=True, text=True, timeout=300,
        )
        if done.returncode != 0 or not script.exists():
            require_service(f"npm could not install axe-core@{AXE_VERSION}: {done.stderr[-500:]}")
    return script.read_text(encoding="utf-8")


def serious_violations(page) -> list[dict]:  # noqa: ANN001 - a Playwright page
    """Violations of serious or critical impact on the page (axe-core injected if needed)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=axe_script())
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
