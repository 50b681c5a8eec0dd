"""Imports of 10^5 and 3 x 10^5 rows (partner directories, responses, campuses) against their ceiling.

Usage: python benchmarks/imports.py [--sizes 100000 300000] [--repeats 3]
→ writes benchmarks/results/imports.json and prints the Markdown table of
benchmarks/README.md (section « Imports »).

Each measurement runs in a fresh Python process (so peak memory is its own), on a fresh
SQLite store holding the campus registry, both sides alternating within one run:

- **effipia**: the import operation as ``effipia partners import`` / ``responses import`` /
  ``campuses import`` run it (read, every check, one transaction);
- **ceiling**: a bare ``polars.read_csv`` of the same file plus one bulk insert of the same
  rows into the same tables (no validation, no recoding, no merge): what an import without
  checks would cost. The insert is the driver's ``executemany`` of tuples made by Polars
  (the answers encoded to JSON by Polars), the fastest bulk insert through the same
  connection (SQLAlchemy's own executemany of dictionaries, the ceiling before 2026-12-02,
  costs about twice as much).

Reported: median seconds of each side, their ratio, and the peak memory the import adds
(``ru_maxrss`` after minus before, MiB) against the file's in-memory frame
(``DataFrame.estimated_size``). Aims (issue 11): ratio ≤ 2, memory < 4 × the frame.
"""

from __future__ import annotations

import argparse
import json
import os
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
CAMPUS_HEADER = ("Identifiant;Nom du campus;Filière;Région;Académie;Année de création;Excellence;Vague PIA;"
                 "Durée;Montant PIA;Type d'établissement support")
CAMPUS_PLACES = [("Bretagne", "Rennes"), ("Occitanie", "Toulouse"), ("Occitanie", "Montpellier"),
                 ("Hauts-de-France", "Lille"), ("Grand Est", "Strasbourg"), ("Normandie", "Normandie")]
FILIERES = ["F01", "Chimie et biotechnologies", "F04", "F06", "F08"]
SUPPORTS = ["Lycée professionnel", "Université", "Lycée", "CFA"]
KINDS = ("partners", "responses", "campuses")
SEPARATORS = {"partners": ";", "responses": ",", "campuses": ";"}


