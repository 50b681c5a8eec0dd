"""Page saves of the web questionnaire under load, against a bare endpoint of the same server.

Run: ``.venv/bin/python benchmarks/web_saves.py [--respondents 50] [--saves 20] [--workers 2]``
(PostgreSQL too when ``EFFIPIA_TEST_POSTGRES_URL`` is set: ``source /tmp/pgdev/env.sh``).
Writes ``benchmarks/results/web_saves.json`` and prints a table. Not a test.

For each back-end, one server (uvicorn, the application of ``effipia serve`` plus one extra
route) on a free loopback port; ``--respondents`` concurrent clients (asyncio + httpx), each
sending ``--saves`` page saves in a row:

* ``save``: ``POST /r/<token>/page/grp_rel`` with a fresh ``save_id`` and the page's 17
  answers (``action=pause``): token look-up by hash, limit check, draft read, routing and
  validation of the page, one write transaction (draft + save row), 303;
* ``bare``: ``POST /bench/bare`` with the same form body on the same server: FastAPI parses
  the form and answers 303, nothing read or written — the ceiling.

Reported: saves per second, p50 and p99 latency (ms) of each, and ``save_over_bare`` (the
share of the ceiling reached). The issue's aim: ≥ 50 % of the ceiling, p99 < 100 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import polars as pl
from fastapi import Request
from fastapi.responses import RedirectResponse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SECRET = "benchmark-only-secret-Zr8Kp2Vx7Qm4Lt9Wc1Hn6Jd3"


def bench_app():  # noqa: ANN201 - uvicorn factory
    """The served application plus the bare endpoint (settings from the environment)."""
    from effipia.web import create_app

    app = create_app()

    @app.post("/bench/bare")
    async def bare(request: Request) -> RedirectResponse:
        await request.form()
        return RedirectResponse("/bench/bare", status_code=303)

    return app


def _campaign(url: str, respondents: int) -> list[str]:
    from effipia.registry.invitations import new_invitations
    from effipia.store import Store

    campuses = pl.DataFrame({"campus_id": ["CMQ-B"], "name": ["Campus de mesure"]})
    partners = pl.DataFrame(
        {
            "partner_id": [f"P{i:04d}" for i in range(respondents)],
            "campus_id": ["CMQ-B"] * respondents,
            "name": [f"Structure {i}" for i in range(respondents)],
            "category": ["entreprise"] * respondents,
            "consortium": [1] * respondents,
            "pia_concerned": [1] * respondents,
        }
    )
    with Store(url) as store:
        store.write_campaign("bench", campuses=campuses, partners=partners)
        fresh = new_invitations(store.partners("bench"), store.invitations("bench"), secret_key=SECRET)
        store.write_invitations("bench", fresh)
    return fresh["token"].to_list()


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve(url: str, workers: int, log: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = {**os.environ, "EFFIPIA_DATABASE_URL": url, "EFFIPIA_SECRET_KEY": SECRET,
           "EFFIPIA_LINK_MAX_FAILURES": "1000000", "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "uvicorn", "--factory", "benchmarks.web_saves:bench_app", "--host", "127.0.0.1",
               "--port", str(port), "--workers", str(workers), "--no-access-log", "--log-level", "warning"]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return process, base
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    process.kill()
    raise RuntimeError(log.read_text())


def _form() -> dict[str, str]:
    answers = {f"rel_{i}": str(i % 2) for i in range(1, 17)}
    return {**answers, "rel_new": "1", "action": "pause"}


async def _load(base: str, paths: list[str], saves: int) -> tuple[float, list[float]]:
    """Every client sends ``saves`` requests to its path; (wall seconds, latencies in ms)."""
    latencies: list[float] = []
    form = _form()
    limits = httpx.Limits(max_connections=len(paths), max_keepalive_connections=len(paths))
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:

        async def one(path: str) -> None:
            for _ in range(saves):
                data = {"save_id": uuid.uuid4().hex, **form}
                started = time.perf_counter()
                response = await client.post(path, data=data)
                latencies.append((time.perf_counter() - started) * 1000)
                if response.status_code != 303:
                    raise RuntimeError(f"{path}: {response.status_code} {response.text[:300]}")

        await asyncio.gather(*(one(p) for p in paths[: min(len(paths), 2)]))  # warm-up: imports, caches
        latencies.clear()
        started = time.perf_counter()
        await asyncio.gather(*(one(p) for p in paths))
        return time.perf_counter() - started, latencies


def _summary(wall: float, latencies: list[float]) -> dict[str, float]:
    ordered = sorted(latencies)
    return {
        "requests": len(ordered),
        "per_second": round(len(ordered) / wall, 1),
        "p50_ms": round(statistics.median(ordered), 1),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))], 1),
    }


def run(url: str, label: str, respondents: int, saves: int, workers: int, tmp: Path) -> dict:
    tokens = _campaign(url, respondents)
    process, base = _serve(url, workers, tmp / f"{label}.log")
    try:
        # Alternate the two measures twice so that a load change on the machine hits both.
        results: dict[str, list[dict]] = {"bare": [], "save": []}
        for _ in range(2):
            results["bare"].append(_summary(*asyncio.run(_load(base, ["/bench/bare"] * respondents, saves))))
            paths = [f"/r/{t}/page/grp_rel" for t in tokens]
            results["save"].append(_summary(*asyncio.run(_load(base, paths, saves))))
    finally:
        process.terminate()
        process.wait(timeout=30)
    best = {k: max(v, key=lambda r: r["per_second"]) for k, v in results.items()}
    return {
        "backend": label,
        "workers": workers,
        "respondents": respondents,
        "saves_each": saves,
        "bare": best["bare"],
        "save": best["save"],
        "save_over_bare": round(best["save"]["per_second"] / best["bare"]["per_second"], 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--respondents", type=int, default=50)
    parser.add_argument("--saves", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        rows.append(run(f"sqlite:///{tmp / 'bench.db'}", "sqlite", args.respondents, args.saves, 1, tmp))
        base = os.environ.get("EFFIPIA_TEST_POSTGRES_URL")
        if base:
            import sqlalchemy as sa

            name = f"effipia_bench_{uuid.uuid4().hex[:8]}"
            admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
            try:
                url = base.rsplit("/", 1)[0] + f"/{name}"
                rows.append(run(url, "postgresql", args.respondents, args.saves, args.workers, tmp))
            finally:
                with admin.connect() as conn:
                    conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()
    out = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                       "load_average_end": os.getloadavg()}, "runs": rows}
    path = ROOT / "benchmarks" / "results" / "web_saves.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
    print(f"{'base':<11}{'proc.':>6}{'bare/s':>9}{'bare p50':>10}{'bare p99':>10}{'save/s':>9}{'save p50':>10}{'save p99':>10}{'ratio':>8}")
    for r in rows:
        print(f"{r['backend']:<11}{r['workers']:>6}{r['bare']['per_second']:>9}{r['bare']['p50_ms']:>10}{r['bare']['p99_ms']:>10}"
              f"{r['save']['per_second']:>9}{r['save']['p50_ms']:>10}{r['save']['p99_ms']:>10}{r['save_over_bare']:>8}")
    print(f"→ {path}")


if __name__ == "__main__":
    main()
