"""The ODK XForm of a questionnaire, for KoboToolbox or ODK Central."""

from __future__ import annotations

from pathlib import Path

from effipia.questionnaire.workbook import convert_workbook, shipped_path

__all__ = ["to_xform"]


def to_xform(path: str | Path | None = None) -> str:
    """XForm XML (pyxform's conversion) of workbook ``path`` (default: the shipped one)."""
    return convert_workbook(path if path is not None else shipped_path()).xform