def make_file(kind: str, rows: int, folder: Path) -> Path:
    """A valid file of ``rows`` rows: a French directory (campus CMQ-BDB) or responses."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(rows)
    if kind == "campuses":
        path = folder / f"campus_{rows}.csv"
        with path.open("w", encoding="utf-8") as handle:
            handle.write(CAMPUS_HEADER + "\n")
            for i in range(rows):
                region, academie = rng.choice(CAMPUS_PLACES)
                handle.write(f"CMQ{i:06d};Campus {i} {rng.choice(['des métiers', 'Énergie', 'Mer'])};{rng.choice(FILIERES)};"
                             f"{region};{academie};{rng.randint(2013, 2023)};{rng.choice(['oui', 'non', ''])};"
                             f"{rng.randint(1, 3)};{rng.randint(3, 10)};{rng.randint(10, 5000) * 1000};{rng.choice(SUPPORTS)}\n")
    elif kind == "partners":
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
    if kind == "campuses":
        from effipia.operations.registry import import_campuses

        import_campuses(store, path)
    elif kind == "partners":
        from effipia.operations.registry import import_partners

        import_partners(store, [path], campus="CMQ-BDB", campaign="c1")
    else:
        from effipia.operations.responses import import_responses

        import_responses(store, path, "c1")


def _bulk(conn, table, frame) -> None:
    """The driver's executemany of ``frame``'s rows as tuples (statement compiled once)."""
    compiled = table.insert().compile(dialect=conn.dialect, column_keys=frame.columns)
    order = list(compiled.positiontup) if compiled.positional else frame.columns
    rows = frame.select(order).rows() if compiled.positional else frame.to_dicts()
    conn.exec_driver_sql(compiled.string, rows)


def _ceiling(kind: str, path: Path, store) -> None:
    import polars as pl
    import sqlalchemy as sa

    from effipia.store.models import Campaign, Campus, Partner, Response

    frame = pl.read_csv(path, separator=SEPARATORS[kind], infer_schema=False)
    with store.engine.begin() as conn:
        if kind == "campuses":
            names = [c for c in Campus.__table__.c.keys() if c != "letter"]  # the file's columns, in order
            rows = frame.rename(dict(zip(frame.columns, names, strict=True))).with_columns(
                pl.col(c).cast(pl.Int64, strict=False) for c in ("year_created", "pia_wave", "duration_years", "pia_amount_eur")
            ).with_columns(pl.lit(None, pl.Int64).alias("excellence"))
            _bulk(conn, Campus.__table__, rows)
            return
        campaign = conn.execute(sa.insert(Campaign.__table__).values(name="c1", items=[]).returning(Campaign.__table__.c.id)).scalar_one()
        if kind == "partners":
            name, category, _member, email = frame.columns
            rows = frame.select(
                pl.lit(campaign).alias("campaign_id"), pl.format("P{}", pl.int_range(pl.len())).alias("partner_id"),
                pl.lit("CMQ-BDB").alias("campus_id"), pl.col(name).alias("name"), pl.col(category).alias("category"),
                pl.lit(None, pl.Int64).alias("consortium"), pl.col(email).alias("email"),
            )
            _bulk(conn, Partner.__table__, rows)
        else:
            items = frame.columns[6:]
            rows = frame.select(
                pl.lit(campaign).alias("campaign_id"), "respondent_id", "campus_id", "category", "partner_type",
                *[pl.col(c).cast(pl.Int64) for c in ("consortium", "pia_concerned")],
                pl.struct([pl.col(c).cast(pl.Int64) for c in items]).struct.json_encode().alias("answers"),
                pl.lit(time.strftime("%Y-%m-%d %H:%M:%S.000000")).alias("submitted_at"), pl.lit(path.name).alias("source"),
            )
            _bulk(conn, Response.__table__, rows)


def one(side: str, kind: str, path: Path, db: Path) -> dict[str, float]:
    """One measurement in this process: seconds and the peak memory added (MiB)."""
    import polars as pl

    # A warm-up import of a few rows first (modules, questionnaire, tables loaded): the
    # measurement is then what the rows themselves cost, in time and in memory.
    warm = _store(db.with_name(db.stem + "_warm.db"))
    (_effipia if side == "effipia" else _ceiling)(kind, make_file(kind, 10, db.parent / f"warm_{side}"), warm)
    warm.close()
    store = _store(db)
    frame_mib = pl.read_csv(path, separator=SEPARATORS[kind], infer_schema=False).estimated_size() / 2**20
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
    parser.add_argument("--kinds", nargs="+", choices=KINDS, default=list(KINDS))
    parser.add_argument("--one", nargs=4, metavar=("SIDE", "KIND", "FILE", "DB"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        side, kind, file, db = args.one
        print(json.dumps(one(side, kind, Path(file), Path(db))))
        return 0
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for kind in args.kinds:
            for size in args.sizes:
                path = make_file(kind, size, folder)
                load_before = os.getloadavg()[0]
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
                load = (round(load_before, 1), round(os.getloadavg()[0], 1))
                results.append({"importer": kind, "rows": size, "effipia_s": round(effipia, 2), "ceiling_s": round(ceiling, 2),
                                "ratio": round(effipia / ceiling, 2), "effipia_peak_mib": round(peak, 1),
                                "ceiling_peak_mib": round(statistics.median(r["peak_mib"] for r in runs["ceiling"]), 1),
                                "frame_mib": round(frame, 1), "memory_x_frame": round(peak / frame, 1), "repeats": args.repeats,
                                "load_1min": load, "cores": os.cpu_count()})
                print(json.dumps(results[-1]), file=sys.stderr)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"date": time.strftime("%Y-%m-%d"), "results": results}, indent=2) + "\n", encoding="utf-8")
    print("| importer | rows | effipia (s) | ceiling (s) | ratio | peak added, effipia (MiB) | peak added, ceiling (MiB) "
          "| frame (MiB) | effipia memory / frame | load (1 min, before → after) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        cells = [r["importer"], f"{r['rows']:,}".replace(",", " "), r["effipia_s"], r["ceiling_s"], r["ratio"],
                 r["effipia_peak_mib"], r["ceiling_peak_mib"], r["frame_mib"], r["memory_x_frame"]]
        load = " → ".join(str(v) for v in r["load_1min"])
        print("| " + " | ".join(str(c).replace(".", ",") for c in cells) + f" | {load.replace('.', ',')} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
