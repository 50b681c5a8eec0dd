"""Importing response files: every kind of bad input is reported exactly and changes nothing."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from effipia.errors import EffipiaError, Problem, ValidationFailed, message
from effipia.exchange import Format
from effipia.operations.responses import import_responses as _import_operation
from effipia.exchange.readers import read_responses

from .conftest import snapshot, write_text


def import_responses(*args, **kwargs):
    """The import operation's report (the store side of an import lives in effipia.operations)."""
    return _import_operation(*args, **kwargs).value


HEADER = (
    "respondent_id,campus_id,category,partner_type,consortium,pia_concerned,expectations,"
    "dyn_1,dyn_2,real_known_1,real_pia_1,intl_strategy,intl_pia_effect,benef_skills,collab"
)
# Four respondents following the routing of the codebook (one per kind of path).
GOOD_ROWS = [
    "R1,C01,entreprise,,1,0,exp_anticiper_competences exp_recruter,1,9,1,1,,,1,2",
    "R2,C01,lycee,lycee,0,1,exp_partenariats,2,1,0,,,,,1",
    "R3,C02,superieur,universite,1,1,exp_visibilite_formations exp_valoriser_recherche,1,1,1,0,2,1,,3",
    "R4,C02,autre,,,,,1,2,,,,,,9",
]

#: The frame these rows must give (values typed by hand from GOOD_ROWS; columns in
#: questionnaire order: grp_collab comes before grp_real in the workbook).
EXPECTED = pl.DataFrame(
    {
        "respondent_id": ["R1", "R2", "R3", "R4"],
        "campus_id": ["C01", "C01", "C02", "C02"],
        "category": ["entreprise", "lycee", "superieur", "autre"],
        "partner_type": [None, "lycee", "universite", None],
        "consortium": [1, 0, 1, None],
        "pia_concerned": [0, 1, 1, None],
        "expectations": [
            "exp_anticiper_competences exp_recruter",
            "exp_partenariats",
            "exp_visibilite_formations exp_valoriser_recherche",
            None,
        ],
        "dyn_1": [1, 2, 1, 1],
        "dyn_2": [9, 1, 1, 2],
        "collab": [2, 1, 3, 9],
        "real_known_1": [1, 0, 1, None],
        "real_pia_1": [1, None, 0, None],
        "intl_strategy": [None, None, 2, None],
        "intl_pia_effect": [None, None, 1, None],
        "benef_skills": [1, None, None, None],
    },
    schema_overrides={c: pl.Int64 for c in ("consortium", "pia_concerned", "dyn_1", "dyn_2", "real_known_1",
                                            "real_pia_1", "intl_strategy", "intl_pia_effect", "benef_skills", "collab")},
)


def csv_file(tmp_path: Path, rows: list[str], name: str = "reponses.csv", header: str = HEADER) -> Path:
    return write_text(tmp_path / name, "\n".join([header, *rows]) + "\n")


def failing(store, path: Path, campaign: str | None = "vague1", **kwargs) -> list[Problem]:
    """Problems of an import that must fail and leave the store exactly as it was."""
    before = snapshot(store)
    with pytest.raises(ValidationFailed) as exc:
        import_responses(store, path, campaign, **kwargs)
    assert snapshot(store) == before
    return exc.value.problems


def test_good_file_imports_and_reimport_changes_nothing(store, tmp_path: Path) -> None:
    path = csv_file(tmp_path, GOOD_ROWS)
    report = import_responses(store, path, "vague1")
    assert (report.campaign, report.format, report.rows, report.inserted, report.replaced, report.unchanged) == (
        "vague1", Format.CSV, 4, 4, 0, 0,
    )
    assert report.created_campaign
    assert_frame_equal(store.responses("vague1"), EXPECTED)
    before = snapshot(store)
    again = import_responses(store, path)  # one campaign: --campaign may be left out
    assert (again.inserted, again.replaced, again.unchanged, again.created_campaign) == (0, 0, 4, False)
    assert snapshot(store) == before


def test_no_campaign_named_in_an_empty_store(store, tmp_path: Path) -> None:
    with pytest.raises(EffipiaError) as exc:
        import_responses(store, csv_file(tmp_path, GOOD_ROWS), None)
    assert exc.value.code == "exchange.campaign_needed"


def test_missing_identification_column(store, tmp_path: Path) -> None:
    header = HEADER.replace("respondent_id,", "", 1)
    rows = [row.split(",", 1)[1] for row in GOOD_ROWS]
    path = csv_file(tmp_path, rows, header=header)
    f = str(path)
    assert failing(store, path) == [Problem.at(f, None, "respondent_id", "questionnaire.missing_id_column", column="respondent_id")]


