"""``effipia territories`` and ``effipia map`` on a small campaign stored in SQLite."""

from __future__ import annotations

import polars as pl
import pytest
from typer.testing import CliRunner

from effipia.cli import app
from effipia.errors import message
from effipia.schema import CAMPUS_COLUMNS, PARTNER_COLUMNS, conform
from effipia.store import Store


@pytest.fixture
def db(sqlite_url):
    store = Store(sqlite_url)
    store.write_campuses(
        conform(
            pl.DataFrame(
                {"campus_id": ["A", "B"], "name": ["Campus A", "Campus B"], "support_type": ["lycee", "universite"],
                 "academie": ["14", "Lyon"], "filiere": ["F06", "F04"], "letter": ["ZA", None]}
            ),
            CAMPUS_COLUMNS,
        )
    )
    partners = pl.DataFrame(
        {
            "partner_id": ["a1", "a2", "a3", "b1", "b2", "b3"],
            "campus_id": ["A", "A", "A", "B", "B", "B"],
            "name": ["Descartes", "La Providence", "Bertrand d'Argentré", "Bichat", "Mal saisi", "Université"],
            "category": ["lycee", "lycee", "lycee", "lycee", "lycee", "superieur"],
            "partner_type": ["lycee", "lycee", "lycee", "lycee", "lycee", "universite"],
            "consortium": [1, 0, 0, 0, 0, 1],
            "pia_concerned": [1, 0, 0, 0, 0, 1],
            "uai": ["0351907H", "0352072M", "0350053T", "0010032E", None, None],
            "commune_insee": [None, None, None, None, None, "69123"],
        }
    )
    store.write_partners("2022", conform(partners, PARTNER_COLUMNS))
    store.close()
    return sqlite_url


def test_territories_writes_the_contract_files(db, tmp_path, annuaire_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["--db", db, "territories", "--out", str(out), "--annuaire", str(annuaire_path)])
    assert result.exit_code == 0, result.output
    territories = pl.read_csv(out / "territories.csv")
    assert territories.columns == [
        "campus_id", "n_schools", "n_departements", "n_academies", "n_regions", "hull_area_km2",
        "max_distance_km", "mean_distance_to_support_km", "n_approximate", "campus_letter", "precision",
    ]
    a = territories.filter(pl.col("campus_id") == "A").row(0, named=True)
    assert (a["campus_letter"], a["precision"]) == ("ZA", "exact")  # the three Rennes lycées are in the annuaire
    b = territories.filter(pl.col("campus_id") == "B").row(0, named=True)
    assert (b["campus_letter"], b["precision"]) == (None, "commune")  # Bichat (Nantua): commune centroid
    # geodesic values of test_indicators: S–V 84.348 km, area 1 049.39 km², support = Descartes (Rennes)
    assert a["n_schools"] == 3 and a["n_approximate"] == 0
    assert a["max_distance_km"] == pytest.approx(84.348, rel=1e-3)
    assert a["mean_distance_to_support_km"] == pytest.approx((68.647 + 32.156) / 3, rel=1e-3)
    schools = pl.read_csv(out / "schools.csv", schema_overrides={"uai": pl.String})
    assert schools.columns == [
        "campus_id", "partner_id", "uai", "name", "commune", "academie", "x_l93", "y_l93", "approximate",
        "campus_letter", "precision", "distance_to_support_km",
    ]
    assert schools["partner_id"].to_list() == ["a1", "a2", "a3", "b1"]
    assert schools["campus_letter"].to_list() == ["ZA", "ZA", "ZA", None]
    assert schools["precision"].to_list() == ["exact", "exact", "exact", "commune"]
    # b2, a lycée without UAI, is reported (stderr and problems.csv), never silently dropped
    problems = pl.read_csv(out / "problems.csv")
    assert problems.select("partner_id", "code").rows() == [("b2", "territories.uai_missing")]
    # one warning line per problem, the reason alone (no empty "file:row:" prefix)
    assert "  " + message("territories.uai_missing", partner="b2") in result.output.splitlines()
    assert "schools.csv écrit (4 ligne(s))" in result.output


def test_map_writes_maps(db, tmp_path):
    out = tmp_path / "cartes"
    result = CliRunner().invoke(app, ["--db", db, "map", "--out", str(out), "--campaign", "2022"])
    assert result.exit_code == 0, result.output
    assert (out / "carte_nationale.svg").exists() and (out / "campus" / "B.png").exists()
    assert (out / "carte_interactive.html").stat().st_size > 100_000
    assert message("territories.maps_written", count="9", path=out) in result.output


def test_bad_tiles_and_unknown_campaign_are_french_errors(db, tmp_path):
    runner = CliRunner()
    result = runner.invoke(app, ["--db", db, "map", "--out", str(tmp_path), "--tiles", "ftp://x"])
    assert result.exit_code == 1
    assert message("territories.tiles_url", url="ftp://x") in result.output
    result = runner.invoke(app, ["--db", db, "territories", "--out", str(tmp_path), "--campaign", "1999"])
    assert result.exit_code == 1
    assert "Erreur" in result.output


def test_national_list_option_compares_regions(db, tmp_path):
    # the file as a ministry list comes: French headers (« Campus », « Région »), 4 campuses
    national = tmp_path / "nationale.csv"
    national.write_text("Campus;Région\nX;Bretagne\nY;Bretagne\nZ;Occitanie\nW;Normandie\n", encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["--db", db, "territories", "--out", str(out), "--national", str(national)])
    assert result.exit_code == 0, result.output
    region = pl.read_csv(out / "campus_region.csv")
    assert region.columns == ["region", "n", "share", "n_national", "share_national", "ratio"]
    # the campuses of the base have no region (n = 0 everywhere); national shares by hand: Bretagne 2 of 4
    by_region = {r["region"]: r for r in region.iter_rows(named=True)}
    assert (by_region["Bretagne"]["n_national"], by_region["Bretagne"]["share_national"]) == (2, 0.5)
    assert by_region["Bretagne"]["n"] == 0


@pytest.mark.parametrize("command", ["territories", "map"])
def test_help_names_the_reference_override(command):
    result = CliRunner().invoke(app, [command, "--help"])
    assert "EFFIPIA_REFERENCE" in result.output


@pytest.mark.parametrize("command", ["territories", "map"])
def test_output_folder_that_cannot_be_created_is_a_french_error(db, tmp_path, command):
    blocker = tmp_path / "rapport.txt"
    blocker.write_text("un fichier, pas un dossier", encoding="utf-8")
    out = blocker / "sorties"
    result = CliRunner().invoke(app, ["--db", db, command, "--out", str(out)])
    assert result.exit_code == 1
    assert f"Erreur : {message('territories.out_unwritable', path=str(out))}" in result.output
    assert "Traceback" not in result.output
