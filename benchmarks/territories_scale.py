"""Territories at national scale: every lycée of France spread over N campuses (default 100).

Usage: python benchmarks/territories_scale.py [N] [OUT]  → prints one JSON object of timings
(seconds) and sizes. Each campus takes 36 real lycées of the shipped list drawn around one
académie (seed 11) and 12 companies; the annuaire is not used (département centroids).
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

from effipia.schema import CAMPUS_COLUMNS, PARTNER_COLUMNS, conform
from effipia.territories import build_territories, save_territories
from effipia.territories.interactive import interactive_map
from effipia.territories.maps import national_map
from effipia.reference import lycees


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    out = Path(sys.argv[2]) if len(sys.argv) > 2 else Path(tempfile.mkdtemp())
    rng = np.random.default_rng(11)
    table = lycees()
    academies = table["academie_code"].unique().sort().to_list()
    rows = []
    for c in range(n):
        home = academies[c % len(academies)]
        pool = table.filter(pl.col("academie_code") == home)["uai"].to_list()
        others = table["uai"].to_list()
        picks = list(rng.choice(pool, size=min(30, len(pool)), replace=False)) + list(rng.choice(others, size=6, replace=False))
        rows += [
            {"partner_id": f"P{c:03d}L{i:02d}", "campus_id": f"C{c:03d}", "category": "lycee", "partner_type": "lycee",
             "consortium": int(i == 0), "uai": uai}
            for i, uai in enumerate(picks)
        ]
        rows += [
            {"partner_id": f"P{c:03d}E{i:02d}", "campus_id": f"C{c:03d}", "category": "entreprise",
             "naf": "25.62B", "size_class": "21", "siret": "44306184100047"}
            for i in range(12)
        ]
    partners = conform(pl.DataFrame(rows), PARTNER_COLUMNS)
    campuses = conform(
        pl.DataFrame({"campus_id": [f"C{c:03d}" for c in range(n)], "name": [f"Campus {c}" for c in range(n)],
                      "support_type": ["lycee"] * n}),
        CAMPUS_COLUMNS,
    )
    timings: dict[str, float | int] = {"campuses": n, "partners": partners.height}
    start = time.perf_counter()
    result = build_territories(campuses, partners)
    timings["build_s"] = round(time.perf_counter() - start, 3)
    start = time.perf_counter()
    save_territories(result, out)
    timings["csv_s"] = round(time.perf_counter() - start, 3)
    start = time.perf_counter()
    national_map(result.campuses, result.schools, result.supports, out / "carte_nationale")
    timings["national_map_s"] = round(time.perf_counter() - start, 3)
    start = time.perf_counter()
    html = interactive_map(result.campuses, result.schools, result.supports, out / "carte_interactive.html")
    timings["interactive_map_s"] = round(time.perf_counter() - start, 3)
    timings["interactive_map_bytes"] = html.stat().st_size
    timings["schools"] = result.schools.height
    print(json.dumps(timings))


if __name__ == "__main__":
    main()
