"""Reference data: the shipped lycées, boundaries, codes and INSEE counts."""

from __future__ import annotations

import polars as pl
import pytest
from shapely.geometry import Point

from effipia.registry.identifiers import is_valid_uai
from effipia import reference


def test_lycees_are_the_3607_of_the_ministry_file_with_their_academie():
    lycees = reference.lycees()
    assert lycees.height == 3607  # shared/data/README.md: 3 607 rows
    assert lycees["uai"].n_unique() == 3607
    assert lycees["academie_code"].null_count() == 0
    assert lycees["region_code"].null_count() == 0
    # 0010032E: LYCEE POLYVALENT XAVIER BICHAT, NANTUA (Ain) → académie de Lyon (10), région 84
    row = lycees.filter(pl.col("uai") == "0010032E").row(0, named=True)
    assert (row["commune"], row["departement"], row["academie_code"], row["academie"], row["region_code"]) == (
        "NANTUA", "01", "10", "Lyon", "84",
    )


def test_check_letter_rule_holds_for_every_shipped_lycee():
    bad = [uai for uai in reference.lycees()["uai"] if not is_valid_uai(uai)]
    assert bad == []


@pytest.mark.parametrize(
    ("insee", "departement"),
    [("35238", "35"), ("2A004", "2A"), ("2B033", "2B"), ("97105", "971"), ("97611", "976"), ("0123", None), (None, None)],
)
def test_departement_of_commune(insee, departement):
    assert reference.departement_of_commune(insee) == departement


@pytest.mark.parametrize(("code", "key"), [("001", "01"), ("02A", "2A"), ("971", "971"), ("35", "35"), ("5", "05")])
def test_departement_key(code, key):
    assert reference.departement_key(code) == key


def test_boundaries_are_in_lambert93_and_complete():
    deps = reference.boundaries("departements")
    assert deps.crs.to_epsg() == 2154
    assert len(deps) == 96  # metropolitan départements of the IGN simplified file
    assert deps["academie_code"].isna().sum() == 0
    assert len(reference.boundaries("regions")) == 18
    assert len(reference.boundaries("academies")) == 30
    # académie outlines = départements dissolved: 25 metropolitan académies (2020 map, Normandie merged)
    assert len(reference.academie_outlines()) == 25


def test_departement_centroid_lies_inside_its_departement():
    deps = reference.boundaries("departements").set_index("code")
    centroids = reference.departement_centroids()
    for code in ("35", "2A", "75", "13"):
        x, y = centroids.filter(pl.col("departement") == code).select("x_l93", "y_l93").row(0)
        assert deps.loc[code, "geometry"].contains(Point(x, y))
    # every département with a lycée has a centroid, overseas included (from the region outline)
    missing = set(reference.lycees()["departement"]) - set(centroids["departement"])
    assert missing == set()


def test_rennes_centroid_is_near_the_middle_of_ille_et_vilaine():
    # Ille-et-Vilaine spans roughly x 300–410 km, y 6 740–6 850 km in Lambert-93 (IGN);
    # its centroid is within that box, a few km from Rennes (x≈352 km, y≈6 789 km).
    x, y = reference.departement_centroids().filter(pl.col("departement") == "35").select("x_l93", "y_l93").row(0)
    assert 330_000 < x < 380_000 and 6_770_000 < y < 6_820_000


def test_company_counts_read_mic_as_tpe():
    counts = reference.company_counts(by="category")
    firms = counts.filter(
        (pl.col("champ") == "secteurs_marchands_non_agricoles_non_financiers") & (pl.col("indicateur") == "nombre_entreprises")
    )
    values = dict(firms.select("category", "value").iter_rows())
    # INSEE, Les entreprises en France 2019, figure 1: 257 GE, 5 722 ETI, 147 767 PME, 3 701 363 MIC
    assert values == {"GE": 257, "ETI": 5722, "PME": 147767, "TPE": 3701363, "Ensemble": 3855109}


def test_nomenclatures_are_exposed():
    assert reference.naf_sections().height == 21  # NAF rév. 2: sections A–U
    assert reference.naf_divisions().height == 88
    assert set(reference.size_classes()["taille_lbb"]) == {"TPE", "PME", "ETI", "GE"}


def test_user_file_replaces_the_shipped_lycees(tmp_path, monkeypatch):
    shipped = reference.reference_path(reference.LYCEES_FILE)
    lines = shipped.read_text(encoding="utf-8").splitlines()
    (tmp_path / reference.LYCEES_FILE).write_text("\n".join(lines[:3]) + "\n", encoding="utf-8")
    monkeypatch.setenv("EFFIPIA_REFERENCE", str(tmp_path))
    assert reference.reference_path(reference.LYCEES_FILE) == tmp_path / reference.LYCEES_FILE
    assert reference.lycees().height == 2
    monkeypatch.delenv("EFFIPIA_REFERENCE")
    assert reference.lycees().height == 3607
    assert shipped.exists()


def test_newer_ministry_file_is_taken_under_its_own_name(tmp_path, monkeypatch):
    # the ministry publishes fr-en-ips_lycees_<year>.csv each year: the user drops it as is;
    # with the shipped name also present, the latest year (2022-2023) wins
    lines = reference.reference_path(reference.LYCEES_FILE).read_text(encoding="utf-8").splitlines()
    (tmp_path / "fr-en-ips_lycees_2022-2023.csv").write_text("\n".join(lines[:4]) + "\n", encoding="utf-8")
    (tmp_path / reference.LYCEES_FILE).write_text("\n".join(lines[:3]) + "\n", encoding="utf-8")
    monkeypatch.setenv("EFFIPIA_REFERENCE", str(tmp_path))
    assert reference.lycees_path() == tmp_path / "fr-en-ips_lycees_2022-2023.csv"
    assert reference.lycees().height == 3
    (tmp_path / "fr-en-ips_lycees_2022-2023.csv").unlink()
    assert reference.lycees().height == 2  # the shipped name in the folder
