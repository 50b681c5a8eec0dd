"""Structure of partnerships and campuses, NAF reweighting, reference loader."""

from __future__ import annotations

import polars as pl
import pytest
from statistics_rows import value as _value

from effipia.analysis import structure
from effipia.errors import EffipiaError
from effipia.schema import CAMPUS_COLUMNS, PARTNER_COLUMNS, conform


def _partners() -> pl.DataFrame:
    rows = [
        # id, campus, group, type, consortium, naf, size class
        ("p1", "C1", "lycee", "lycee", 1, None, None),
        ("p2", "C1", "lycee", None, 0, None, None),  # no type: survey group lycée -> secondaire
        ("p3", "C1", "entreprise", "entreprise", 1, "28.11Z", "32"),
        ("p4", "C1", "superieur", "universite", 1, None, None),
        ("p5", "C2", "entreprise", "entreprise", 0, "6201Z", "11"),
        ("p6", "C2", "entreprise", "entreprise", 1, "25.99B", "53"),
        ("p7", "C2", "autre", "region", 0, None, None),
        ("p8", "C2", "autre", None, 0, None, None),  # « autre » without type: category unknown
        ("p9", "C2", "entreprise", "entreprise", 0, "47.11F", "01"),
        ("p10", "C2", "entreprise", "entreprise", 0, None, "21"),
    ]
    df = pl.DataFrame(rows, schema=["partner_id", "campus_id", "category", "partner_type", "consortium", "naf",
                                    "size_class"], orient="row")
    return conform(df, PARTNER_COLUMNS)


def _reference(tmp_path) -> pl.DataFrame:
    path = tmp_path / "ref.csv"
    path.write_text(
        "sector,label,naf_divisions,size_band,count\n"
        "ind,Industrie,10-33,0-9,60\nind,Industrie,10-33,10-249,30\nind,Industrie,10-33,250+,10\n"
        "svc,Services,45-47;58-63,0-9,280\nsvc,Services,45-47;58-63,10-249,15\nsvc,Services,45-47;58-63,250+,5\n",
        encoding="utf-8",
    )
    return structure.load_reference(path)


def test_partner_categories():
    cats = structure.partner_categories(_partners()).to_list()
    assert cats == ["secondaire", "secondaire", "entreprises", "superieur_recherche", "entreprises",
                    "entreprises", "acteurs_publics", None, "entreprises", "entreprises"]


def test_partnership_and_consortium_structure_by_hand():
    out = structure.partnership_rows(_partners(), min_n=1)
    ens = dict(domain="ensemble")
    # 9 partners of known category (p8 unknown): secondaire 2, entreprises 5, supérieur 1, publics 1
    assert _value(out, answer="secondaire", **ens) == pytest.approx(200 / 9)
    assert _value(out, answer="entreprises", **ens) == pytest.approx(500 / 9)
    assert _value(out, answer="acteurs_publics", **ens) == pytest.approx(100 / 9)
    # campus C1: p1, p2 secondaire, p3 entreprise, p4 supérieur -> 2 / 4
    assert _value(out, answer="secondaire", domain="campus", campus="C1") == pytest.approx(50.0)
    assert out["ci_low"].null_count() == out.height  # a directory is a census: no sampling interval
    cons = structure.consortium_rows(_partners(), min_n=1)
    # consortium members p1, p3, p4, p6: secondaire 1, entreprises 2, supérieur 1
    assert _value(cons, answer="entreprises", **ens) == pytest.approx(50.0)
    assert _value(cons, answer="superieur_recherche", **ens) == pytest.approx(25.0)


def test_naf_sections_and_size_categories_by_hand():
    assert structure.naf_section(pl.Series(["28.11Z", "6201Z", "47", "M", "xx", None])).to_list() == [
        "C", "J", "G", "M", None, None]
    naf = structure.naf_rows(_partners(), min_n=1)
    # companies with a NAF: p3 (C), p5 (J), p6 (C), p9 (G) -> C 50 %, J 25 %, G 25 %
    assert _value(naf, answer="C", domain="ensemble") == pytest.approx(50.0)
    assert _value(naf, answer="J", domain="ensemble") == pytest.approx(25.0)
    size = structure.size_rows(_partners(), min_n=1)
    # size classes 32 ETI, 11 PME, 53 GE, 01 TPE, 21 PME -> PME 2 / 5
    assert _value(size, answer="PME", domain="ensemble") == pytest.approx(40.0)
    assert _value(size, answer="GE", domain="ensemble") == pytest.approx(20.0)


