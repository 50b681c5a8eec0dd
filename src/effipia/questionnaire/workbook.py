"""Reading XLSForm workbooks with pyxform's own pipeline.

``get_xlsform`` (file → sheets as rows of dicts) → ``workbook_to_json`` (aliases
resolved, choices attached, groups nested) → ``convert`` (the XForm XML). effipia
never parses the spreadsheet itself, so a workbook that pyxform accepts reads
the same here and on KoboToolbox or ODK Central.
"""

from __future__ import annotations

import hashlib
import json
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

from effipia.errors import EffipiaError

if TYPE_CHECKING:  # pyxform (0,4 s with openpyxl) is imported by the functions that read a workbook
    from pyxform.xls2json_backends import DefinitionData
    from pyxform.xls2xform import ConvertResult

__all__ = ["SHIPPED_NAME", "convert_workbook", "read_definition", "saved_json", "save_json", "shipped_path", "to_json"]

#: File name of the shipped questionnaire in ``effipia/data/questionnaire``.
SHIPPED_NAME = "enquete_unique.xlsx"


def shipped_path() -> Path:
    """Path of the questionnaire shipped with the package (the « enquête unique »)."""
    return Path(str(files("effipia") / "data" / "questionnaire" / SHIPPED_NAME))


def _existing(path: str | Path) -> Path:
    path = Path(path)
    if not path.is_file():
        raise EffipiaError("generic.file_not_found", path=str(path))
    return path


def read_definition(path: str | Path) -> DefinitionData:
    """Sheets of the workbook as pyxform reads them (rows of ``{header: text}``).

    Rows keep their position (empty rows included), so row ``i`` of a sheet is
    line ``i + 2`` of the spreadsheet.
    """
    from pyxform.errors import PyXFormError
    from pyxform.xls2json_backends import get_xlsform

    try:
        return get_xlsform(str(_existing(path)))
    except PyXFormError as exc:
        raise EffipiaError("questionnaire.not_a_workbook", detail=str(exc)) from exc


def to_json(definition: DefinitionData, warnings: list[str] | None = None) -> dict[str, Any]:
    """pyxform's JSON form of the workbook (``workbook_to_json``)."""
    from pyxform.errors import PyXFormError
    from pyxform.xls2json import workbook_to_json

    try:
        return workbook_to_json(
            workbook_dict=definition,
            fallback_form_name=definition.fallback_form_name,
            warnings=warnings if warnings is not None else [],
        )
    except PyXFormError as exc:
        raise EffipiaError("questionnaire.pyxform_error", detail=str(exc)) from exc


def convert_workbook(path: str | Path) -> ConvertResult:
    """Run pyxform's whole conversion (XForm XML and its warnings)."""
    from pyxform.errors import PyXFormError
    from pyxform.xls2xform import convert

    try:
        return convert(str(_existing(path)), pretty_print=True)
    except PyXFormError as exc:
        raise EffipiaError("questionnaire.pyxform_error", detail=str(exc)) from exc


def _saved_path(path: Path) -> Path:
    return path.with_suffix(".pyxform.json")


def _pyxform_version() -> str:
    from importlib.metadata import version

    return version("pyxform")


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def saved_json(path: str | Path) -> dict[str, Any] | None:
    """pyxform's JSON form of workbook ``path`` as :func:`save_json` left it beside the
    workbook (``enquete_unique.pyxform.json``), when it was made from these very bytes by
    the installed pyxform version; ``None`` otherwise (the workbook is then read by
    pyxform, 0,5–1 s with its import). The shipped questionnaire is loaded this way."""
    path = Path(path)
    try:
        saved = json.loads(_saved_path(path).read_text(encoding="utf-8"))
        current = saved["workbook_sha256"] == _digest(path) and saved["pyxform"] == _pyxform_version()
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return saved["form"] if current else None


def save_json(path: str | Path) -> Path:
    """Write pyxform's JSON form of workbook ``path`` beside it, with the workbook's SHA-256
    and pyxform's version (what :func:`saved_json` checks); returns the file written. Run
    after every edit of the shipped workbook (``python scripts/questionnaire_json.py``)."""
    path = _existing(path)
    out = _saved_path(path)
    saved = {"workbook_sha256": _digest(path), "pyxform": _pyxform_version(), "form": to_json(read_definition(path))}
    out.write_text(json.dumps(saved, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return out