def replaced(row: int, old: str, new: str) -> list[str]:
    """GOOD_ROWS with one substitution in data row ``row`` (0-based; file line = row + 2)."""
    rows = list(GOOD_ROWS)
    assert old in rows[row]
    rows[row] = rows[row].replace(old, new, 1)
    return rows


def test_unknown_category(store, tmp_path: Path) -> None:
    path = csv_file(tmp_path, replaced(3, "C02,autre", "C02,autres"))
    codes = "entreprise, lycee, of_cfa, superieur, autre"  # survey_group list of the workbook
    assert failing(store, path) == [
        Problem.at(str(path), 5, "category", "questionnaire.unknown_code", value="autres", codes=codes)
    ]


def test_code_out_of_scale_and_not_an_integer(store, tmp_path: Path) -> None:
    rows = replaced(1, "exp_partenariats,2,1", "exp_partenariats,3,1")  # dyn_1 = 3: yes_no_na is 1, 2, 9
    rows[3] = rows[3].replace(",,,,,,9", ",,,,,,abc")  # collab
    path = csv_file(tmp_path, rows)
    f = str(path)
    assert failing(store, path) == [
        Problem.at(f, 3, "dyn_1", "questionnaire.out_of_scale", value="3", list_name="yes_no_na", codes="1, 2, 9"),
        Problem.at(f, 5, "collab", "questionnaire.non_integer", value="abc"),
    ]


def test_answer_to_a_skipped_question(store, tmp_path: Path) -> None:
    # R2 is a lycée: benef_skills is asked of entreprises only; real_pia_1 only when real_known_1 = 1.
    rows = replaced(1, "C01,lycee,lycee,0,1,exp_partenariats,2,1,0,,,,,1", "C01,lycee,lycee,0,1,exp_partenariats,2,1,0,1,,,1,1")
    path = csv_file(tmp_path, rows)
    f = str(path)
    assert failing(store, path) == [  # ValidationFailed orders by file, line, column name
        Problem.at(f, 3, "benef_skills", "questionnaire.not_asked", value="1", relevant="${category} = 'entreprise'"),
        Problem.at(f, 3, "real_pia_1", "questionnaire.not_asked", value="1",
                   relevant="(${category} != 'autre') and (${real_known_1} = '1')"),
    ]


def test_duplicate_respondent(store, tmp_path: Path) -> None:
    path = csv_file(tmp_path, [*GOOD_ROWS, GOOD_ROWS[1]])
    assert failing(store, path) == [
        Problem.at(str(path), 6, "respondent_id", "questionnaire.duplicate_respondent", value="R2", first=3)
    ]


def test_unknown_campus(store, tmp_path: Path) -> None:
    path = csv_file(tmp_path, replaced(2, "R3,C02", "R3,C99"))
    assert failing(store, path) == [Problem.at(str(path), 4, "campus_id", "exchange.unknown_campus", campus="C99")]


def test_unknown_column_and_empty_file(store, tmp_path: Path) -> None:
    path = csv_file(tmp_path, [row + ",x" for row in GOOD_ROWS], header=HEADER + ",dyn_7")
    assert failing(store, path) == [Problem.at(str(path), None, "dyn_7", "questionnaire.unknown_column", column="dyn_7")]
    empty = csv_file(tmp_path, [], name="vide.csv")
    assert failing(store, empty) == [Problem.at(str(empty), None, None, "exchange.no_rows")]


def test_wrong_encoding_changes_nothing(store, tmp_path: Path) -> None:
    # Line 3 carries byte 0x81: not UTF-8 and undefined in Windows-1252.
    lines = [line.encode() for line in [HEADER, *GOOD_ROWS]]
    lines[2] = lines[2].replace(b"R2", b"R2\x81", 1)
    path = tmp_path / "undecodable.csv"
    path.write_bytes(b"\n".join(lines))
    before = snapshot(store)
    assert failing(store, path) == [Problem.at(str(path), 3, None, "reading.undecodable_line", encoding="Windows-1252")]
    assert snapshot(store) == before


def test_utf16_with_bom_is_read_like_utf8(store, tmp_path: Path) -> None:
    # Excel's « Texte Unicode » saves UTF-16 with a BOM: same rows as the UTF-8 file.
    utf16 = write_text(tmp_path / "utf16.csv", "\n".join([HEADER, *GOOD_ROWS]), "utf-16")
    utf8 = write_text(tmp_path / "utf8.csv", "\n".join([HEADER, *GOOD_ROWS]), "utf-8")
    assert read_responses(utf16).frame.equals(read_responses(utf8).frame)


