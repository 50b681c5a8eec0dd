"""Imports of 10^5 and 3 x 10^5 rows (partner directories, responses) against their ceiling.

Usage: python benchmarks/imports.py [--sizes 100000 300000] [--repeats 3]
→ writes benchmarks/results/imports.json and prints the Markdown table of
benchmarks/README.md (section « Imports »).

Each measurement runs in a fresh Python process (so peak memory is its own), on a fresh
SQLite store holding the campus registry, both sides alternating within one run:

- **effipia**: the import operation as ``effipia partners import`` / ``responses import``
  run it (read, every check, one transaction);
- **ceiling**: a bare ``polars.read_csv`` of the same file plus one bulk insert of the same
  rows into the same tables (no validation, no recoding, no merge): what an import without
  checks would cost.

Reported: median seconds of each side, their ratio, and the peak memory the import adds
(``ru_maxrss`` after minus before, MiB) against the file's in-memory frame
(``DataFrame.estimated_size``). Aims (issue 11): ratio ≤ 2, memory < 4 × the frame.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "imports.json"
CATEGORIES = ["Entreprise", "Lycée professionnel", "OPCO", "Université", "Association", "CFA", "Collectivité"]
PATTERNS = [
    ["C01", "entreprise", "", "1", "0", "1", "9", "2"],
    ["C01", "lycee", "lycee", "0", "1", "2", "1", "1"],
    ["C02", "superieur", "universite", "1", "1", "1", "1", "3"],
    ["C02", "autre", "", "", "", "1", "2", "9"],
]
RESPONSE_HEADER = "respondent_id,campus_id,category,partner_type,consortium,pia_concerned,dyn_1,dyn_2,collab"


def make_file(kind: str, rows: int, folder: Path) -> Path:
    """A valid file of ``rows`` rows: a French directory (campus CMQ-BDB) or responses."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(rows)
    if kind == "partners":
        path = folder / f"annuaire_{rows}.csv"
        with path.open("w", encoding="utf-8") as handle:
            handle.write("Raison sociale;Catégorie;Membre du consortium;Courriel\n")
            for i in range(rows):
                handle.write(f"Structure {i} {rng.choice(['Alpha', 'Bêta', 'Gamma'])};{rng.choice(CATEGORIES)};"
                             f"{rng.choice(['x', '', 'oui', 'non'])};contact{i}@example.fr\n")
    else:
        path = folder / f"reponses_{rows}.csv"
        with path.open("w", encoding="utf-8") as handle:
            handle.write(RESPONSE_HEADER + "\n")
            for i in range(rows):
                handle.write(",".join([f"R{i}", *PATTERNS[i % 4]]) + "\n")
    return path


def _store(db: Path):
    import polars as pl

    from effipia.store import Store

    store = Store(f"sqlite:///{db}")
    store.write_campuses(pl.DataFrame({"campus_id": ["CMQ-BDB", "C01", "C02"], "name": ["Bâtiment", "Campus 1", "Campus 2"],
                                       "filiere": ["F04", "F06", "F04"]}))
    return store


def _effipia(kind: str, path: Path, store) -> None:
    if kind == "partners":
        from effipia.operations.registry import import_partners

        import_partners(store, [path], campus="CMQ-BDB", campaign="c1")
    else:
        from effipia.operations.responses import import_responses

        import_responses(store, path, "c1")


