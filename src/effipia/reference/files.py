"""Where each reference file is read from: the user's newer copy, else the shipped one.

Files shipped in ``effipia/data/reference`` and ``effipia/data/geo`` (provenance and year
in the README beside each) can be replaced by the user: a file with the same name and
layout in the folder of the ``reference`` setting (``EFFIPIA_REFERENCE``) wins. The
lycées list is also recognised under the ministry's own file names (latest year wins).
"""

from __future__ import annotations

import re
from importlib.resources import files
from pathlib import Path

from effipia.settings import get_settings

__all__ = ["LYCEES_FILE", "LYCEES_PATTERNS", "SHIPPED", "lycees_path", "reference_path", "user_folder"]

_DATA = files("effipia") / "data"

#: Every shipped reference file and the package folder holding it.
SHIPPED = {
    "lycees_ips_2021-2022.csv": _DATA / "reference",
    "insee_categories_entreprises_2017.csv": _DATA / "reference",
    "insee_entreprises_secteur_taille_2007.csv": _DATA / "reference",
    "departements.geojson": _DATA / "geo",
    "regions.geojson": _DATA / "geo",
    "academies.geojson": _DATA / "geo",
    "overseas_crs.csv": _DATA / "geo",
    "communes_centroides.csv": _DATA / "geo",
}
LYCEES_FILE = "lycees_ips_2021-2022.csv"

#: Names under which a newer lycées list is recognised in the user's folder: the shipped
#: name, or the ministry's own (``fr-en-ips_lycees_2022-2023.csv``…); the latest year wins.
LYCEES_PATTERNS = ("lycees_ips_*.csv", "fr-en-ips_lycees*.csv", "fr-en-ips-lycees*.csv")


def user_folder() -> Path | None:
    """The user's folder of newer reference files (setting ``reference``), or ``None``."""
    folder = get_settings().reference
    return Path(folder) if folder else None


def reference_path(name: str) -> Path:
    """Path of reference file ``name``: the user's copy first, else the shipped one."""
    folder = user_folder()
    if folder is not None and (folder / name).is_file():
        return folder / name
    if name not in SHIPPED:
        raise KeyError(f"reference file not shipped: {name}")
    return Path(str(SHIPPED[name] / name))


def lycees_path() -> Path:
    """The lycées list in use: the user's latest-year file, else the shipped one."""
    folder = user_folder()
    if folder is not None:
        found = {p for pattern in LYCEES_PATTERNS for p in folder.glob(pattern) if p.is_file()}
        if found:
            return max(found, key=lambda p: (re.findall(r"\d{4}", p.name), p.name))
    return reference_path(LYCEES_FILE)
