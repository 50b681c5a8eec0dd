"""The Annuaire de l'éducation, read in its official layout (real Ille-et-Vilaine extract)."""

from __future__ import annotations

import polars as pl
import pytest

from effipia.errors import EffipiaError, message
from effipia.territories.annuaire import read_annuaire


def test_extract_gives_lambert93_coordinates(annuaire_path):
    annuaire = read_annuaire(annuaire_path)
    # 86 rows; two UAI are listed twice (0352072M and 0350778F: a lycée and its professional
    # section share the UAI) and are kept once
    assert annuaire.height == 84
    row = annuaire.filter(pl.col("uai") == "0351907H").row(0, named=True)
    assert (row["name"], row["commune"], row["commune_insee"], row["departement"]) == (
        "Lycée René Descartes", "Rennes", "35238", "35",
    )
    # file: latitude 48.08839581314323, longitude -1.642879342483228 (WGS 84). Lambert-93 of
    # Rennes is about x 351 km, y 6 789 km (IGN); the exact point is checked against the
    # spherical approximation in test_indicators (distances) — here a 2 km box.
    assert 349_000 < row["x_l93"] < 356_000
    assert 6_785_000 < row["y_l93"] < 6_792_000


def test_semicolon_export_and_windows_1252(tmp_path, annuaire_path):
    text = annuaire_path.read_text(encoding="utf-8")
    lines = [line.replace(",", ";") for line in text.splitlines()[:1]] + [
        # two rows re-typed with ';' (no field of these rows contains a comma)
        line.replace(",", ";") for line in text.splitlines()[1:3]
    ]
    path = tmp_path / "annuaire.csv"
    path.write_bytes("\n".join(lines).encode("cp1252"))
    annuaire = read_annuaire(path)
    assert annuaire["uai"].to_list() == ["0351962T", "0352072M"]
    assert annuaire["commune"].to_list() == ["Tinténiac", "Saint-Malo"]


def test_missing_official_columns_is_a_clear_error(tmp_path):
    path = tmp_path / "autre.csv"
    path.write_text("uai,lat,lon\n0351907H,48.1,-1.6\n", encoding="utf-8")
    with pytest.raises(EffipiaError) as caught:
        read_annuaire(path)
    assert str(caught.value) == message(
        "territories.annuaire_columns", path=str(path), columns="Identifiant_de_l_etablissement, latitude, longitude"
    )


def test_missing_file(tmp_path):
    with pytest.raises(EffipiaError) as caught:
        read_annuaire(tmp_path / "absent.csv")
    assert caught.value.code == "generic.file_not_found"
