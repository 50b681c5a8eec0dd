"""SIGKILL during an import of 10^5 rows leaves all or nothing (issue 11, item 6).

The import runs as a real subprocess (``effipia partners import`` / ``responses import``)
on SQLite and on PostgreSQL; it is killed with SIGKILL, then the store is reopened: it
must open without damage and hold either none of the file's rows or all of them,
identical to an uninterrupted import. On SQLite the kills come at moments spread over the
run (``time``, most of them late) and while the one write transaction fills the
write-ahead log (``write``); on PostgreSQL while that transaction is under way (its
server process holds a transaction id: rows are being written), which is the only moment
where a partial store could appear (the validation before it writes nothing).
``RELIABILITY_KILLS`` raises the number of kills (the reliability report),
``RELIABILITY_LOG`` records each kill.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from utils.services import require_service

from effipia.store import Store

ROWS = 100_000
KILLS = int(os.environ.get("RELIABILITY_KILLS", "3"))  # per importer on SQLite: half at a moment, half while writing
PG_KILLS = max(1, KILLS // 3)  # per importer on PostgreSQL, all while writing (an import there takes ~3x as long)
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


def _content(url: str, table: str) -> tuple[list[tuple], int]:
    """The rows of ``table`` (without timestamps), sorted, and the number of campaigns; on SQLite after an integrity check."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            if url.startswith("sqlite"):
                assert conn.execute(sa.text("PRAGMA integrity_check")).first() == ("ok",)
            columns = [c["name"] for c in sa.inspect(conn).get_columns(table)
                       if c["name"] not in ("created_at", "updated_at", "submitted_at")]
            rows = conn.execute(sa.text(f"SELECT {', '.join(columns)} FROM {table}")).all()
            campaigns = conn.execute(sa.text("SELECT count(*) FROM campaigns")).scalar_one()
    finally:
        engine.dispose()
    return sorted((tuple(r) for r in rows), key=repr), campaigns


def _seed(url: str) -> None:
    """The store before the import: the campuses the files refer to."""
    import polars as pl

    with Store(url) as store:
        store.write_campuses(pl.DataFrame({"campus_id": ["CMQ-BDB", "C01", "C02"], "name": ["Bâtiment", "Campus 1", "Campus 2"],
                                           "filiere": ["F04", "F06", "F04"]}))


