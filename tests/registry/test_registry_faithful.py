"""Registry readers refuse what they cannot read faithfully (issue 11, item 1), one
regression test per kind of defect found by a careless or hostile user, each from a
small file made here; and every problem of a file comes in one pass (item 2)."""

from __future__ import annotations

import resource
import zipfile

import pytest

from effipia.errors import ValidationFailed, message
from effipia.registry import read_campuses, read_directories

KNOWN = ["CMQ-BDB", "CMQ-AERO"]
CAMPUS_HEADER = "campus_id;name;filiere;region;academie"
BDB = "CMQ-BDB;CMQ bâtiment durable Bretagne;F04;Bretagne;Rennes"


def problems(read, *args, **kwargs) -> list[str]:
    with pytest.raises(ValidationFailed) as info:
        read(*args, **kwargs)
    return [str(p) for p in info.value.problems]


def test_short_row_of_a_directory_is_refused_at_its_line(tmp_path, write_csv) -> None:
    # Before: the missing SIRET and e-mail were read as empty cells, without a word.
    path = write_csv(tmp_path / "a.csv", ["Raison sociale;Catégorie;SIRET;Courriel", "EDF;Entreprise", "Orange;Entreprise;;"])
    assert problems(read_directories, path, campus="CMQ-BDB") == [
        f"{path}:2:: " + message("reading.short_row", found=2, expected=4)
    ]


def test_long_row_is_refused_but_trailing_separators_are_not(tmp_path, write_csv) -> None:
    path = write_csv(tmp_path / "a.csv", ["Raison sociale;Catégorie", "EDF;Entreprise;;", "Orange;Entreprise;en trop"])
    assert problems(read_directories, path, campus="CMQ-BDB") == [
        f"{path}:3:: " + message("reading.long_row", found=3, expected=2)
    ]


def test_campus_file_cut_in_the_middle_of_a_row(tmp_path) -> None:
    cut_unquoted = tmp_path / "cut.csv"
    cut_unquoted.write_bytes(f"{CAMPUS_HEADER}\n{BDB}\nCMQ-AERO;CMQ aéro".encode())
    assert problems(read_campuses, cut_unquoted) == [f"{cut_unquoted}:3:: " + message("reading.short_row", found=2, expected=5)]
    cut_quoted = tmp_path / "cut_quoted.csv"
    cut_quoted.write_bytes(f'{CAMPUS_HEADER}\n{BDB}\nCMQ-AERO;"CMQ aéro'.encode())
    assert problems(read_campuses, cut_quoted) == [f"{cut_quoted}:3:: " + message("reading.unclosed_quote")]


def test_duplicated_header_is_refused(tmp_path, write_csv) -> None:
    # Before: the second « SIRET » column was ignored.
    path = write_csv(tmp_path / "a.csv", ["Raison sociale;Catégorie;SIRET;SIRET", "EDF;Entreprise;;55208131766522"])
    assert problems(read_directories, path, campus="CMQ-BDB") == [
        f"{path}:1:SIRET: " + message("reading.duplicate_header", value="SIRET", other=3)
    ]
    campus = write_csv(tmp_path / "c.csv", ["campus_id;name;Name", "CMQ-BDB;Bâtiment;Autre nom"])
    assert problems(read_campuses, campus) == [f"{campus}:1:Name: " + message("reading.duplicate_header", value="Name", other=2)]


def test_one_windows_1252_row_in_a_utf8_file_is_refused_at_its_line(tmp_path) -> None:
    # Before: the whole file was decoded as Windows-1252, every accent of the UTF-8 rows
    # stored as mojibake (« LycÃ©e »).
    path = tmp_path / "mixed.csv"
    path.write_bytes(
        "Raison sociale;Catégorie\nLycée Joliot-Curie;Lycée\n".encode()
        + "Société générale;Entreprise\n".encode("cp1252")
        + "Électricité de France;Entreprise\n".encode()
    )
    assert problems(read_directories, path, campus="CMQ-BDB") == [
        f"{path}:3:: " + message("reading.mixed_encoding", encoding="UTF-8")
    ]


