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


def _lambert93_ign(lat: float, lon: float) -> tuple[float, float]:
    """Lambert-93 by IGN's own algorithm, independent of PROJ: IGN note NT/G 71 « Projection
    cartographique conique conforme de Lambert », ALG0001 (isometric latitude) and ALG0003
    (projection), with the Lambert-93 constants published by IGN for RGF93 / GRS80:
    n = 0.7256077650532670, C = 11 754 255.426096 m, Xs = 700 000 m, Ys = 12 655 612.049876 m,
    λ0 = 3° E, e = 0.0818191910428158."""
    import math

    n, c, xs, ys, e = 0.7256077650532670, 11754255.426096, 700000.0, 12655612.049876, 0.0818191910428158
    phi, lam = math.radians(lat), math.radians(lon)
    isometric = math.log(math.tan(math.pi / 4 + phi / 2) * ((1 - e * math.sin(phi)) / (1 + e * math.sin(phi))) ** (e / 2))
    radius, gamma = c * math.exp(-n * isometric), n * (lam - math.radians(3))
    return xs + radius * math.sin(gamma), ys - radius * math.cos(gamma)


def test_every_position_matches_ign_lambert93_to_the_centimetre(annuaire_path):
    import csv

    with annuaire_path.open(encoding="utf-8") as handle:
        rows = {r["Identifiant_de_l_etablissement"]: r for r in csv.DictReader(handle)}
    annuaire = read_annuaire(annuaire_path)
    assert annuaire.height == 84
    for uai, x, y in annuaire.select("uai", "x_l93", "y_l93").iter_rows():
        expected = _lambert93_ign(float(rows[uai]["latitude"]), float(rows[uai]["longitude"]))
        assert (x, y) == pytest.approx(expected, abs=0.01), uai