def test_every_problem_is_reported_at_once(store, tmp_path: Path) -> None:
    rows = replaced(0, "R1,C01", "R1,C77")
    rows[1] = rows[1].replace("exp_partenariats,2,1", "exp_partenariats,7,1")
    rows.append("R5,C01,of_cfa,,1,1,exp_recruter,1,1,0,,,,,1;")  # exp_recruter is offered to entreprises only
    path = csv_file(tmp_path, rows)
    f = str(path)
    assert failing(store, path) == [
        Problem.at(f, 2, "campus_id", "exchange.unknown_campus", campus="C77"),
        Problem.at(f, 3, "dyn_1", "questionnaire.out_of_scale", value="7", list_name="yes_no_na", codes="1, 2, 9"),
        Problem.at(f, 6, "collab", "questionnaire.non_integer", value="1;"),
        Problem.at(f, 6, "expectations", "questionnaire.choice_not_in_group", value="exp_recruter", group="of_cfa"),
    ]


PARTNERS = pl.DataFrame(
    {
        "partner_id": ["R1", "R2", "R3", "R4"],
        "campus_id": ["C01", "C01", "C02", "C02"],
        "name": ["Airbus", "Lycée Déodat", "Université", "Association"],
        "category": ["entreprise", "lycee", "superieur", "autre"],
    }
)


def test_partner_directory_checks(store, tmp_path: Path) -> None:
    store.write_partners("vague1", PARTNERS)
    rows = replaced(0, "R1,C01", "R1,C02")  # R1 belongs to C01 in the directory
    rows[1] = rows[1].replace("R2,C01,lycee,lycee,0,1,exp_partenariats", "R2,C01,of_cfa,,0,1,exp_partenariats")
    rows.append("R9,C01,autre,,,,,1,1,,,,,,1")  # not in the directory
    path = csv_file(tmp_path, rows)
    f = str(path)
    assert failing(store, path) == [
        Problem.at(f, 2, "campus_id", "exchange.partner_campus", respondent="R1", expected="C01"),
        Problem.at(f, 3, "category", "exchange.partner_category", respondent="R2", expected="lycee"),
        Problem.at(f, 6, "respondent_id", "exchange.not_a_partner", respondent="R9"),
    ]
    report = import_responses(store, csv_file(tmp_path, GOOD_ROWS, name="ok.csv"), "vague1")
    assert (report.inserted, report.created_campaign) == (4, False)


def test_without_directory_respondents_come_from_their_columns(store, tmp_path: Path) -> None:
    store.write_partners("annuaire", PARTNERS)  # another campaign's directory does not apply
    report = import_responses(store, csv_file(tmp_path, [*GOOD_ROWS, "R9,C01,autre,,,,,1,1,,,,,,1"]), "vague1")
    assert report.inserted == 5


def test_changed_answers_need_replace(store, tmp_path: Path) -> None:
    import_responses(store, csv_file(tmp_path, GOOD_ROWS), "vague1")
    changed = csv_file(tmp_path, replaced(3, ",1,2,,,,,,9", ",1,2,,,,,,1"), name="v2.csv")  # R4 collab 9 → 1
    assert failing(store, changed) == [
        Problem.at(str(changed), 5, "respondent_id", "exchange.conflict", respondent="R4")
    ]
    report = import_responses(store, changed, "vague1", replace=True)
    assert (report.inserted, report.replaced, report.unchanged) == (0, 1, 3)
    assert store.responses("vague1")["collab"].to_list() == [2, 1, 3, 1]


def test_new_block_for_stored_respondents_is_a_change(store, tmp_path: Path) -> None:
    # A second file adding a block for the same respondents differs from what is stored.
    import_responses(store, csv_file(tmp_path, GOOD_ROWS), "vague1")
    more = csv_file(tmp_path, [row + ",1" for row in GOOD_ROWS], name="plus.csv", header=HEADER + ",workload_more")
    assert [p.code for p in failing(store, more)] == ["exchange.conflict"] * 4


