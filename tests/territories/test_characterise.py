"""Territorial characterisation of campuses: régions (against a national list), académies, years."""

from __future__ import annotations

import polars as pl
import pytest

from effipia.errors import EffipiaError, message
from effipia.territories.characterise import (
    characterise_campuses,
    normalise_academie,
    normalise_region,
    read_national_list,
)


def test_names_from_codes_and_spellings():
    # département → académie → région table: 53 Bretagne, 76 Occitanie; académie 14 Rennes
    assert normalise_region(pl.Series(["53", "bretagne", "OCCITANIE", "Auvergne-Rhône-Alpes", None])).to_list() == [
        "Bretagne", "Bretagne", "Occitanie", "Auvergne-Rhône-Alpes", None,
    ]
    assert normalise_academie(pl.Series(["14", "RENNES", "orleans tours"])).to_list() == ["Rennes", "Rennes", "Orléans-Tours"]


def test_tables_with_a_national_list(make_campuses):
    campuses = make_campuses(
        campus_id=list("abcd"), region=["Bretagne", "53", "Occitanie", "Île-de-France"],
        academie=["Rennes", "14", "Toulouse", "Paris"], year_created=[2014, 2019, 2019, None],
    )
    # 10 campuses nationally: 2 in Bretagne, 4 in Occitanie, 4 in Normandie
    national = pl.DataFrame({"region": ["Bretagne"] * 2 + ["Occitanie"] * 4 + ["28"] * 4})
    tables = characterise_campuses(campuses, national)
    region = {r["region"]: r for r in tables["region"].iter_rows(named=True)}
    # by hand: Bretagne 2/4 = 0.5 here, 2/10 = 0.2 nationally → ratio 2.5 (over-represented)
    assert (region["Bretagne"]["n"], region["Bretagne"]["share"], region["Bretagne"]["share_national"]) == (2, 0.5, 0.2)
    assert region["Bretagne"]["ratio"] == pytest.approx(2.5)
    assert region["Occitanie"]["ratio"] == pytest.approx(0.25 / 0.4)
    assert (region["Normandie"]["n"], region["Normandie"]["ratio"]) == (0, 0.0)  # absent among these campuses
    assert region["Île-de-France"]["n_national"] is None  # not in the national list
    assert tables["academie"].select("academie", "n").rows() == [("Paris", 1), ("Rennes", 2), ("Toulouse", 1)]
    assert tables["year_created"].select("year_created", "n", "share").rows() == [(2014, 1, 1 / 3), (2019, 2, 2 / 3)]


def test_without_national_list(make_campuses):
    tables = characterise_campuses(make_campuses(campus_id=["a"], region=["Corse"], academie=["27"]))
    assert tables["region"].columns == ["region", "n", "share"]
    assert tables["academie"].rows() == [("Corse", 1, 1.0)]
    assert tables["year_created"].height == 0


def test_national_list_as_sent_csv_with_french_headers(tmp_path):
    # Excel's « sep=; » line, Windows-1252, the registry's French headers (« Région académique »)
    path = tmp_path / "campus_nationaux.csv"
    lines = ["sep=;", "Intitulé du campus;Région académique", "Campus A;Bretagne", "Campus B;OCCITANIE", ";", "Campus C;Île-de-France"]
    path.write_bytes("\n".join(lines).encode("cp1252"))
    national = read_national_list(path)
    assert national.columns == ["name", "region"]
    assert national["region"].to_list() == ["Bretagne", "OCCITANIE", "Île-de-France"]  # the empty row is skipped


def test_national_list_xlsx_with_region_codes(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for row in (["Campus", "Région"], ["Campus A", 53], ["Campus B", "76"]):
        sheet.append(row)
    path = tmp_path / "campus.xlsx"
    book.save(path)
    national = read_national_list(path)
    assert national["region"].to_list() == ["53", "76"]  # 53 read as a number, not « 53.0 »
    assert normalise_region(national["region"]).to_list() == ["Bretagne", "Occitanie"]


def test_national_list_without_region_column(tmp_path):
    path = tmp_path / "liste.csv"
    path.write_text("Nom;Ville\nCampus A;Rennes\n", encoding="utf-8")
    with pytest.raises(EffipiaError) as caught:
        read_national_list(path)
    assert str(caught.value) == message("generic.missing_column", column="region")
