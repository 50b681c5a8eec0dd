"""Group commit: the small write transactions of concurrent threads (web page saves) run
in one transaction, each under its own savepoint, with one commit — one flush to disk —
for the whole group.

Why: SQLite admits one writer at a time and, with ``synchronous = FULL``, flushes the disk
at every commit; 50 respondents saving at once then queue on that lock, each waiting
writer polling it with growing sleeps (SQLite's busy handler), and the flush of every
commit is paid once per save. Here the threads of one process hand their jobs to whichever
of them is committing (the leader; no thread of its own): a job that arrives while a group
is being written joins the next group, started as soon as that one is committed.

Guarantees: a job's result is given back only after the commit of its group (an
acknowledged save is on disk); a job that fails is rolled back to its savepoint alone and
its exception raised in its own thread, the others are kept; if the commit fails, every
job of the group gets that error and nothing of the group is written. Nothing is kept
between groups: other processes (workers, commands) meet SQLite's own lock as before.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

import sqlalchemy as sa

__all__ = ["run_in_group"]

T = TypeVar("T")

#: Most jobs in one group (bounds the latency a group adds to its first job).
MAX_GROUP = 64


class _Job:
    __slots__ = ("work", "result", "error", "done")

    def __init__(self, work: Callable[[sa.Connection], Any]) -> None:
        self.work = work
        self.result: Any = None
        self.error: BaseException | None = None
        self.done = False


class _Committer:
    """The jobs waiting for one engine, and whether a thread is writing a group."""

    def __init__(self) -> None:
        self.condition = threading.Condition()
        self.queue: list[_Job] = []
        self.writing = False


_COMMITTERS: "weakref.WeakKeyDictionary[sa.Engine, _Committer]" = weakref.WeakKeyDictionary()
_COMMITTERS_LOCK = threading.Lock()


def _committer(engine: sa.Engine) -> _Committer:
    with _COMMITTERS_LOCK:
        found = _COMMITTERS.get(engine)
        if found is None:
            found = _COMMITTERS[engine] = _Committer()
        return found


def run_in_group(engine: sa.Engine, connect: Callable[[], Any], work: Callable[[sa.Connection], T]) -> T:
    """Run ``work(connection)`` inside a write transaction shared with the jobs of other
    threads arriving meanwhile, and return its result once that transaction is committed.

    ``connect()`` gives the connection context a group is written on (its ``begin`` takes
    the write lock). ``work`` must not commit; its exception is raised here after its
    savepoint was rolled back, without affecting the other jobs."""
    committer = _committer(engine)
    job = _Job(work)
    with committer.condition:
        committer.queue.append(job)
        while not job.done and committer.writing:
            committer.condition.wait()
        if job.done:
            return _outcome(job)
        committer.writing = True  # this thread writes the next group, its own job in it
        group = committer.queue[:MAX_GROUP]
        del committer.queue[:MAX_GROUP]
    try:
        _write_group(connect, group)
    finally:
        with committer.condition:
            for member in group:
                member.done = True
            committer.writing = False
            committer.condition.notify_all()
    return _outcome(job)


def _write_group(connect: Callable[[], Any], group: list[_Job]) -> None:
    try:
        with connect() as conn, conn.begin():
            for job in group:
                savepoint = conn.begin_nested()
                try:
                    job.result = job.work(conn)
                except BaseException as exc:  # noqa: BLE001 - given back to the job's own thread
                    savepoint.rollback()
                    job.error = exc
                else:
                    savepoint.commit()
    except BaseException as exc:  # noqa: BLE001 - the commit (or the begin) failed: nothing written
        for job in group:
            if job.error is None:
                job.error, job.result = exc, None


def _outcome(job: _Job) -> Any:
    if job.error is not None:
        raise job.error
    return job.result