def _ceiling(kind: str, path: Path, store) -> None:
    import polars as pl
    import sqlalchemy as sa

    from effipia.store.models import Campaign, Partner, Response

    frame = pl.read_csv(path, separator=";" if kind == "partners" else ",", infer_schema=False)
    with store.engine.begin() as conn:
        campaign = conn.execute(sa.insert(Campaign.__table__).values(name="c1", items=[]).returning(Campaign.__table__.c.id)).scalar_one()
        if kind == "partners":
            rows = [{"campaign_id": campaign, "partner_id": f"P{i}", "campus_id": "CMQ-BDB", "name": name,
                     "category": category, "consortium": None, "email": email}
                    for i, (name, category, _member, email) in enumerate(frame.iter_rows())]
            conn.execute(sa.insert(Partner.__table__), rows)
        else:
            items = frame.columns[6:]
            rows = []
            for values in frame.iter_rows(named=True):
                rows.append({"campaign_id": campaign, "respondent_id": values["respondent_id"], "campus_id": values["campus_id"],
                             "category": values["category"], "partner_type": values["partner_type"],
                             "answers": {c: (int(values[c]) if values[c] else None) for c in items}})
            conn.execute(sa.insert(Response.__table__), rows)


def one(side: str, kind: str, path: Path, db: Path) -> dict[str, float]:
    """One measurement in this process: seconds and the peak memory added (MiB)."""
    import polars as pl

    # A warm-up import of a few rows first (modules, questionnaire, tables loaded): the
    # measurement is then what the rows themselves cost, in time and in memory.
    warm = _store(db.with_name(db.stem + "_warm.db"))
    (_effipia if side == "effipia" else _ceiling)(kind, make_file(kind, 10, db.parent / f"warm_{side}"), warm)
    warm.close()
    store = _store(db)
    frame_mib = pl.read_csv(path, separator=";" if kind == "partners" else ",", infer_schema=False).estimated_size() / 2**20
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    (_effipia if side == "effipia" else _ceiling)(kind, path, store)
    seconds = time.perf_counter() - start
    peak = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    store.close()
    return {"seconds": seconds, "peak_mib": peak, "frame_mib": frame_mib}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 300_000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--one", nargs=4, metavar=("SIDE", "KIND", "FILE", "DB"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        side, kind, file, db = args.one
        print(json.dumps(one(side, kind, Path(file), Path(db))))
        return 0
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for kind in ("partners", "responses"):
            for size in args.sizes:
                path = make_file(kind, size, folder)
                runs: dict[str, list[dict[str, float]]] = {"effipia": [], "ceiling": []}
                for repeat in range(args.repeats):
                    for side in ("effipia", "ceiling"):
                        db = folder / f"{side}_{kind}_{size}_{repeat}.db"
                        done = subprocess.run([sys.executable, __file__, "--one", side, kind, str(path), str(db)],
                                              capture_output=True, text=True, check=True)
                        runs[side].append(json.loads(done.stdout.strip().splitlines()[-1]))
                        for leftover in folder.glob(f"{db.stem}*"):
                            leftover.unlink()
                effipia = statistics.median(r["seconds"] for r in runs["effipia"])
                ceiling = statistics.median(r["seconds"] for r in runs["ceiling"])
                peak = statistics.median(r["peak_mib"] for r in runs["effipia"])
                frame = runs["effipia"][0]["frame_mib"]
                results.append({"importer": kind, "rows": size, "effipia_s": round(effipia, 2), "ceiling_s": round(ceiling, 2),
                                "ratio": round(effipia / ceiling, 2), "effipia_peak_mib": round(peak, 1),
                                "ceiling_peak_mib": round(statistics.median(r["peak_mib"] for r in runs["ceiling"]), 1),
                                "frame_mib": round(frame, 1), "memory_x_frame": round(peak / frame, 1), "repeats": args.repeats})
                print(json.dumps(results[-1]), file=sys.stderr)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"date": time.strftime("%Y-%m-%d"), "results": results}, indent=2) + "\n", encoding="utf-8")
    print("| importer | rows | effipia (s) | ceiling (s) | ratio | peak added (MiB) | frame (MiB) | memory / frame |")
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['importer']} | {r['rows']:,} | {r['effipia_s']} | {r['ceiling_s']} | {r['ratio']} | "
              f"{r['effipia_peak_mib']} | {r['frame_mib']} | {r['memory_x_frame']} |".replace(",", " "))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
