"""Page saves of the web questionnaire under load, against a bare endpoint of the same server.

Run: ``.venv/bin/python benchmarks/web_saves.py [--respondents 50] [--saves 20] [--workers 2]
[--repeats 3] [--before DIR]`` (PostgreSQL too when ``EFFIPIA_TEST_POSTGRES_URL`` is set:
``source /tmp/team/pg.env``). Writes ``benchmarks/results/web_saves.json`` and prints a table.
Not a test.

``--before DIR``: also serve the ``src/`` of another source tree (``git worktree add DIR
<commit>``), in the same run, one measure of each after the other, so that a before/after
comparison meets the same load of the shared machine.

For each back-end, one server (uvicorn, the application of ``effipia serve`` plus one extra
route) on a free loopback port; ``--respondents`` concurrent clients (asyncio + httpx), each
sending ``--saves`` page saves in a row:

* ``save``: ``POST /r/<token>/page/grp_rel`` with a fresh ``save_id`` and the page's 17
  answers (``action=pause``): token look-up by hash, limit check, draft read, routing and
  validation of the page, one write transaction (draft + save row), 303;
* ``bare``: ``POST /bench/bare`` with the same form body on the same server: FastAPI parses
  the form and answers 303, nothing read or written — the ceiling.

Reported, as medians over ``--repeats`` alternations of the two: saves per second, p50 and p99
latency (ms), server CPU per request (ms, user + system of the server's processes: steadier
than rates on a shared machine), the load average when each measure began, and
``save_over_bare`` (the share of the ceiling reached, the median of the ratios of each
alternation). The issue's aim: ≥ 50 % of the ceiling, p99 < 100 ms.

The clients run closed loops (each sends its next save as soon as the previous one is
answered), so latency is tied to throughput by Little's law: p50 ≈ 50 / (requests per
second). A p99 under 100 ms for 50 clients with no pause needs well over 500 answers a
second, more than the bare endpoint itself reaches on two shared cores. So each alternation
also measures both sides in an open loop (``paced``) at half the ceiling just measured — the
throughput the aim asks for — and reports p50/p99 there, counted from when each request was
due.
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


def _serve(url: str, workers: int, log: Path, source: Path = ROOT) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    # ``source``'s package first (before the editable install of this tree), this file's folder for the factory.
    env = {**os.environ, "EFFIPIA_DATABASE_URL": url, "EFFIPIA_SECRET_KEY": SECRET,
           "EFFIPIA_LINK_MAX_FAILURES": "1000000", "PYTHONPATH": os.pathsep.join([str(source / "src"), str(ROOT)])}
    command = [sys.executable, "-m", "uvicorn", "--factory", "benchmarks.web_saves:bench_app", "--host", "127.0.0.1",
               "--port", str(port), "--workers", str(workers), "--no-access-log", "--log-level", "warning",
               # Under a heavy load a starved client may leave a connection idle beyond the 5 s
               # default, and a request sent as the server closes it fails (ReadError).
               "--timeout-keep-alive", "120"]
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


async def _paced(base: str, paths: list[str], saves: int, rate: float) -> list[float]:
    """Open loop at ``rate`` requests per second spread evenly over the clients (each client's
    k-th request is due at a fixed time); latency counted from when a request was due, so a
    server that falls behind is not flattered (no coordinated omission). Latencies in ms."""
    latencies: list[float] = []
    form = _form()
    interval = len(paths) / rate
    limits = httpx.Limits(max_connections=len(paths), max_keepalive_connections=len(paths))
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:
        start = time.perf_counter() + 0.2

        async def one(index: int, path: str) -> None:
            for k in range(saves):
                due = start + (k + index / len(paths)) * interval
                if (delay := due - time.perf_counter()) > 0:
                    await asyncio.sleep(delay)
                response = await client.post(path, data={"save_id": uuid.uuid4().hex, **form})
                latencies.append((time.perf_counter() - due) * 1000)
                if response.status_code != 303:
                    raise RuntimeError(f"{path}: {response.status_code} {response.text[:300]}")

        await asyncio.gather(*(one(i, p) for i, p in enumerate(paths)))
    return latencies


def _percentiles(latencies: list[float]) -> dict[str, float]:
    ordered = sorted(latencies)
    return {"p50_ms": round(statistics.median(ordered), 1),
            "p99_ms": round(ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))], 1)}


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` and its children (the uvicorn workers)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(stat.parent.name) == pid or int(fields[1]) == pid:  # fields[1]: parent pid
            total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total


def _measure(base: str, paths: list[str], saves: int, pid: int) -> dict[str, float]:
    load = os.getloadavg()[0]
    cpu = _cpu_seconds(pid)
    wall, latencies = asyncio.run(_load(base, paths, saves))
    return {
        "requests": len(latencies),
        "per_second": round(len(latencies) / wall, 1),
        **_percentiles(latencies),
        # Includes the warm-up requests of _load (two clients): a small, equal share on both sides.
        "server_cpu_ms": round((_cpu_seconds(pid) - cpu) * 1000 / len(latencies), 2),
        "load_average_1min": round(load, 2),
    }


def _median(runs: list[dict[str, float]]) -> dict[str, float]:
    return {key: round(statistics.median(r[key] for r in runs), 2) for key in runs[0]}


def run(url: str, label: str, respondents: int, saves: int, workers: int, repeats: int, tmp: Path,
        sources: dict[str, Path]) -> list[dict]:
    """One row per source tree: medians of ``repeats`` alternations bare / save on its server."""
    tokens = _campaign(url, respondents)
    servers = {name: _serve(url, workers, tmp / f"{label}-{name}.log", source) for name, source in sources.items()}
    measures: dict[str, dict[str, list[dict]]] = {name: {"bare": [], "save": []} for name in sources}
    try:
        for _ in range(repeats):
            # Every server and both measures in turn, so that a load change on the machine hits all.
            for name, (process, base) in servers.items():
                bare = _measure(base, ["/bench/bare"] * respondents, saves, process.pid)
                paths = [f"/r/{t}/page/grp_rel" for t in tokens]
                save = _measure(base, paths, saves, process.pid)
                # Latency at the aimed throughput: half the ceiling just measured, open loop.
                rate = bare["per_second"] / 2
                for side, sent in ((bare, ["/bench/bare"] * respondents), (save, paths)):
                    side["paced_per_second"] = round(rate, 1)
                    side.update({f"paced_{k}": v for k, v in _percentiles(asyncio.run(_paced(base, sent, saves, rate))).items()})
                measures[name]["bare"].append(bare)
                measures[name]["save"].append(save)
    except Exception:
        for name, (process, _) in servers.items():  # what the servers said (a crash, a kill from outside)
            print(f"server {label}/{name}: exit code {process.poll()}", file=sys.stderr)
            print((tmp / f"{label}-{name}.log").read_text()[-3000:], file=sys.stderr)
        raise
    finally:
        for process, _ in servers.values():
            process.terminate()
            process.wait(timeout=30)
    rows = []
    for name, found in measures.items():
        ratios = [s["per_second"] / b["per_second"] for b, s in zip(found["bare"], found["save"])]
        rows.append({
            "backend": label,
            "code": name,
            "workers": workers,
            "respondents": respondents,
            "saves_each": saves,
            "repeats": repeats,
            "bare": _median(found["bare"]),
            "save": _median(found["save"]),
            "save_over_bare": round(statistics.median(ratios), 3),
            "save_over_bare_each": [round(r, 3) for r in ratios],
            "measures": found,
        })
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--respondents", type=int, default=50)
    parser.add_argument("--saves", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers on PostgreSQL (SQLite: 1)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--before", type=Path, help="another source tree to measure in the same run")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "web_saves.json")
    args = parser.parse_args()
    sources = {"before": args.before.resolve()} if args.before else {}
    sources["this"] = ROOT
    rows = []
    load_start = os.getloadavg()
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        rows += run(f"sqlite:///{tmp / 'bench.db'}", "sqlite", args.respondents, args.saves, 1, args.repeats, tmp, sources)
        base = os.environ.get("EFFIPIA_TEST_POSTGRES_URL")
        if base:
            import sqlalchemy as sa

            name = f"effipia_bench_{uuid.uuid4().hex[:8]}"
            admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
            try:
                url = base.rsplit("/", 1)[0] + f"/{name}"
                rows += run(url, "postgresql", args.respondents, args.saves, args.workers, args.repeats, tmp, sources)
            finally:
                with admin.connect() as conn:
                    conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()
    out = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                       "load_average_start": load_start, "load_average_end": os.getloadavg()}, "runs": rows}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
    print(f"{'base':<11}{'code':<7}{'proc.':>6}{'bare/s':>8}{'p50':>7}{'p99':>7}{'cpu':>6}{'save/s':>8}{'p50':>7}{'p99':>7}"
          f"{'cpu':>6}{'ratio':>7}{'paced/s':>8}{'bare p99':>9}{'save p99':>9}{'load':>6}")
    for r in rows:
        b, v = r["bare"], r["save"]
        print(f"{r['backend']:<11}{r['code']:<7}{r['workers']:>6}{b['per_second']:>8}{b['p50_ms']:>7}{b['p99_ms']:>7}"
              f"{b['server_cpu_ms']:>6}{v['per_second']:>8}{v['p50_ms']:>7}{v['p99_ms']:>7}{v['server_cpu_ms']:>6}"
              f"{r['save_over_bare']:>7}{v['paced_per_second']:>8}{b['paced_p99_ms']:>9}{v['paced_p99_ms']:>9}"
              f"{v['load_average_1min']:>6}")
    print(f"→ {args.out}")


if __name__ == "__main__":
    main()
