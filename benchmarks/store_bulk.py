"""Bulk write/read of the store: 200 000 partners and 200 000 responses (SQLite by default).

Usage: python benchmarks/store_bulk.py [URL] [N]  → prints one JSON object of timings (seconds).
The response frame has the codebook's ~120 item columns filled at random (seed 7) with
about a third of the cells empty, as routing leaves them.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time

import numpy as np
import polars as pl

from effipia.store import Store


def main() -> None:
    url = sys.argv[1] if len(sys.argv) > 1 else f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 200_000
    rng = np.random.default_rng(7)
    store = Store(url)
    campuses = pl.DataFrame({"campus_id": [f"C{i:02d}" for i in range(32)], "name": [f"Campus {i}" for i in range(32)]})
    store.write_campuses(campuses)
    ids = [f"P{i:07d}" for i in range(n)]
    campus = [f"C{i % 32:02d}" for i in range(n)]
    partners = pl.DataFrame(
        {
            "partner_id": ids,
            "campus_id": campus,
            "name": [f"Partenaire {i}" for i in range(n)],
            "category": rng.choice(["entreprise", "lycee", "of_cfa", "superieur", "autre"], n),
            "consortium": rng.integers(0, 2, n),
        }
    )
    names = [f"lead_{k}" for k in range(1, 11)] + [f"mgmt_{k}" for k in range(1, 9)] + [f"dyn_{k}" for k in range(1, 7)]
    names += [f"real_known_{k}" for k in range(1, 20)] + [f"real_pia_{k}" for k in range(1, 20)] + [f"rel_{k}" for k in range(1, 17)]
    names += [f"res_level_{k}" for k in range(1, 7)] + [f"res_use_{k}" for k in range(1, 4)]
    items = {}
    for name in names:
        values = rng.integers(1, 5, n)
        items[name] = pl.Series(name, values).set(pl.Series(rng.random(n) < 0.33), None)
    responses = pl.DataFrame(
        {"respondent_id": ids, "campus_id": campus, "category": partners["category"], **items,
         "expectations": rng.choice(["exp_partenariats exp_valoriser_voie_pro", None], n)}
    )
    timings: dict[str, float | int | str] = {"url": url.split("@")[-1], "rows": n, "items": len(items) + 1}
    t = time.perf_counter()
    store.write_partners("bench", partners)
    timings["write_partners"] = round(time.perf_counter() - t, 2)
    t = time.perf_counter()
    store.write_responses("bench", responses)
    timings["write_responses"] = round(time.perf_counter() - t, 2)
    t = time.perf_counter()
    back = store.responses("bench")
    timings["read_responses"] = round(time.perf_counter() - t, 2)
    t = time.perf_counter()
    stats = store.write_responses("bench", responses)
    timings["rewrite_responses_unchanged"] = round(time.perf_counter() - t, 2)
    assert stats.unchanged == n and back.height == n
    print(json.dumps(timings))


if __name__ == "__main__":
    main()
