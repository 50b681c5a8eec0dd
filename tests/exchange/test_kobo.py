"""KoboToolbox CSV exports of the shipped form import to the same frame as a codebook file.

The Kobo layout is written here the way KPI/formpack writes it (checked against
formpack's own tests, kobotoolbox/formpack ``tests/test_exports.py``): ``;``
separator with every value quoted; ``start``/``end`` first; group names as header
prefixes joined by ``/`` when "include groups in headers" is ticked; for a
``select_multiple`` question a summary column (space-separated names) followed by
one ``question/choice`` column per choice holding 1/0 (all empty when unanswered);
then ``_id``, ``_uuid``, ``_submission_time``, ``_validation_status``, ``_notes``,
``_status``, ``_submitted_by``, ``__version__``, ``_tags``, ``_index``. With the
"labels" option, headers are question labels and values choice labels.
"""

from __future__ import annotations

import csv
import io
import uuid
from pathlib import Path

import polars as pl
from polars.testing import assert_frame_equal

from effipia.errors import Problem
from effipia.exchange import Format, read_responses
from effipia.operations.responses import import_responses as _import_operation

from .conftest import write_text
from .factory import make_responses


def import_responses(*args, **kwargs):
    """The import operation's report (the store side of an import lives in effipia.operations)."""
    return _import_operation(*args, **kwargs).value


META_TAIL = ["_id", "_uuid", "_submission_time", "_validation_status", "_notes", "_status",
             "_submitted_by", "__version__", "_tags", "_index"]


def kobo_csv(frame: pl.DataFrame, q, *, groups: bool = True, labels: bool = False) -> str:
    """``frame`` as a KoboToolbox CSV export of the shipped form."""
    blocks = {b.name: b.label for b in q.blocks}

    def head(name: str) -> str:
        item = q.item(name)
        text = item.label if labels else name
        if groups and item.block:
            return f"{blocks[item.block] if labels else item.block}/{text}"
        return text

    def value(name: str, v: object) -> str:
        if v is None:
            return ""
        if labels and q.item(name).choices:
            if name == "expectations":
                return " ".join(q.choice_labels(name)[c] for c in str(v).split())
            return q.choice_labels(name)[str(v)]
        return str(v)

    header = ["start", "end"]
    for name in frame.columns:
        header.append(head(name))
        if name == "expectations":
            for code, label in q.choice_labels(name).items():
                header.append(f"{head(name)}/{label if labels else code}")
    header += META_TAIL
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(header)
    for i, row in enumerate(frame.iter_rows(named=True)):
        cells = ["2024-03-14T10:15:48.000+01:00", "2024-03-14T10:31:02.000+01:00"]
        for name, v in row.items():
            cells.append(value(name, v))
            if name == "expectations":
                chosen = set(str(v).split()) if v is not None else None
                cells += ["" if chosen is None else ("1" if code in chosen else "0") for code in q.choice_labels(name)]
        cells += [str(1000 + i), str(uuid.UUID(int=i)), "2024-03-14T09:31:05", "", "", "submitted_via_web", "",
                  "vSdCWi7ko3cXb5dCe5d3YE", "", str(i + 1)]
        writer.writerow(cells)
    return out.getvalue()


def test_kobo_xml_export_with_groups(store, tmp_path: Path, questionnaire) -> None:
    original = make_responses(questionnaire, n=25, seed=5)
    path = write_text(tmp_path / "kobo.csv", kobo_csv(original, questionnaire))
    assert path.read_text().startswith('"start";"end";"respondent_id";"campus_id";"category"')
    assert '"grp_exp/expectations";"grp_exp/expectations/exp_partenariats"' in path.read_text()
    report = import_responses(store, path, "kobo")
    assert (report.format, report.inserted) == (Format.KOBO, 25)
    assert_frame_equal(store.responses("kobo"), original)


def test_kobo_export_without_groups(tmp_path: Path, questionnaire, form) -> None:
    original = make_responses(questionnaire, n=10, seed=6)
    path = write_text(tmp_path / "kobo.csv", kobo_csv(original, questionnaire, groups=False))
    result = read_responses(path, form)
    assert result.format is Format.KOBO and result.problems == []
    assert_frame_equal(result.frame.drop("__row__"), original)


