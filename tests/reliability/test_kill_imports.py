"""SIGKILL during an import of 10^5 rows leaves all or nothing (issue 11, item 6).

The import runs as a real subprocess (``effipia partners import`` / ``responses import``
on SQLite); it is killed with SIGKILL at moments spread over its run (most of them late,
where the single write transaction is), then the store is reopened: it must open
without damage and hold either none of the file's rows or all of them, identical to an
uninterrupted import. ``RELIABILITY_KILLS`` raises the number of kills (the reliability
report), ``RELIABILITY_LOG`` records each kill.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from effipia.store import Store

ROWS = 100_000
KILLS = int(os.environ.get("RELIABILITY_KILLS", "3"))  # per importer: half at a moment, half while writing
EFFIPIA = str(Path(sys.executable).with_name("effipia"))
PATTERNS = [
    ["C01", "entreprise", "", "1", "0", "1", "9", "2"],
    ["C01", "lycee", "lycee", "0", "1", "2", "1", "1"],
    ["C02", "superieur", "universite", "1", "1", "1", "1", "3"],
    ["C02", "autre", "", "", "", "1", "2", "9"],
]
CATEGORIES = ["Entreprise", "Lycée professionnel", "OPCO", "Université", "Association"]


def _directory(path: Path) -> Path:
    rng = random.Random(5)
    with path.open("w", encoding="utf-8") as handle:
        handle.write("Raison sociale;Catégorie;Membre du consortium;Courriel\n")
        for i in range(ROWS):
            handle.write(f"Structure {i} {rng.choice(['Alpha', 'Bêta', 'Gamma'])};{rng.choice(CATEGORIES)};"
                         f"{rng.choice(['x', ''])};contact{i}@example.fr\n")
    return path


def _responses(path: Path) -> Path:
    with path.open("w", encoding="utf-8") as handle:
        handle.write("respondent_id,campus_id,category,partner_type,consortium,pia_concerned,dyn_1,dyn_2,collab\n")
        for i in range(ROWS):
            handle.write(",".join([f"R{i}", *PATTERNS[i % 4]]) + "\n")
    return path


def _content(db: Path, table: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        columns = [c[1] for c in conn.execute(f"PRAGMA table_info({table})") if c[1] not in ("created_at", "updated_at", "submitted_at")]
        return sorted(conn.execute(f"SELECT {', '.join(columns)} FROM {table}").fetchall())


@pytest.fixture(scope="module")
def workload(tmp_path_factory):
    folder = tmp_path_factory.mktemp("kill")
    baseline = folder / "baseline.db"
    store = Store(f"sqlite:///{baseline}")
    import polars as pl

    store.write_campuses(pl.DataFrame({"campus_id": ["CMQ-BDB", "C01", "C02"], "name": ["Bâtiment", "Campus 1", "Campus 2"],
                                       "filiere": ["F04", "F06", "F04"]}))
    store.close()
    return folder, baseline, {"partners": _directory(folder / "annuaire.csv"), "responses": _responses(folder / "reponses.csv")}


COMMANDS = {
    "partners": lambda path: ["partners", "import", str(path), "--campus", "CMQ-BDB", "--campaign", "c1"],
    "responses": lambda path: ["responses", "import", str(path), "--campaign", "c1"],
}


def _log(record: dict) -> None:
    target = os.environ.get("RELIABILITY_LOG")
    if target:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"suite": "kill", **record}) + "\n")


@pytest.mark.parametrize("table", ["partners", "responses"])
def test_sigkill_during_an_import_leaves_all_or_nothing(workload, table) -> None:
    folder, baseline, files = workload
    reference = folder / f"reference_{table}.db"
    shutil.copyfile(baseline, reference)
    start = time.monotonic()
    done = subprocess.run([EFFIPIA, "--db", f"sqlite:///{reference}", *COMMANDS[table](files[table])],
                          capture_output=True, text=True, timeout=600)
    duration = time.monotonic() - start
    assert done.returncode == 0, done.stderr
    complete = _content(reference, table)
    assert len(complete) == ROWS
    rng = random.Random(f"kill-{table}")
    # Kills at a moment of the run (mostly validation, which comes first), and kills while
    # the one write transaction is under way: the write-ahead log is growing.
    moments = [("time", rng.uniform(0.2, 0.9)) for _ in range(max(1, KILLS // 2))]
    moments += [("write", rng.uniform(0.0, 0.5)) for _ in range(max(1, KILLS - KILLS // 2))]
    outcomes = []
    for mode, fraction in moments:
        db = folder / f"killed_{table}.db"
        for leftover in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
            leftover.unlink(missing_ok=True)
        shutil.copyfile(baseline, db)
        process = subprocess.Popen([EFFIPIA, "--db", f"sqlite:///{db}", *COMMANDS[table](files[table])],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if mode == "time":
            time.sleep(fraction * duration)
        else:
            wal = db.with_name(db.name + "-wal")
            while process.poll() is None and (not wal.exists() or wal.stat().st_size < 256 * 1024):
                time.sleep(0.005)
            time.sleep(fraction * 0.2)  # somewhere in the first rows written
        finished = process.poll() is not None
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
        Store(f"sqlite:///{db}").close()  # the store reopens (and would recover its journal) without error
        left = _content(db, table)
        state = "all" if left == complete else "nothing" if not left else f"partial ({len(left)} rows)"
        outcomes.append(state)
        _log({"table": table, "rows": ROWS, "mode": mode, "at": round(fraction, 3), "finished_before_kill": finished,
              "state": state})
        assert state in ("all", "nothing"), (fraction, state)
        if state == "nothing":  # the campaign was not created half-way either
            with sqlite3.connect(db) as conn:
                assert conn.execute("SELECT count(*) FROM campaigns").fetchone() == (0,)
    assert "nothing" in outcomes  # at least one kill landed inside the import
