"""Save pyxform's JSON form of the shipped questionnaire beside it.

Run after every edit of ``src/effipia/data/questionnaire/enquete_unique.xlsx`` (or an
upgrade of pyxform): ``.venv/bin/python scripts/questionnaire_json.py``. The file
(``enquete_unique.pyxform.json``) carries the workbook's SHA-256 and pyxform's version;
``load_questionnaire()`` uses it only when both match, and reads the workbook with pyxform
otherwise (same result, 0,5–1 s slower: commands that only need the questionnaire's
items, such as ``effipia compute``, then import pyxform and openpyxl).
``tests/questionnaire/test_saved_json.py`` fails while the saved form is stale.
"""

from __future__ import annotations

from effipia.questionnaire.workbook import save_json, shipped_path

if __name__ == "__main__":
    print(save_json(shipped_path()))