def test_kobo_labels_export(tmp_path: Path, questionnaire, form) -> None:
    original = make_responses(questionnaire, n=15, seed=8)
    path = write_text(tmp_path / "kobo.csv", kobo_csv(original, questionnaire, labels=True))
    text = path.read_text()
    assert '"Les partenaires sont-ils en capacité de… ?/Développer des objectifs largement compris et partagés"' in text
    assert '"Oui"' in text and '"Lycée (établissement d\'enseignement secondaire)"' in text
    result = read_responses(path, form)
    assert result.problems == []
    assert questionnaire.validate(result.text, str(path)) == []
    assert_frame_equal(result.frame.drop("__row__"), original)


def test_kobo_labels_shared_by_two_questions_are_not_guessed(tmp_path: Path, questionnaire, form) -> None:
    # Without group prefixes, « Ressources financières » is both res_level_4 and res_use_1.
    original = make_responses(questionnaire, n=5, seed=9).select("respondent_id", "campus_id", "category", "res_level_4", "res_use_1")
    path = write_text(tmp_path / "kobo.csv", kobo_csv(original, questionnaire, groups=False, labels=True))
    result = read_responses(path, form)
    f = str(path)
    assert questionnaire.validate(result.text, f) == [
        Problem.at(f, None, "Ressources financières", "questionnaire.unknown_column", column="Ressources financières")
    ]
    assert [p.code for p in result.problems] == ["exchange.duplicate_column"]


def test_split_columns_disagreeing_or_unknown(tmp_path: Path, form) -> None:
    text = (
        '"respondent_id";"campus_id";"category";"grp_exp/expectations";"grp_exp/expectations/exp_partenariats";'
        '"grp_exp/expectations/exp_orientation";"grp_exp/expectations/exp_inconnu";"_uuid"\r\n'
        '"R1";"C01";"lycee";"exp_partenariats";"1";"1";"0";"u1"\r\n'
        '"R2";"C01";"lycee";"exp_orientation";"0";"oui";"0";"u2"\r\n'
    )
    path = write_text(tmp_path / "kobo.csv", text)
    f = str(path)
    result = read_responses(path, form)
    assert result.problems == [
        Problem.at(f, 1, "expectations/exp_inconnu", "exchange.split_unknown_choice", item="expectations", choice="exp_inconnu"),
        Problem.at(f, 2, "expectations", "exchange.split_mismatch", value="exp_partenariats",
                   detail="exp_partenariats exp_orientation"),
        Problem.at(f, 3, "expectations/exp_orientation", "exchange.split_value", value="oui"),
    ]


def test_plain_file_with_split_columns_only(tmp_path: Path, form) -> None:
    # The codebook accepts `expectations/<choice>` columns instead of the text column.
    text = (
        "respondent_id,campus_id,category,expectations/exp_partenariats,expectations/exp_orientation\n"
        "R1,C01,lycee,1,1\nR2,C01,lycee,0,1\nR3,C01,autre,,\n"
    )
    result = read_responses(write_text(tmp_path / "r.csv", text), form)
    assert result.format is Format.CSV and result.problems == []
    assert result.frame["expectations"].to_list() == ["exp_partenariats exp_orientation", "exp_orientation", None]


def test_kobo_xlsx_export(tmp_path: Path, questionnaire, form) -> None:
    from openpyxl import Workbook

    original = make_responses(questionnaire, n=8, seed=12)
    rows = list(csv.reader(io.StringIO(kobo_csv(original, questionnaire)), delimiter=";"))
    book = Workbook()
    for row in rows:  # Kobo's XLS export holds the same cells, as text
        book.active.append([cell or None for cell in row])
    book.save(tmp_path / "kobo.xlsx")
    result = read_responses(tmp_path / "kobo.xlsx", form)
    assert result.format is Format.XLSX and result.problems == []
    assert_frame_equal(result.frame.drop("__row__"), original)