def test_a_pure_windows_1252_file_is_still_read(tmp_path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes("Raison sociale;Catégorie\nSociété générale;Entreprise\n".encode("cp1252"))
    assert read_directories(path, campus="CMQ-BDB").partners["name"].to_list() == ["Société générale"]


def test_nul_byte_is_refused_at_its_line(tmp_path) -> None:
    path = tmp_path / "nul.csv"
    path.write_bytes(b"Raison sociale;Cat\xc3\xa9gorie\nEDF;Entreprise\nOr\x00ange;Entreprise\n")
    assert problems(read_directories, path, campus="CMQ-BDB") == [
        f"{path}:3:: " + message("reading.control_character", character="NUL")
    ]


def _workbook_with(path, rows, raw_cells: dict[str, str]):
    """An XLSX written by openpyxl, then cells replaced by raw XML (error values and
    formulas without a cached value, as a program that never ran Excel writes them)."""
    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    with zipfile.ZipFile(path) as zin:
        members = {i.filename: zin.read(i.filename) for i in zin.infolist()}
    sheet = members["xl/worksheets/sheet1.xml"].decode()
    for ref, xml in raw_cells.items():
        start = sheet.index(f'<c r="{ref}"')
        end = sheet.index("</c>", start) + 4
        sheet = sheet[:start] + xml + sheet[end:]
    members["xl/worksheets/sheet1.xml"] = sheet.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in members.items():
            zout.writestr(name, data)
    return path


def test_error_cells_and_uncomputed_formulas_are_refused_at_their_cell(tmp_path) -> None:
    # Before: both were read as empty cells.
    path = _workbook_with(
        tmp_path / "a.xlsx",
        [["Raison sociale", "Catégorie", "SIRET"], ["EDF", "Entreprise", "x"], ["Orange", "Entreprise", "y"]],
        {"C2": '<c r="C2" t="e"><v>#N/A</v></c>', "C3": '<c r="C3"><f>VLOOKUP(A3,Feuil2!A:B,2,0)</f><v/></c>'},
    )
    assert problems(read_directories, path, campus="CMQ-BDB") == [
        f"{path}:2:SIRET: " + message("reading.error_cell", value="#N/A"),
        f"{path}:3:SIRET: " + message("reading.formula_without_value", formula="=VLOOKUP(A3,Feuil2!A:B,2,0)"),
    ]


def test_formula_with_its_cached_value_is_read(tmp_path) -> None:
    path = _workbook_with(
        tmp_path / "a.xlsx",
        [["Raison sociale", "Catégorie"], ["EDF", "x"]],
        {"B2": '<c r="B2" t="str"><f>"Entre"&amp;"prise"</f><v>Entreprise</v></c>'},
    )
    assert read_directories(path, campus="CMQ-BDB").partners["partner_type"].to_list() == ["entreprise"]


@pytest.mark.parametrize("far", ["XFD1048576", "XFD5000"])
def test_far_used_range_is_refused_before_reading(tmp_path, write_xlsx, far) -> None:
    # Before: XFD1048576 aborted the process (a 512 GB allocation); XFD5000 cost 34 s and 4 GB.
    path = write_xlsx(tmp_path / "far.xlsx", [["Raison sociale", "Catégorie"], ["EDF", "Entreprise"]])
    from openpyxl import load_workbook

    book = load_workbook(path)
    book.active[far] = "x"
    book.save(path)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    [problem] = problems(read_directories, path, campus="CMQ-BDB")
    assert problem.startswith(f"{path}::: zone utilisée du classeur trop grande : jusqu'à la cellule {far} (")
    # Nothing near the sheet's size was allocated (the peak grows by less than 200 MB).
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 200_000


def test_used_range_limit_is_a_setting(tmp_path, write_xlsx, monkeypatch) -> None:
    path = write_xlsx(tmp_path / "a.xlsx", [["Raison sociale", "Catégorie"], ["EDF", "Entreprise"], ["Orange", "Entreprise"]])
    assert read_directories(path, campus="CMQ-BDB").rows_read == 2
    monkeypatch.setenv("EFFIPIA_XLSX_MAX_CELLS", "5")  # 3 rows x 2 columns = 6 cells
    [problem] = problems(read_directories, path, campus="CMQ-BDB")
    assert "jusqu'à la cellule B3 (3 lignes × 2 colonnes = 6 cellules, limite 5 " in problem


@pytest.mark.parametrize(
    ("kind", "data", "expected"),
    [
        ("truncated", lambda good: good[: len(good) // 2], "reading.bad_zip"),
        ("not a zip", lambda good: b"PK\x03\x04" + b"\x00" * 60, "reading.bad_zip"),
        ("encrypted", lambda good: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504, "reading.encrypted_workbook"),
    ],
)
def test_damaged_workbooks_are_said_in_french(tmp_path, write_xlsx, kind, data, expected) -> None:
    good = write_xlsx(tmp_path / "good.xlsx", [["Raison sociale", "Catégorie"], ["EDF", "Entreprise"]]).read_bytes()
    path = tmp_path / "bad.xlsx"
    path.write_bytes(data(good))
    assert problems(read_directories, path, campus="CMQ-BDB") == [f"{path}::: " + message(expected)]


def test_corrupt_deflate_stream_is_said_in_french(tmp_path, write_xlsx) -> None:
    path = write_xlsx(tmp_path / "a.xlsx", [["Raison sociale", "Catégorie"], ["EDF", "Entreprise"]])
    raw = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as book:
        info = book.getinfo("xl/worksheets/sheet1.xml")
    data_start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for i in range(data_start + 2, data_start + min(info.compress_size, 40)):
        raw[i] ^= 0x5A  # scramble the compressed sheet
    path.write_bytes(bytes(raw))
    [problem] = problems(read_directories, path, campus="CMQ-BDB")
    assert problem in (f"{path}::: " + message("reading.corrupt_zip_member"), f"{path}::: " + message("reading.bad_zip"))


def test_huge_field_from_an_unclosed_quote_is_said_in_french(tmp_path) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes(b'Raison sociale;Cat\xc3\xa9gorie\n"EDF;Entreprise\n' + b"x" * 140_000 + b"\n")
    [problem] = problems(read_directories, path, campus="CMQ-BDB")
    assert problem.startswith(f"{path}:2:: champ de plus de 131")


def test_negative_yes_no_code_keeps_its_sign_and_is_refused(tmp_path, write_csv) -> None:
    # Before: « -1 » lost its sign in matching and was stored as 1 (member).
    path = write_csv(tmp_path / "a.csv", ["Raison sociale;Catégorie;Membre du consortium", "EDF;Entreprise;-1"])
    assert problems(read_directories, path, campus="CMQ-BDB") == [
        f"{path}:2:Membre du consortium: " + message("registry.bad_yes_no", value="-1")
    ]


def test_identifiers_longer_than_the_store_columns_are_refused(tmp_path, write_csv) -> None:
    long_id = "P" * 129  # partners.partner_id is VARCHAR(128)
    path = write_csv(tmp_path / "a.csv", ["partner_id;Raison sociale;Catégorie", f"{long_id};EDF;Entreprise"])
    assert problems(read_directories, path, campus="CMQ-BDB") == [
        f"{path}:2:partner_id: " + message("reading.text_too_long", length=129, limit=128)
    ]
    campus = write_csv(tmp_path / "c.csv", ["campus_id;name", f"{'C' * 65};Campus"])  # campuses.campus_id is VARCHAR(64)
    assert problems(read_campuses, campus) == [f"{campus}:2:campus_id: " + message("reading.text_too_long", length=65, limit=64)]


def test_non_finite_and_huge_numbers_in_campus_files(tmp_path, write_xlsx, write_csv) -> None:
    # Before: « inf » or 30-digit values gave « erreur inattendue (InvalidOperationError) ».
    path = write_xlsx(tmp_path / "c.xlsx", [["campus_id", "name", "pia_amount_eur"], ["C1", "Campus", 1e30]])
    assert problems(read_campuses, path) == [f"{path}:2:pia_amount_eur: " + message("registry.bad_integer", value="1e+30")]
    text = write_csv(
        tmp_path / "c.csv", ["campus_id;name;pia_amount_eur;year_created", f"C1;Campus;{'9' * 30};inf", "C2;Campus 2;NaN;-2015"]
    )
    assert problems(read_campuses, text) == [
        f"{text}:2:pia_amount_eur: " + message("registry.out_of_range", value=int("9" * 30), low=0, high=10**12),
        f"{text}:2:year_created: " + message("registry.bad_integer", value="inf"),
        f"{text}:3:pia_amount_eur: " + message("registry.bad_integer", value="NaN"),
        f"{text}:3:year_created: " + message("registry.bad_integer", value="-2015"),
    ]


def test_header_only_files_are_refused(tmp_path, write_csv) -> None:
    directory = write_csv(tmp_path / "a.csv", ["Raison sociale;Catégorie"])
    assert problems(read_directories, directory, campus="CMQ-BDB") == [f"{directory}:1:: " + message("reading.header_only")]
    campuses = write_csv(tmp_path / "c.csv", [CAMPUS_HEADER])
    assert problems(read_campuses, campuses) == [f"{campuses}:1:: " + message("reading.header_only")]


def test_duplicate_partner_id_and_bad_email_are_reported_together(tmp_path, write_csv) -> None:
    # Before: only the e-mail was reported; the duplicate appeared once it was fixed.
    path = write_csv(
        tmp_path / "a.csv",
        ["partner_id;Raison sociale;Catégorie;Courriel", "P1;EDF;Entreprise;pas-une-adresse", "P1;Orange;Entreprise;"],
    )
    assert problems(read_directories, path, campus="CMQ-BDB") == [
        f"{path}:2:Courriel: " + message("registry.bad_email", value="pas-une-adresse"),
        f"{path}:3:partner_id: " + message("registry.duplicate_partner_id", value="P1", other=f"{path}:2"),
    ]


def test_problems_of_every_kind_in_one_campus_file_come_together(tmp_path, write_csv) -> None:
    path = write_csv(
        tmp_path / "c.csv",
        [CAMPUS_HEADER + ";campus_id", "CMQ-BDB;Bâtiment;F99;Bretagne;Rennes;x", "CMQ-BDB;Autre;F04;Bretagne", ],
    )
    assert problems(read_campuses, path) == [
        f"{path}:1:campus_id: " + message("reading.duplicate_header", value="campus_id", other=1),
        f"{path}:2:filiere: " + message("registry.unknown_filiere", value="F99"),
        f"{path}:3:: " + message("reading.short_row", found=4, expected=6),
        f"{path}:3:campus_id: " + message("registry.duplicate_campus_id", value="CMQ-BDB", other=2),
    ]


def test_codebook_flag_columns_keep_empty_as_unknown(tmp_path, write_csv) -> None:
    # What effipia writes (synth --out, exports) re-imports to the same values: an empty
    # pia_concerned stays empty (not asked), never 0; a column of marks keeps empty = no.
    codebook = write_csv(
        tmp_path / "partners.csv",
        ["partner_id,campus_id,name,category,partner_type,consortium,pia_concerned", "P1,CMQ-BDB,EDF,entreprise,entreprise,1,"],
    )
    assert read_directories(codebook, known_campuses=KNOWN).partners.select("consortium", "pia_concerned").rows() == [(1, None)]
    marks = write_csv(tmp_path / "marks.csv", ["Raison sociale;Catégorie;Membre du consortium", "EDF;Entreprise;"])
    assert read_directories(marks, campus="CMQ-BDB").partners["consortium"].to_list() == [0]


def test_user_tables_are_read_as_strictly(tmp_path, write_csv) -> None:
    from effipia.registry.tables import load_tables

    recoding = write_csv(tmp_path / "recodage.csv", ["text;partner_type;partner_type", "Boîte;entreprise;lycee", "Asso"])
    assert problems(load_tables, recoding=recoding) == [
        f"{recoding}:1:partner_type: " + message("reading.duplicate_header", value="partner_type", other=2),
        f"{recoding}:3:: " + message("reading.short_row", found=1, expected=3),
        f"{recoding}:3:partner_type: " + message("registry.tables_empty_cell"),
    ]
