"""axe-core for the accessibility tests (reports, web pages): one helper for every area.

:func:`axe_source` installs the pinned ``axe-core`` from npm into a test cache folder the
first time (``.cache/npm-axe`` under the repository, or ``EFFIPIA_TEST_CACHE``) and returns
the text of ``axe.min.js``; :func:`run_axe` injects it into a Playwright page and returns
the violations of the given impacts. Nothing is downloaded at run time of the product:
this is a test tool, fetched by npm like any test dependency.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from functools import cache
from pathlib import Path

AXE_VERSION = "4.10.3"
ROOT = Path(__file__).resolve().parents[2]


def cache_dir() -> Path:
    return Path(os.environ.get("EFFIPIA_TEST_CACHE", ROOT / ".cache")) / "npm-axe"


@cache
def axe_source() -> str:
    """The text of ``axe.min.js`` (npm ``axe-core@AXE_VERSION``, installed once into the cache)."""
    from utils.services import require_service

    target = cache_dir()
    script = target / "node_modules" / "axe-core" / "axe.min.js"
    installed = target / "node_modules" / "axe-core" / "package.json"
    if not (script.exists() and json.loads(installed.read_text())["version"] == AXE_VERSION):
        npm = shutil.which("npm")
        if npm is None:
            require_service("npm not installed (needed to fetch axe-core for the accessibility tests)")
        target.mkdir(parents=True, exist_ok=True)
        done = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--prefix", str(target), f"axe-core@{AXE_VERSION}"],
                              capture_output=True, text=True, timeout=300)
        if done.returncode != 0 or not script.exists():
            require_service(f"npm could not install axe-core {AXE_VERSION}: {done.stderr[-500:]}")
    return script.read_text(encoding="utf-8")


def run_axe(page, *, impacts: tuple[str, ...] = ("serious", "critical"), tags: tuple[str, ...] = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")) -> list[dict]:
    """Violations of axe-core on the Playwright ``page`` whose impact is in ``impacts``
    (each: ``id``, ``impact``, ``help`` and the first failing nodes' selectors)."""
    page.add_script_tag(content=axe_source())
    result = page.evaluate("(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})", list(tags))
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"][:5]]}
        for v in result["violations"]
        if v["impact"] in impacts
    ]