def test_naf_reweighting_by_hand(tmp_path):
    ref = _reference(tmp_path)
    companies = _partners().filter(pl.col("category") == "entreprise")
    w, sectors = structure.naf_weights(companies, ref)
    # national sector mix: ind 100 / 400 = 0.25, svc 300 / 400 = 0.75 ; partners with sector and
    # band known: p3, p6 (ind), p5, p9 (svc) -> 0.5 each ; weights 0.25/0.5 = 0.5, 0.75/0.5 = 1.5
    assert sectors == ["ind", "svc", "ind", "svc", None]
    assert w.tolist() == pytest.approx([0.5, 1.5, 0.5, 1.5, 0.0])
    out = structure.size_reweighted_rows(_partners(), reference=ref, min_n=1)
    # raw: 250+ = p3 (250-499), p6 (10000+) -> 2 / 4 ; 10-249 = p5 ; 0-9 = p9
    assert _value(out, item="size_band_partners", answer="250+") == pytest.approx(50.0)
    # reweighted: 250+ = (0.5 + 0.5) / 4 = 25 % ; 10-249 = 1.5 / 4 = 37.5 % ; 0-9 = 37.5 %
    assert _value(out, item="size_band_reweighted", answer="250+") == pytest.approx(25.0)
    assert _value(out, item="size_band_reweighted", answer="10-249") == pytest.approx(37.5)
    # France: 0-9 = (60 + 280) / 400 = 85 %, 250+ = 15 / 400 = 3.75 %
    assert _value(out, item="size_band_france", answer="0-9") == pytest.approx(85.0)
    assert _value(out, item="size_band_france", answer="250+") == pytest.approx(3.75)


def test_shipped_reference_is_the_published_table():
    ref = structure.load_reference()
    # Repères statistiques (CES, 2008), enterprises at 1 January 2007: 2 925 124 in all,
    # 64 336 in IAA, 1 745 754 without employees, 453 with 2 000 employees or more.
    assert ref["count"].sum() == 2925124
    assert ref.filter(pl.col("sector") == "iaa")["count"].sum() == 64336
    assert ref.filter(pl.col("size_band") == "0")["count"].sum() == 1745754
    assert ref.filter(pl.col("size_band") == "2000+")["count"].sum() == 453
    # each NAF division belongs to one sector at most
    divisions = ref.unique("sector").explode("divisions")["divisions"].to_list()
    assert len(divisions) == len(set(divisions))


def test_reference_user_file_and_errors(tmp_path, monkeypatch):
    monkeypatch.setenv("EFFIPIA_INSEE_REFERENCE", str(tmp_path / "ref.csv"))
    _reference(tmp_path)
    assert set(structure.load_reference()["sector"]) == {"ind", "svc"}
    bad = tmp_path / "bad.csv"
    bad.write_text("sector,naf_divisions,size_band\nx,10,0-9\n", encoding="utf-8")
    with pytest.raises(EffipiaError, match="colonnes obligatoires absentes \\(count\\)"):
        structure.load_reference(bad)
    bad.write_text("sector,naf_divisions,size_band,count\nx,10,0-9,beaucoup\n", encoding="utf-8")
    with pytest.raises(EffipiaError, match="ligne 2 : effectif non numérique"):
        structure.load_reference(bad)
    bad.write_text("sector,naf_divisions,size_band,count\nx,dix,0-9,3\n", encoding="utf-8")
    with pytest.raises(EffipiaError, match="divisions NAF illisibles"):
        structure.load_reference(bad)
    with pytest.raises(EffipiaError, match="introuvable"):
        structure.load_reference(tmp_path / "absent.csv")


def test_campuses_structure_by_hand():
    campuses = conform(
        pl.DataFrame(
            dict(campus_id=["A", "B", "C", "D"], name=["a", "b", "c", "d"], filiere=["F01", "F01", "F03", None],
                 region=["Occitanie", "Occitanie", "Bretagne", "Île-de-France"], duration_years=[10, 10, 5, 8],
                 pia_amount_eur=[2013431, 12812749, 5000000, 3000000])
        ),
        CAMPUS_COLUMNS,
    )
    out = structure.campuses_rows(campuses, min_n=1)
    # filière known for 3 campuses: F01 2 / 3 ; duration 10 years: 2 / 4
    assert _value(out, item="filiere", answer="F01") == pytest.approx(200 / 3)
    assert _value(out, item="duration_years", answer="10") == pytest.approx(50.0)
    assert _value(out, item="region", answer="Occitanie") == pytest.approx(50.0)
    # amounts: min and max as in the report (section 1.5), total 22 826 180, median (3 + 5) / 2 M
    assert _value(out, item="pia_amount_eur_min") == 2013431
    assert _value(out, item="pia_amount_eur_total") == 22826180
    assert _value(out, item="pia_amount_eur_median") == 4000000


