"""Companies: SIRET check, NAF roll-up to sections, Sirene size groups."""

from __future__ import annotations

import polars as pl
import pytest

from effipia.territories.companies import (
    describe_companies,
    naf_section,
    normalize_naf,
    size_distribution,
    size_group,
)

# Google France SARL, SIRET 443 061 841 00047 (public Sirene record). Luhn by hand, from the
# right, every second digit doubled (minus 9 above 9): 7+8+0+0+0+2+4+7+1+3+0+6+4+8 = 50 → valid.
GOOGLE_FRANCE = "44306184100047"
WRONG_KEY = "44306184100048"  # last digit changed: sum 51 → invalid


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [("2562B", "25.62B"), ("25.62b", "25.62B"), ("25.62 B", "25.62B"), ("2562", "25.62"), ("25.6", "25.6"), ("25", "25"), ("c", "C"), ("", None), (None, None)],
)
def test_normalize_naf(typed, canonical):
    assert normalize_naf(typed) == canonical


@pytest.mark.parametrize(
    ("naf", "section"),
    # INSEE NAF rév. 2: 25.62B Mécanique industrielle ∈ C; 62.01Z Programmation informatique ∈ J;
    # 71.12B Ingénierie, études techniques ∈ M; 01 ∈ A; 99.99Z does not exist
    [("25.62B", "C"), ("6201Z", "J"), ("71.12B", "M"), ("01", "A"), ("99.99Z", None)],
)
def test_naf_section(naf, section):
    assert naf_section(naf) == section


@pytest.mark.parametrize(("size", "group"), [("00", "TPE"), ("3", "TPE"), ("21", "PME"), ("31", "PME"), ("32", "ETI"), ("51", "ETI"), ("52", "GE"), ("NN", "TPE"), ("99", None)])
def test_size_group(size, group):
    # labonneboite grouping (shared/data/ref/tranches_effectif_sirene.csv): 00–03 TPE, 11–31 PME, 32–51 ETI, 52–53 GE
    assert size_group(size) == group


def test_describe_companies_reports_each_bad_value(make_partners):
    partners = make_partners(
        partner_id=["ok", "badkey", "badnaf", "lycee"],
        campus_id=["c1"] * 4,
        category=["entreprise", "entreprise", "entreprise", "lycee"],
        siret=[GOOGLE_FRANCE, WRONG_KEY, None, None],
        naf=["7311Z", "25.62B", "99.99Z", None],
        size_class=["41", "12", "77", None],
    )
    companies, problems = describe_companies(partners)
    assert companies["partner_id"].to_list() == ["ok", "badkey", "badnaf"]  # the lycée has none of these
    assert companies["siret_valid"].to_list() == [True, False, None]
    assert companies["naf"].to_list() == ["73.11Z", "25.62B", "99.99Z"]
    assert companies["naf_section"].to_list() == ["M", "C", None]  # 73.11Z Activités des agences de publicité ∈ M
    assert companies["size_group"].to_list() == ["ETI", "PME", None]
    assert sorted((p.code, dict(p.params)["partner"], p.column) for p in problems) == [
        ("territories.naf_unknown", "badnaf", "naf"),
        ("territories.siret_invalid", "badkey", "siret"),
        ("territories.size_unknown", "badnaf", "size_class"),
    ]


def test_size_distribution_shares(make_partners):
    partners = make_partners(
        partner_id=list("abcde"), campus_id=["c1", "c1", "c1", "c2", "c2"], category=["entreprise"] * 5,
        size_class=["00", "21", "52", "53", None],
    )
    companies, _ = describe_companies(partners)
    overall = size_distribution(companies)
    # by hand: 4 known sizes → TPE 1, PME 1, GE 2
    assert overall.select("size_group", "n", "share").rows() == [("TPE", 1, 0.25), ("PME", 1, 0.25), ("GE", 2, 0.5)]
    per_campus = size_distribution(companies, by="campus_id")
    assert per_campus.filter(pl.col("campus_id") == "c2").select("size_group", "share").rows() == [("GE", 1.0)]
