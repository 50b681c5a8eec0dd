"""Every message code the territories stage uses is in its French catalogue, and none is unused."""

from __future__ import annotations

import re
import tomllib
from importlib.resources import files
from pathlib import Path

SOURCES = [
    *Path(str(files("effipia") / "territories")).glob("*.py"),
    Path(str(files("effipia") / "cli" / "territories.py")),
    Path(str(files("effipia") / "cli" / "demo.py")),
    Path(str(files("effipia") / "operations" / "territories.py")),
]


def test_codes_match_the_catalogue():
    catalogue = tomllib.loads((files("effipia") / "data" / "messages" / "territories.toml").read_text(encoding="utf-8"))
    defined = {f"territories.{key}" for key in catalogue["territories"]}
    used = {code for path in SOURCES for code in re.findall(r'"(territories\.[a-z_]+)"', path.read_text(encoding="utf-8"))}
    used.discard("territories.csv")  # the output file name, not a message code
    assert used == defined
