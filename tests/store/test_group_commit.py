"""Group commit on SQLite (store/group_commit.py): jobs of concurrent threads written in one
transaction, each under its own savepoint, acknowledged only after the commit."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from effipia.store import group_commit
from effipia.store.engine import make_engine


@pytest.fixture
def engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'group.db'}")
    with engine.connect() as conn, conn.begin():
        conn.exec_driver_sql("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
        conn.exec_driver_sql(
            "CREATE TABLE item (id INTEGER PRIMARY KEY, parent INTEGER "
            "REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)"
        )
        conn.exec_driver_sql("INSERT INTO parent VALUES (1)")
    yield engine
    engine.dispose()


def _connect(engine):
    return lambda: engine.connect().execution_options(sqlite_begin="IMMEDIATE")


def _insert(value: int, parent: int = 1):
    def work(conn: sa.Connection) -> int:
        conn.exec_driver_sql("INSERT INTO item (id, parent) VALUES (?, ?)", (value, parent))
        return value

    return work


def _stored(engine) -> list[int]:
    with engine.connect() as conn:
        return [row[0] for row in conn.exec_driver_sql("SELECT id FROM item ORDER BY id")]


def _hold_first_group(engine, monkeypatch, waiting: int):
    """Make the first group's writer wait until ``waiting`` other jobs are queued, and
    record the size of every group written."""
    sizes: list[int] = []
    original = group_commit._write_group
    first = threading.Event()

    def write(connect, group):
        if not first.is_set():
            first.set()
            committer = group_commit._committer(engine)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                with committer.condition:
                    if len(committer.queue) >= waiting:
                        break
                time.sleep(0.005)
        sizes.append(len(group))
        original(connect, group)

    monkeypatch.setattr(group_commit, "_write_group", write)
    return sizes


def _run_in_order(engine, jobs) -> list:
    """Each job in its own thread, started 50 ms apart: the first leads the first group and
    the others queue behind it in this order; a refused job gives « refused »."""

    def run(work):
        try:
            return group_commit.run_in_group(engine, _connect(engine), work)
        except sa.exc.IntegrityError:
            return "refused"

    with ThreadPoolExecutor(len(jobs)) as pool:
        futures = []
        for work in jobs:
            futures.append(pool.submit(run, work))
            time.sleep(0.05)
        return [f.result() for f in futures]


def test_concurrent_jobs_share_a_commit_and_each_gets_its_own_result(engine, monkeypatch) -> None:
    sizes = _hold_first_group(engine, monkeypatch, waiting=9)
    with ThreadPoolExecutor(10) as pool:
        results = list(pool.map(lambda v: group_commit.run_in_group(engine, _connect(engine), _insert(v)), range(10)))
    assert results == list(range(10))
    assert _stored(engine) == list(range(10))
    # The first job was written alone while the nine others queued: they form one group.
    assert sizes == [1, 9]


def test_a_failing_job_is_rolled_back_alone(engine, monkeypatch) -> None:
    _hold_first_group(engine, monkeypatch, waiting=3)
    def half_done(conn: sa.Connection) -> int:  # writes 50, then breaks the primary key with 1
        _insert(50)(conn)
        return _insert(1)(conn)

    jobs = [_insert(100), _insert(1), half_done, _insert(2)]

    assert _run_in_order(engine, jobs) == [100, 1, "refused", 2]
    assert _stored(engine) == [1, 2, 100]  # nothing of the failed job (no 50)


def test_a_failed_commit_fails_every_job_of_the_group_and_writes_nothing(engine, monkeypatch) -> None:
    _hold_first_group(engine, monkeypatch, waiting=2)
    # parent 9 does not exist: the deferred foreign key refuses the whole group at COMMIT.
    jobs = [_insert(100), _insert(1), _insert(2, parent=9)]

    assert _run_in_order(engine, jobs) == [100, "refused", "refused"]  # the first group committed before the bad one
    assert _stored(engine) == [100]
