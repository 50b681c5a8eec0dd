"""Nomenclatures shipped as CSV files in ``effipia/data/nomenclatures``.

Every vocabulary the software uses (survey groups, relation categories, partner
types, filières, geography, NAF, Sirene size classes) is a data file, never a
literal in code. A user may override a file by placing one with the same name in
the folder named by ``EFFIPIA_NOMENCLATURES``.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from pathlib import Path

import polars as pl

__all__ = ["load", "codes", "labels", "path"]

_PACKAGE_DIR = files("effipia") / "data" / "nomenclatures"


def path(name: str) -> Path:
    """Return the path of nomenclature ``name`` (user override first)."""
    from effipia.settings import get_settings

    override = get_settings().nomenclatures  # EFFIPIA_NOMENCLATURES
    if override is not None:
        candidate = override / f"{name}.csv"
        if candidate.exists():
            return candidate
    resource = _PACKAGE_DIR / f"{name}.csv"
    if not resource.is_file():
        raise KeyError(f"nomenclature inconnue : {name}")
    return Path(str(resource))


@cache
def _read(p: str) -> pl.DataFrame:
    raw = Path(p).read_bytes()
    separator = ";" if raw.split(b"\n", 1)[0].count(b";") > raw.split(b"\n", 1)[0].count(b",") else ","
    # Every column is read as text: codes such as "01" or "035" must keep their zeros.
    return pl.read_csv(raw.removeprefix(b"\xef\xbb\xbf"), separator=separator, infer_schema=False)


def load(name: str) -> pl.DataFrame:
    """Load nomenclature ``name`` as a DataFrame of text columns."""
    return _read(str(path(name)))


def codes(name: str, column: str = "code") -> list[str]:
    """Codes of a nomenclature in file order."""
    return load(name)[column].to_list()


def labels(name: str, code_column: str = "code", label_column: str = "label") -> dict[str, str]:
    """Mapping code → French label."""
    df = load(name)
    return dict(zip(df[code_column].to_list(), df[label_column].to_list(), strict=True))
