"""Format detection and reading files as text (encodings, separators, line numbers)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from effipia.errors import ValidationFailed, EffipiaError, Problem, message
from effipia.exchange.detect import Format, detect_format, is_kobo_header
from effipia.exchange.tables import ROW, read_table
from effipia.exchange.writers import write_response_file

from .conftest import write_text

CSV = "respondent_id,campus_id,category,dyn_1\nR1,C01,lycee,1\nR2,C01,entreprise,\n"


def test_detect_by_content_not_suffix(tmp_path: Path, form) -> None:
    frame = pl.DataFrame({"respondent_id": ["R1"], "campus_id": ["C01"], "category": ["lycee"], "dyn_1": [1]})
    for fmt in ("xlsx", "parquet", "sav", "dta"):
        written = write_response_file(frame, tmp_path / f"r.{fmt}", fmt, form=form)
        renamed = written.rename(tmp_path / f"renamed_{fmt}.data")  # misleading suffix
        assert detect_format(renamed) is Format(fmt)
    assert detect_format(write_text(tmp_path / "r.csv", CSV)) is Format.CSV
    assert detect_format(write_text(tmp_path / "r.txt", CSV)) is Format.CSV


def test_detect_refuses_missing_and_fake_files(tmp_path: Path) -> None:
    with pytest.raises(EffipiaError) as missing:
        detect_format(tmp_path / "absent.csv")
    assert str(missing.value) == message("generic.file_not_found", path=str(tmp_path / "absent.csv"))
    fake = write_text(tmp_path / "fake.sav", CSV)  # text saved under an SPSS name
    with pytest.raises(EffipiaError) as bad:
        detect_format(fake)
    assert str(bad.value) == message("exchange.bad_signature", name="fake.sav", format="SAV")


def test_kobo_header_recognition() -> None:
    multiple = {"expectations"}
    assert is_kobo_header(["start", "end", "dyn_1", "_id", "_uuid"], multiple)
    assert is_kobo_header(["respondent_id", "grp_dyn/dyn_1"], multiple)
    assert is_kobo_header(["respondent_id", "grp_exp/expectations/exp_partenariats"], multiple)
    # The codebook accepts split columns in a plain file: not a Kobo export.
    assert not is_kobo_header(["respondent_id", "expectations", "expectations/exp_partenariats"], multiple)
    assert not is_kobo_header(["respondent_id", "campus_id", "dyn_1"], multiple)


@pytest.mark.parametrize(
    ("encoding", "prefix", "separator"),
    [("utf-8", b"", ","), ("utf-8", b"\xef\xbb\xbf", ";"), ("cp1252", b"", ";"), ("utf-8", b"", "\t")],
)
def test_csv_encodings_and_separators(tmp_path: Path, encoding: str, prefix: bytes, separator: str) -> None:
    text = "respondent_id,campus_id,category,partner_type\nRé1,C01,lycee,Lycée général\n".replace(",", separator)
    path = tmp_path / "r.csv"
    path.write_bytes(prefix + text.encode(encoding))
    table = read_table(path, Format.CSV)
    assert table.problems == []
    assert table.frame.columns == ["respondent_id", "campus_id", "category", "partner_type", ROW]
    assert table.frame.row(0) == ("Ré1", "C01", "lycee", "Lycée général", 2)


def test_csv_wrong_encoding_is_refused(tmp_path: Path) -> None:
    # UTF-16 with its BOM, as a spreadsheet's "Unicode text" export writes it, is read.
    path = write_text(tmp_path / "r.csv", "respondent_id,campus_id\nR1,C01\n", "utf-16")
    assert read_table(path, Format.CSV).frame.rows() == [("R1", "C01", 2)]
    # 0x81 is undefined in Windows-1252 and invalid UTF-8: refused at its line.
    (tmp_path / "s.csv").write_bytes(b"respondent_id,campus_id\nR\x81,C01\n")
    with pytest.raises(ValidationFailed) as exc:
        read_table(tmp_path / "s.csv", Format.CSV)
    assert [str(p) for p in exc.value.problems] == [
        f"{tmp_path / 's.csv'}:2:: octets illisibles en Windows-1252 : enregistrez le fichier en UTF-8"
    ]


def test_csv_line_numbers_blank_lines_quotes_and_structure(tmp_path: Path) -> None:
    text = (
        "respondent_id,campus_id,respondent_id,\n"  # line 1: duplicate and empty header
        "R1,C01,x,\n"  # line 2
        "\n"  # line 3: blank, skipped
        '"R2","C01\nsuite",y,\n'  # lines 4-5: one record over two lines
        "R3,C01\n"  # line 6: too short
        "R4,C02,z,w\n"  # line 7: a value under the empty header
    )
    f = str(tmp_path / "r.csv")
    table = read_table(write_text(tmp_path / "r.csv", text), Format.CSV)
    assert table.problems == [
        Problem.at(f, 1, "respondent_id", "exchange.duplicate_column"),
        Problem.at(f, 1, None, "exchange.empty_header", position=4),
        Problem.at(f, 6, None, "exchange.ragged_row", found=2, expected=4),
    ]
    assert table.frame.columns == ["respondent_id", "campus_id", ROW]
    assert table.frame.rows() == [("R1", "C01", 2), ("R2", "C01\nsuite", 4), ("R4", "C02", 7)]


def test_trailing_separators_are_ignored(tmp_path: Path) -> None:
    # Spreadsheets often save a separator after the last column: no header, no value.
    table = read_table(write_text(tmp_path / "r.csv", "respondent_id;campus_id;;\nR1;C01;;\n"), Format.CSV)
    assert table.problems == []
    assert table.frame.rows() == [("R1", "C01", 2)]


def test_empty_csv(tmp_path: Path) -> None:
    with pytest.raises(EffipiaError) as exc:
        read_table(write_text(tmp_path / "r.csv", "\n\n"), Format.CSV)
    assert str(exc.value) == message("exchange.empty_file", path=str(tmp_path / "r.csv"))


def test_xlsx_cells_become_text_with_sheet_rows(tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["respondent_id", "campus_id", "dyn_1", "collab"])
    sheet.append([101, "C01", 1.0, 2.5])  # numbers typed by a spreadsheet user
    sheet.append([None, None, None, None])  # empty row 3, skipped
    sheet.append(["R2", " C02 ", "abc", None])
    book.save(tmp_path / "r.xlsx")
    table = read_table(tmp_path / "r.xlsx", Format.XLSX)
    assert table.problems == []
    assert table.frame.rows() == [("101", "C01", "1", "2.5", 2), ("R2", "C02", "abc", None, 4)]


def test_typed_formats_become_text(tmp_path: Path) -> None:
    frame = pl.DataFrame({"respondent_id": ["R1", "R2"], "dyn_1": [1.0, None], "collab": [2.5, 3.0]})
    frame.write_parquet(tmp_path / "r.parquet")
    table = read_table(tmp_path / "r.parquet", Format.PARQUET)
    assert table.frame.rows() == [("R1", "1", "2.5", 2), ("R2", None, "3", 3)]


def test_spss_user_missing_values_stay_answer_codes(tmp_path: Path) -> None:
    import pandas as pd
    import pyreadstat

    data = pd.DataFrame({"respondent_id": ["R1", "R2"], "dyn_1": [9.0, 1.0]})
    # An evaluator declared 9 (NA) as an SPSS missing value: it is still code 9 of yes_no_na.
    pyreadstat.write_sav(data, str(tmp_path / "r.sav"), missing_ranges={"dyn_1": [9]})
    assert read_table(tmp_path / "r.sav", Format.SAV).frame.rows() == [("R1", "9", 2), ("R2", "1", 3)]


def test_row_column_name_is_reserved(tmp_path: Path) -> None:
    table = read_table(write_text(tmp_path / "r.csv", "respondent_id,__row__\nR1,99\n"), Format.CSV)
    assert table.problems == [Problem.at(str(tmp_path / "r.csv"), None, ROW, "questionnaire.unknown_column", column=ROW)]
    assert table.frame.rows() == [("R1", 2)]


def test_binary_file_without_known_suffix(tmp_path: Path) -> None:
    (tmp_path / "donnees").write_bytes(b"\x00\x01\x02binary")
    with pytest.raises(EffipiaError) as exc:
        detect_format(tmp_path / "donnees")
    assert str(exc.value) == message("generic.unknown_format", suffix=message("exchange.no_suffix"))


def test_parquet_with_nested_columns_is_unreadable(tmp_path: Path) -> None:
    pl.DataFrame({"respondent_id": ["R1"], "answers": [[1, 2]]}).write_parquet(tmp_path / "r.parquet")
    with pytest.raises(EffipiaError) as exc:
        read_table(tmp_path / "r.parquet", Format.PARQUET)
    assert str(exc.value) == f"{tmp_path / 'r.parquet'}::: " + message(
        "reading.unreadable_binary", format="PARQUET", name="r.parquet"
    )


@pytest.mark.parametrize(
    ("directive", "separator"),
    [("sep=;", ";"), ("sep=,", ","), ("SEP=|", "|"), ('"sep=;"', ";"), ("sep=;;;;", ";"), ("sep=\t", "\t")],
)
def test_excel_sep_line_names_the_separator(tmp_path: Path, directive: str, separator: str) -> None:
    # Without the directive, this header's commas (3) outnumber its semicolons (0 or 3):
    # only the « sep= » line can make « ; » or « | » the separator.
    header = ["respondent_id", "campus_id", "category", "partner_type"]
    body = [header, ["R1", "C01", "lycee", "Lycée, général"], ["R2", "C02", "autre", ""]]
    lines = [directive] + [separator.join(f'"{c}"' if "," in c and separator == "," else c for c in r) for r in body]
    path = tmp_path / "excel.csv"
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode() + b"\r\n")
    table = read_table(path, Format.CSV)
    assert table.problems == []
    assert table.frame.columns == [*header, ROW]
    assert table.frame.rows() == [("R1", "C01", "lycee", "Lycée, général", 3), ("R2", "C02", "autre", None, 4)]


def test_sep_line_counts_in_line_numbers(tmp_path: Path) -> None:
    # The sep= line is line 1 of the file: the header is line 2, a short row on line 4.
    path = write_text(tmp_path / "r.csv", "sep=;\nrespondent_id;campus_id;campus_id\nR1;C01;C01\nR2;C02\n")
    table = read_table(path, Format.CSV)
    assert table.problems == [
        Problem.at(str(path), 2, "campus_id", "exchange.duplicate_column"),
        Problem.at(str(path), 4, None, "exchange.ragged_row", found=2, expected=3),
    ]


def test_a_sep_like_value_is_not_a_directive(tmp_path: Path) -> None:
    # Only a first line made of the directive alone counts; « sep=x » as a header is a column.
    path = write_text(tmp_path / "r.csv", "sep=x;campus_id\nR1;C01\n")
    assert read_table(path, Format.CSV).frame.columns == ["sep=x", "campus_id", ROW]


def test_separator_is_sniffed_outside_quotes(tmp_path: Path) -> None:
    # Counted over the first lines, the quoted commas of line 2 would outnumber the semicolons.
    path = write_text(tmp_path / "r.csv", 'respondent_id;partner_type\n"R1";"a, b, c, d"\n')
    assert read_table(path, Format.CSV).frame.rows() == [("R1", "a, b, c, d", 2)]