@pytest.mark.parametrize("fmt", ["csv", "kobo", "xlsx", "parquet", "sav", "dta"])
def test_bad_inputs_are_found_in_every_format(store, tmp_path: Path, questionnaire, form, fmt: str) -> None:
    from effipia.exchange import write_response_file

    from .test_kobo import kobo_csv

    rows = replaced(3, "C02,autre", "C02,autres")  # unknown category (line 5)
    rows[1] = rows[1].replace("exp_partenariats,2,1,0,,,,,1", "exp_partenariats,3,1,0,1,,,,1")  # dyn_1 = 3, real_pia_1 skipped
    rows[2] = rows[2].replace("R3,C02", "R3,C99")  # unknown campus (line 4)
    rows.append(GOOD_ROWS[0])  # duplicate of R1 (line 6)
    text = pl.read_csv(csv_file(tmp_path, rows), infer_schema=False)  # every column as text, as a user may type it
    path = tmp_path / f"bad.{'csv' if fmt == 'kobo' else fmt}"
    if fmt == "kobo":
        write_text(path, kobo_csv(text, questionnaire))
    else:
        write_response_file(text, path, fmt, form=form)
    f = str(path)
    assert failing(store, path) == [
        Problem.at(f, 3, "dyn_1", "questionnaire.out_of_scale", value="3", list_name="yes_no_na", codes="1, 2, 9"),
        Problem.at(f, 3, "real_pia_1", "questionnaire.not_asked", value="1",
                   relevant="(${category} != 'autre') and (${real_known_1} = '1')"),
        Problem.at(f, 4, "campus_id", "exchange.unknown_campus", campus="C99"),
        Problem.at(f, 5, "category", "questionnaire.unknown_code", value="autres",
                   codes="entreprise, lycee, of_cfa, superieur, autre"),
        Problem.at(f, 6, "respondent_id", "questionnaire.duplicate_respondent", value="R1", first=2),
    ]


def without(columns: set[str], rows: list[str] = GOOD_ROWS, header: str = HEADER) -> tuple[str, list[str]]:
    """``header`` and ``rows`` with ``columns`` left out (the cells hold no commas)."""
    names = header.split(",")
    keep = [i for i, name in enumerate(names) if name not in columns]
    cut = lambda line: ",".join(line.split(",")[i] for i in keep)
    return cut(header), [cut(row) for row in rows]


def test_replace_keeps_the_blocks_absent_from_the_file(store, tmp_path: Path) -> None:
    import_responses(store, csv_file(tmp_path, GOOD_ROWS), "vague1")
    # A second file without the achievements block (real_known_1, real_pia_1), same answers otherwise:
    # nothing to replace, nothing blanked.
    header, rows = without({"real_known_1", "real_pia_1"})
    same = csv_file(tmp_path, rows, name="sans_bloc.csv", header=header)
    report = import_responses(store, same, "vague1")
    assert (report.inserted, report.replaced, report.unchanged) == (0, 0, 4)
    assert_frame_equal(store.responses("vague1"), EXPECTED)
    # With a changed answer elsewhere (R4 collab 9 → 1): R4 is replaced, its absent block kept.
    header, rows = without({"real_known_1", "real_pia_1"}, replaced(3, ",1,2,,,,,,9", ",1,2,,,,,,1"))
    changed = csv_file(tmp_path, rows, name="sans_bloc_v2.csv", header=header)
    report = import_responses(store, changed, "vague1", replace=True)
    assert (report.inserted, report.replaced, report.unchanged) == (0, 1, 3)
    stored = store.responses("vague1")
    assert stored["collab"].to_list() == [2, 1, 3, 1]
    assert_frame_equal(stored.drop("collab"), EXPECTED.drop("collab"))  # real_known_1 [1, 0, 1, None] kept


def test_replace_with_a_present_block_of_empty_cells_erases_it(store, tmp_path: Path) -> None:
    import_responses(store, csv_file(tmp_path, GOOD_ROWS), "vague1")
    # R1's achievements block present but empty: « no answer », stored as such.
    rows = replaced(0, "exp_recruter,1,9,1,1,", "exp_recruter,1,9,,,")
    path = csv_file(tmp_path, rows, name="vide.csv")
    assert [p.code for p in failing(store, path)] == ["exchange.conflict"]
    report = import_responses(store, path, "vague1", replace=True)
    assert (report.replaced, report.unchanged) == (1, 3)
    stored = store.responses("vague1")
    assert stored["real_known_1"].to_list() == [None, 0, 1, None]
    assert stored["real_pia_1"].to_list() == [None, None, 0, None]


