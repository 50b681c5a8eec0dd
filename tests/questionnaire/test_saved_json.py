"""The saved JSON form of the shipped questionnaire (``enquete_unique.pyxform.json``).

``load_questionnaire()`` reads the shipped questionnaire from this file, not with pyxform,
so that commands needing only its items (``effipia compute``) do not import pyxform and
openpyxl. The file must be pyxform's own JSON form of the workbook: these tests compare it
with what pyxform reads from the workbook now (``read_definition`` + ``to_json``).
Regenerate with ``.venv/bin/python scripts/questionnaire_json.py``.
"""

from __future__ import annotations

import json
import shutil

from effipia.questionnaire import load_questionnaire, shipped_path
from effipia.questionnaire.model import _load
from effipia.questionnaire.workbook import read_definition, save_json, saved_json, to_json


def test_saved_form_is_pyxforms_reading_of_the_shipped_workbook():
    saved = saved_json(shipped_path())
    assert saved is not None, "stale or missing: run scripts/questionnaire_json.py"
    assert saved == to_json(read_definition(shipped_path()))


def test_shipped_questionnaire_from_the_saved_form_equals_the_pyxform_reading():
    # _load reads the workbook with pyxform (the path taken when the saved form is stale)
    assert load_questionnaire() == _load(shipped_path())


def test_saved_form_is_ignored_once_the_workbook_changes(tmp_path):
    workbook = tmp_path / "enquete_unique.xlsx"
    shutil.copyfile(shipped_path(), workbook)
    written = save_json(workbook)
    assert written == tmp_path / "enquete_unique.pyxform.json"
    assert saved_json(workbook) == to_json(read_definition(workbook))
    workbook.write_bytes(workbook.read_bytes() + b"\0")  # other bytes: another SHA-256
    assert saved_json(workbook) is None


def test_saved_form_of_another_pyxform_version_is_ignored(tmp_path):
    workbook = tmp_path / "enquete_unique.xlsx"
    shutil.copyfile(shipped_path(), workbook)
    saved = json.loads(save_json(workbook).read_text(encoding="utf-8"))
    saved["pyxform"] = "0.0.0"
    (tmp_path / "enquete_unique.pyxform.json").write_text(json.dumps(saved), encoding="utf-8")
    assert saved_json(workbook) is None


def test_unreadable_saved_form_is_ignored(tmp_path):
    workbook = tmp_path / "enquete_unique.xlsx"
    shutil.copyfile(shipped_path(), workbook)
    assert saved_json(workbook) is None  # none saved
    (tmp_path / "enquete_unique.pyxform.json").write_text("{", encoding="utf-8")
    assert saved_json(workbook) is None