class SqliteStores:
    """Copies of a seeded SQLite file; « writing » = the write-ahead log has grown."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.baseline = folder, folder / "baseline.db"
        _seed(f"sqlite:///{self.baseline}")

    def fresh(self, name: str) -> str:
        db = self.folder / f"{name}.db"
        for leftover in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
            leftover.unlink(missing_ok=True)
        shutil.copyfile(self.baseline, db)
        return f"sqlite:///{db}"

    def writing(self, url: str) -> bool:
        wal = Path(url.removeprefix("sqlite:///") + "-wal")
        return wal.exists() and wal.stat().st_size >= 256 * 1024

    def close(self) -> None:
        pass


class PostgresStores:
    """Databases copied from a seeded template; « writing » = the import's transaction holds
    a transaction id (PostgreSQL assigns one at its first write)."""

    def __init__(self, base: str) -> None:
        self.base, self.prefix = base, f"effipia_kill_{os.getpid()}"
        self.admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
        self.names: list[str] = []
        self.baseline = self._create("baseline")
        _seed(self._url(self.baseline))

    def _url(self, name: str) -> str:
        return self.base.rsplit("/", 1)[0] + f"/{name}"

    def _create(self, name: str, template: str | None = None) -> str:
        full = f"{self.prefix}_{name}"
        with self.admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{full}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{full}"' + (f' TEMPLATE "{template}"' if template else "")))
        self.names.append(full)
        return full

    def fresh(self, name: str) -> str:
        return self._url(self._create(name, template=self.baseline))

    def writing(self, url: str) -> bool:
        with self.admin.connect() as conn:
            return bool(conn.execute(sa.text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = :db AND backend_xid IS NOT NULL"),
                {"db": url.rsplit("/", 1)[1]}).scalar_one())

    def close(self) -> None:
        with self.admin.connect() as conn:
            for name in self.names:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.admin.dispose()


@pytest.fixture(scope="module")
def workload(tmp_path_factory):
    folder = tmp_path_factory.mktemp("kill")
    return folder, {"partners": _directory(folder / "annuaire.csv"), "responses": _responses(folder / "reponses.csv")}


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def stores(request, workload):
    if request.param == "sqlite":
        backend = SqliteStores(workload[0])
    else:
        base = os.environ.get("EFFIPIA_TEST_POSTGRES_URL")
        if not base:
            require_service("PostgreSQL not available (EFFIPIA_TEST_POSTGRES_URL unset)")
        backend = PostgresStores(base)
    yield request.param, backend
    backend.close()


COMMANDS = {
    "partners": lambda path: ["partners", "import", str(path), "--campus", "CMQ-BDB", "--campaign", "c1"],
    "responses": lambda path: ["responses", "import", str(path), "--campaign", "c1"],
}


def _log(record: dict) -> None:
    target = os.environ.get("RELIABILITY_LOG")
    if target:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"suite": "kill", **record}) + "\n")


def _import(url: str, table: str, path: Path) -> subprocess.Popen:
    return subprocess.Popen([EFFIPIA, "--db", url, *COMMANDS[table](path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


@pytest.mark.parametrize("table", ["partners", "responses"])
def test_sigkill_during_an_import_leaves_all_or_nothing(workload, stores, table) -> None:
    folder, files = workload
    backend, target = stores
    rng = random.Random(f"kill-{table}")
    if backend == "sqlite":
        # Kills at a moment of the run (mostly validation, which comes first), and kills while
        # the one write transaction is under way: the write-ahead log is growing.
        moments = [("time", rng.uniform(0.2, 0.9)) for _ in range(max(1, KILLS // 2))]
        moments += [("write", rng.uniform(0.0, 0.5)) for _ in range(max(1, KILLS - KILLS // 2))]
    else:
        moments = [("write", rng.uniform(0.0, 0.5)) for _ in range(PG_KILLS)]
    complete: list[tuple] | None = None
    duration = 0.0

    def reference() -> list[tuple]:
        """The rows of an uninterrupted import (run once, when first needed)."""
        nonlocal complete, duration
        if complete is None:
            url = target.fresh(f"reference_{table}")
            start = time.monotonic()
            done = _import(url, table, files[table])
            _, errors = done.communicate(timeout=600)
            duration = time.monotonic() - start
            assert done.returncode == 0, errors
            complete = _content(url, table)[0]
            assert len(complete) == ROWS
        return complete

    outcomes = []
    for mode, fraction in moments:
        if mode == "time":
            reference()  # the moment is a share of an uninterrupted run's duration
        url = target.fresh(f"killed_{table}")
        started = time.monotonic()
        process = _import(url, table, files[table])
        if mode == "time":
            time.sleep(fraction * duration)
        else:
            while process.poll() is None and not target.writing(url):
                time.sleep(0.005)
            time.sleep(fraction * 0.2)  # somewhere in the first rows written
        finished = process.poll() is not None
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
        Store(url).close()  # the store reopens (and would recover its journal) without error
        left, campaigns = _content(url, table)
        state = "nothing" if not left else "all" if left == reference() else f"partial ({len(left)} rows)"
        outcomes.append(state)
        _log({"backend": backend, "table": table, "rows": ROWS, "mode": mode, "at": round(fraction, 3),
              "finished_before_kill": finished, "seconds": round(time.monotonic() - started, 1), "state": state})
        assert state in ("all", "nothing"), (backend, mode, fraction, state)
        if state == "nothing":  # the campaign was not created half-way either
            assert campaigns == 0
    assert "nothing" in outcomes  # at least one kill landed inside the import