def test_new_respondents_of_a_partial_file_have_the_absent_block_empty(store, tmp_path: Path) -> None:
    import_responses(store, csv_file(tmp_path, GOOD_ROWS[1:]), "vague1")
    header, rows = without({"real_known_1", "real_pia_1"})
    report = import_responses(store, csv_file(tmp_path, rows, name="partiel.csv", header=header), "vague1")
    assert (report.inserted, report.unchanged) == (1, 3)
    # R1 is new: its block was not collected (empty); R2 and R3 keep theirs.
    assert store.responses("vague1")["real_known_1"].to_list() == [None, 0, 1, None]


#: A directory that knows every identification value of GOOD_ROWS (R1 and R4 have no
#: partner type in the file; R4, of group « autre », was not asked consortium nor PIA).
FULL_DIRECTORY = PARTNERS.with_columns(
    pl.Series("partner_type", ["entreprise", "lycee", "universite", "opco"]),
    pl.Series("consortium", [1, 0, 1, 1]),
    pl.Series("pia_concerned", [0, 1, None, 0]),
)


def test_directory_checks_type_consortium_and_pia_per_cell(store, tmp_path: Path) -> None:
    store.write_partners("vague1", FULL_DIRECTORY)
    rows = replaced(1, "R2,C01,lycee,lycee,0,1", "R2,C01,lycee,college,1,0")  # three disagreements
    rows[2] = rows[2].replace("R3,C02,superieur,universite,1,1", "R3,C02,superieur,ecole_superieure,1,1")
    path = csv_file(tmp_path, rows)
    f = str(path)
    assert failing(store, path) == [
        Problem.at(f, 3, "consortium", "exchange.partner_value", respondent="R2", expected=0, value=1),
        Problem.at(f, 3, "partner_type", "exchange.partner_value", respondent="R2", expected="lycee", value="college"),
        Problem.at(f, 3, "pia_concerned", "exchange.partner_value", respondent="R2", expected=1, value=0),
        # R3's pia_concerned (1) is not checked: the directory does not know it.
        Problem.at(f, 4, "partner_type", "exchange.partner_value", respondent="R3", expected="universite",
                   value="ecole_superieure"),
    ]
    assert str(failing(store, path)[0]).endswith(
        "consortium: le répondant R2 a la valeur 0 dans l'annuaire des partenaires, 1 dans le fichier"
    )


def test_empty_cells_are_accepted_and_only_the_partner_type_is_filled(store, tmp_path: Path) -> None:
    store.write_partners("vague1", FULL_DIRECTORY)
    rows = replaced(0, "R1,C01,entreprise,,1,0", "R1,C01,entreprise,,,")  # R1: type, consortium, PIA empty
    report = import_responses(store, csv_file(tmp_path, rows), "vague1")
    assert report.inserted == 4
    stored = store.responses("vague1")
    # partner_type: a registry attribute, taken from the directory (R1 entreprise, R4 opco).
    assert stored["partner_type"].to_list() == ["entreprise", "lycee", "universite", "opco"]
    # consortium and pia_concerned are answers: empty stays « no answer » (R1), « not asked » (R4).
    assert stored["consortium"].to_list() == [None, 0, 1, None]
    assert stored["pia_concerned"].to_list() == [None, 1, 1, None]
    # Re-importing the same file fills the same way: nothing changes.
    again = import_responses(store, csv_file(tmp_path, rows, name="encore.csv"), "vague1")
    assert (again.inserted, again.replaced, again.unchanged) == (0, 0, 4)


def test_files_received_on_their_own_one_per_campus(sqlite_url: str, tmp_path: Path) -> None:
    # Without a campus registry, each file registers the campuses it names (id only): the
    # second file, for another campus, is accepted too. Once a registry proper is imported
    # (CAMPUSES: C01 and C02 with their names), a campus outside it is an error again.
    from effipia.store import Store

    from .conftest import CAMPUSES

    store = Store(sqlite_url)
    try:
        first = import_responses(store, csv_file(tmp_path, GOOD_ROWS[:2], name="c01.csv"), "recue")
        second = import_responses(store, csv_file(tmp_path, GOOD_ROWS[2:], name="c02.csv"), "recue")
        assert (first.registered_campuses, second.registered_campuses) == (1, 1)  # C01, then C02
        assert sorted(store.campuses()["campus_id"].to_list()) == ["C01", "C02"]
        assert store.responses("recue")["respondent_id"].to_list() == ["R1", "R2", "R3", "R4"]
        store.write_campuses(CAMPUSES)
        path = csv_file(tmp_path, ["R7,C09,autre,,,,,1,1,,,,,,1"], name="c09.csv")
        assert failing(store, path, "recue") == [
            Problem.at(str(path), 2, "campus_id", "exchange.unknown_campus", campus="C09")
        ]
    finally:
        store.close()