def test_rows_without_inputs():
    assert structure.rows(None).height == 0
    out = structure.rows(None, partners=_partners(), min_n=1)
    assert {"structure_partnership", "structure_consortium", "structure_naf", "structure_size",
            "structure_size_reweighted"} <= set(out["statistic"])


# --- golden: the synthetic campaign against the published report --------------------------
@pytest.fixture(scope="module")
def golden():
    import tomllib
    from importlib.resources import files

    from effipia.synth import generate

    published = tomllib.loads((files("effipia") / "data" / "reference" / "published_cereq_2024.toml").read_text("utf-8"))
    return generate(seed=1), published


def test_golden_partnership_and_consortium(golden):
    campaign, published = golden
    part = structure.partnership_rows(campaign.partners)
    cons = structure.consortium_rows(campaign.partners)
    for code, value in published["structure"]["partnership_percent"].items():  # section 1.4: 23 %, 18 %
        if code != "source":
            assert abs(_value(part, domain="ensemble", answer=code) - value) <= 2.0, code
    for code, value in published["structure"]["consortium_percent"].items():  # 22 %, 21 %, 19 %
        if code != "source":
            assert abs(_value(cons, domain="ensemble", answer=code) - value) <= 2.0, code


def test_golden_companies(golden):
    campaign, published = golden
    pub = published["companies"]
    naf = structure.naf_rows(campaign.partners).filter(pl.col("domain") == "ensemble")
    share = dict(zip(naf["answer"], naf["estimate"], strict=True))
    # section 6.1: « près d'un tiers » B–E, « près d'une sur cinq » M, « près de 10 % » J
    assert abs(sum(share[s] for s in pub["naf_industry_sections"]) - pub["naf_industry_BE"]) <= 3
    assert abs(share["M"] - pub["naf_M"]) <= 3 and abs(share["J"] - pub["naf_J"]) <= 3
    size = structure.size_rows(campaign.partners)
    assert abs(_value(size, domain="ensemble", answer="PME") - pub["size_pme"]) <= 3
    assert _value(size, domain="ensemble", answer="GE") > pub["size_ge_min"]
    # Figure 2: after NAF reweighting, large companies stay far above their national share
    fig2 = structure.size_reweighted_rows(campaign.partners)
    big = _value(fig2, item="size_band_reweighted", answer="2000+")
    assert big > 10 * _value(fig2, item="size_band_france", answer="2000+")


def test_golden_campuses(golden):
    campaign, published = golden
    out = structure.campuses_rows(campaign.campuses)
    pub = published["structure"]
    for years, count in pub["durations"].items():  # section 1.5: 16 on ten years, 11 on five…
        assert _value(out, item="duration_years", answer=str(years)) == pytest.approx(100 * count / pub["campuses"])
    assert _value(out, item="pia_amount_eur_min") == pub["amount_min_eur"]
    assert _value(out, item="pia_amount_eur_max") == pub["amount_max_eur"]


def test_companies_per_campus_by_hand():
    out = structure.companies_per_campus_rows(_partners())
    # C1: p3 -> 1 company ; C2: p5, p6, p9, p10 -> 4 ; mean 2.5, sd (n - 1) = sqrt(4.5)
    assert _value(out, item="companies_per_campus_mean") == pytest.approx(2.5)
    assert _value(out, item="companies_per_campus_sd") == pytest.approx(4.5 ** 0.5)
    # a registry campus without company counts as 0: (1 + 4 + 0) / 3
    campuses = conform(pl.DataFrame(dict(campus_id=["C1", "C2", "C3"], name=["a", "b", "c"])), CAMPUS_COLUMNS)
    assert _value(structure.companies_per_campus_rows(_partners(), campuses), item="companies_per_campus_mean") == pytest.approx(5 / 3)


def test_golden_companies_per_campus(golden):
    campaign, published = golden
    out = structure.companies_per_campus_rows(campaign.partners, campaign.campuses)
    pub = published["companies"]  # section 6.1: mean 13, standard deviation 8
    assert abs(_value(out, item="companies_per_campus_mean") - pub["per_campus_mean"]) <= 1.5
    assert abs(_value(out, item="companies_per_campus_sd") - pub["per_campus_sd"]) <= 2.0
