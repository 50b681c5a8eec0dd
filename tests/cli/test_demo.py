"""``effipia demo`` runs the whole chain as a user runs it, from an empty folder."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import polars as pl

STATISTICS_CONTRACT = ["statistic", "item", "answer", "group", "campus", "estimate", "n", "ci_low", "ci_high", "suppressed"]
TERRITORIES_CONTRACT = [
    "campus_id", "n_schools", "n_departements", "n_academies", "n_regions",
    "hull_area_km2", "max_distance_km", "mean_distance_to_support_km", "n_approximate",
]


def test_demo_builds_everything_on_the_embedded_default(tmp_path: Path):
    run = subprocess.run(
        [sys.executable, "-c", "from effipia.cli import main; main()", "demo"],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
    )
    assert run.returncode == 0, run.stderr
    # The embedded default: an SQLite file in the current folder.
    assert (tmp_path / "effipia.db").stat().st_size > 0
    out = tmp_path / "effipia-demo"
    statistics = pl.read_csv(out / "statistics.csv", infer_schema=False)
    assert statistics.columns[: len(STATISTICS_CONTRACT)] == STATISTICS_CONTRACT
    assert pl.read_parquet(out / "statistics.parquet").height == statistics.height
    territories = pl.read_csv(out / "territoires" / "territories.csv")
    assert territories.columns[: len(TERRITORIES_CONTRACT)] == TERRITORIES_CONTRACT
    assert territories.height == 32
    assert list((out / "cartes").glob("*.html")), "interactive map missing"
    # What the user is told, in French: the campaign, the headline figures, where files are.
    assert "Campagne « synthetique » : 32 campus" in run.stdout
    assert "Dynamique du partenariat" in run.stdout
    # Campuses are named by their anonymous publication letters; the report (section 6.3,
    # Illustration 7) names ZA, U, N, J and A as highest and W, Z, H as lowest, unordered.
    profiles = re.search(r"Campus aux profils les plus élevés : (.+) ; les plus faibles : (.+)", run.stdout)
    assert profiles
    # each named « lettre (identifiant) », so that a figure can be traced to its rows
    high = dict(re.findall(r"(\w+) \((CMQ\d+)\)", profiles.group(1)))
    low = dict(re.findall(r"(\w+) \((CMQ\d+)\)", profiles.group(2)))
    assert set(high) == {"ZA", "U", "N", "J", "A"} and set(low) == {"W", "Z", "H"}
    assert (high["ZA"], high["U"], low["W"]) == ("CMQ11", "CMQ16", "CMQ09")  # data/synth/campuses.csv
    # Published collaboration split: 70 % « essentiellement de la collaboration » (report, section 6.3).
    collaboration = re.search(r"essentiellement de la collaboration (\d+)\u202f%", run.stdout)
    assert collaboration and abs(int(collaboration.group(1)) - 70) <= 1
    assert str(out.resolve()) in run.stdout
    # Running it again on the same store changes nothing and still succeeds.
    again = subprocess.run(
        [sys.executable, "-c", "from effipia.cli import main; main()", "demo"],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
    )
    assert again.returncode == 0, again.stderr
