"""Speed of the statistics set: kernel floor, compute(), and the obvious pandas groupby.

Run (part of the suite, ``.venv/bin/python benchmarks/run.py compute``):
``.venv/bin/python benchmarks/compute_speed.py [--sizes 32x100,500x400,2000x500,million]
[--repeats 3] [--before TREE] [--readme]`` (campuses × partners per campus of the synthetic
generator; ``million``: a campaign of about 10⁶ respondents). Writes
``benchmarks/results/compute_speed.json`` and, with ``--readme``, the table of the
« Compute » section of ``benchmarks/README.md``. Not a test: timings depend on the machine.

Every side runs in a fresh process (``--measure SIDE --data DIR``, the campaign read from
Parquet, a warm-up on 300 respondents, then the timed work once; peak memory added is
``ru_maxrss`` after minus before it); within a repeat the sides alternate, and each figure
is the median over the repeats, with the 1-minute load average beside it (the machine is
shared). ``--before TREE`` measures the effipia sides of another source tree's ``src/`` too
(e.g. ``git archive <commit> src | tar -x -C TREE``), in the same run. Parts:

* ``fixed``: ``effipia compute`` on a tiny campaign (2 campuses × 10 partners) and on the
  demo (32 campuses), and the import of the compute path, wall and CPU seconds;
* ``national``: floor, kernel and pandas on the 10⁶ × 100 items × 100 domains matrix;
* ``campaigns``: floor, kernel, ``tables``, pandas tables, whole ``compute`` and whole
  pandas, and the calibrated variants (post-stratification, raking, each with and without
  ``strata``) at ``--calibrated-sizes``, as below.

Measured, each in the same run:

* ``floor_national``: one ``np.bincount`` pass per item over weights and squared weights on
  a 10⁶-respondent × 100-item answer matrix with 100 domains (the issue's floor, ~1 s);
* ``floor_campaign``: the same passes over the campaign's own share items and its four
  domain sets (ensemble, group, campus, campus × group);
* ``core``: ``compute(include=["tables", "registers"])`` — annex tables 3–8 and the
  registers, with layout and disclosure control;
* ``pandas``: the same shares and SEs of the annex tables written the obvious way with
  pandas ``groupby`` (one groupby per item × domain set, then the closed-form SE);
* ``core_poststratified``: ``core`` with weights post-stratified to the invitations;
* ``compute_all``: the whole ``compute()`` (relations, model, effects and structure
  included);
* ``pandas_all``: the same work written the obvious way with pandas: a ``groupby`` per coded
  item × domain set for the shares and their SEs (every integer item of the response frame,
  and every expectation choice after ``str.get_dummies``), the mean relation count by
  ``groupby``, the partners' structure by ``value_counts``, and the count model with the
  statsmodels formula API (``smf.glm`` Poisson, campus-clustered); ``compute_over_pandas`` is
  the ratio of the two (no layout nor disclosure control on the pandas side);
* ``core_raked``: ``core`` with weights raked on the campus and group margins;
* ``kernel_national`` / ``pandas_national``: on the floor's matrix (10⁶ × 100 items, 100
  domains, 6 answer codes), shares and SEs of every code of every item by
  :func:`~effipia.analysis.kernel.domain_share_stats`, and the same with pandas ``groupby``;
* ``intervals_national``: on the same matrix, the Korn–Graubard, logit and Wald intervals
  (:mod:`effipia.analysis.intervals`) of the 60 000 shares the kernel gives (100 items × 100
  domains × 6 codes), vectorised over all of them at once, beside the kernel's own time
  (``intervals_over_kernel``) and beside the obvious per-cell loop calling
  ``scipy.stats.beta.ppf`` / ``scipy.stats.t.ppf`` for each share (timed on
  ``--loop-cells`` cells, scaled to the 60 000: ``loop_over_vectorised``).
  ``--only-intervals`` runs this part alone.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl

from effipia.analysis import compute
from effipia.analysis.tables import table_items, table_specs
from effipia.synth import generate

KEYS = ([], ["category"], ["campus_id"], ["campus_id", "category"])


def national_matrix(n: int, items: int, domains: int, codes: int = 6, seed: int = 0):
    rng = np.random.default_rng(seed)
    answers = rng.integers(0, codes, size=(items, n), dtype=np.int64)
    dom = rng.integers(0, domains, size=n, dtype=np.int64)
    w = rng.uniform(0.5, 2.0, n)
    return answers, dom, w


def floor(answers: np.ndarray, dom: np.ndarray, w: np.ndarray, domains: int, codes: int = 6) -> float:
    items = answers.shape[0]
    w2 = w * w
    start = time.perf_counter()
    base = dom * codes
    for j in range(items):
        key = base + answers[j]
        np.bincount(key, weights=w, minlength=domains * codes)
        np.bincount(key, weights=w2, minlength=domains * codes)
    return time.perf_counter() - start


def kernel_national(answers: np.ndarray, dom: np.ndarray, w: np.ndarray, domains: int, codes: int = 6) -> float:
    from effipia.analysis.kernel import domain_share_stats

    valid = np.ones(dom.shape[0], dtype=bool)
    start = time.perf_counter()
    for j in range(answers.shape[0]):
        domain_share_stats(answers[j], dom, domains, list(range(codes)), w, valid)
    return time.perf_counter() - start


def pandas_national(answers: np.ndarray, dom: np.ndarray, w: np.ndarray, items: int) -> float:
    n = dom.shape[0]
    df = pd.DataFrame({"dom": dom, "w": w, "w2": w * w})
    for j in range(items):
        df[f"q{j}"] = answers[j]
    start = time.perf_counter()
    for j in range(items):
        cell = df.groupby(["dom", f"q{j}"])[["w", "w2"]].sum()
        tot = df.groupby("dom")[["w", "w2"]].sum().rename(columns={"w": "W", "w2": "S2"})
        cell = cell.join(tot, on="dom")
        r = cell["w"] / cell["W"]
        np.sqrt(n / (n - 1) * (cell["w2"] * (1 - 2 * r) + r * r * cell["S2"])) / cell["W"]
    return time.perf_counter() - start


def campaign_floor(responses: pl.DataFrame, items: list[str]) -> float:
    n = responses.height
    codes = {c: i for i, c in enumerate(sorted(set(responses["campus_id"].to_list())))}
    groups = {g: i for i, g in enumerate(sorted(set(responses["category"].to_list())))}
    c = np.array([codes[x] for x in responses["campus_id"].to_list()])
    g = np.array([groups[x] for x in responses["category"].to_list()])
    sets = [(np.zeros(n, dtype=np.int64), 1), (g, len(groups)), (c, len(codes)), (c * len(groups) + g, len(codes) * len(groups))]
    mat = responses.select(pl.col(items).fill_null(-1)).to_numpy().T.astype(np.int64) + 1
    w = np.ones(n)
    start = time.perf_counter()
    for dom, size in sets:
        base = dom * 11
        for j in range(len(items)):
            key = base + mat[j]
            np.bincount(key, weights=w, minlength=size * 11)
            np.bincount(key, weights=w, minlength=size * 11)
    return time.perf_counter() - start


def pandas_tables(responses: pl.DataFrame) -> tuple[float, int]:
    """Annex-table shares and SEs per domain with pandas groupby (the obvious way)."""
    df = responses.to_pandas()
    df["w"] = 1.0
    df["w2"] = 1.0
    n_design = len(df)
    produced = 0
    start = time.perf_counter()
    for spec in table_specs().values():
        excluded = {9} if spec["base"] == "exclude_na" else set()
        for item in table_items(responses.columns, spec["prefix"]):
            sub = df[df[item].notna() & ~df[item].isin(excluded)]
            if spec.get("champ_prefix"):
                known = spec["champ_prefix"] + item[len(spec["prefix"]) :]
                sub = sub[sub[known] == 1]
            produced += _pandas_cells(sub, item, n_design)
    return time.perf_counter() - start, produced


def _pandas_shares(df: pd.DataFrame, item: str, n_design: int) -> int:
    return _pandas_cells(df[df[item].notna()], item, n_design)


def _pandas_cells(sub: pd.DataFrame, item: str, n_design: int) -> int:
    """Shares and SEs of ``item`` per domain of ``KEYS`` by groupby; number of cells made."""
    produced = 0
    for keys in KEYS:
        cell = sub.groupby(keys + [item], observed=True)[["w", "w2"]].sum()
        if keys:
            tot = sub.groupby(keys, observed=True)[["w", "w2"]].sum().rename(columns={"w": "W", "w2": "S2"})
            cell = cell.join(tot, on=keys)
        else:
            cell["W"], cell["S2"] = sub["w"].sum(), sub["w2"].sum()
        r = cell["w"] / cell["W"]
        se = np.sqrt(n_design / (n_design - 1) * (cell["w2"] * (1 - 2 * r) + r * r * cell["S2"])) / cell["W"]
        produced += len(se)
    return produced


def pandas_all(responses: pl.DataFrame, partners: pl.DataFrame) -> tuple[float, int]:
    """The statistics of ``compute()`` written the obvious way with pandas (see module doc)."""
    import warnings

    import statsmodels.api as sm
    import statsmodels.formula.api as smf

    df = responses.to_pandas()
    pdf = partners.to_pandas()
    start = time.perf_counter()
    df["w"] = 1.0
    df["w2"] = 1.0
    n_design = len(df)
    items = [c for c, t in responses.schema.items() if t.is_integer() and c not in ("consortium", "pia_concerned")]
    produced = sum(_pandas_shares(df, item, n_design) for item in items)
    dummies = df["expectations"].fillna("").str.get_dummies(sep=" ")
    for choice in dummies.columns:
        df[choice] = dummies[choice].where(df["expectations"].notna())
        produced += _pandas_shares(df, choice, n_design)
    rel = [f"rel_{k}" for k in range(1, 17)]
    df["y"] = df[rel].sum(axis=1, min_count=1)
    for keys in KEYS:
        produced += len(df.groupby(keys)["y"].agg(["mean", "std", "count"])) if keys else 1
    for column in ("partner_type", "naf", "size_class"):
        if column in pdf.columns:
            produced += len(pdf[column].value_counts()) + len(pdf.groupby("campus_id")[column].value_counts())
    involved = (df["consortium"].eq(1) | df["pia_concerned"].eq(1)).astype(int).astype(str)
    df["profile"] = np.where(df["category"] == "autre", "autre", df["category"] + ":" + involved)
    data = df[df["y"].notna()]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = smf.glm("y ~ 0 + C(profile)", data, family=sm.families.Poisson()).fit(
            cov_type="cluster", cov_kwds={"groups": pd.factorize(data["campus_id"])[0]}
        )
    produced += len(fit.params)
    return time.perf_counter() - start, produced


def kernel_campaign(responses: pl.DataFrame) -> None:
    """The annex-table shares and SEs by the kernel alone (no layout, no disclosure)."""
    from effipia.analysis.domains import domain_sets
    from effipia.analysis.kernel import domain_share_stats

    sets = domain_sets(responses)
    for spec in table_specs().values():
        excluded = [9] if spec["base"] == "exclude_na" else []
        for item in table_items(responses.columns, spec["prefix"]):
            col = responses[item]
            codes = col.fill_null(-1).to_numpy()
            valid = col.is_not_null().to_numpy() & ~np.isin(codes, excluded)
            if spec.get("champ_prefix"):
                valid &= (responses[spec["champ_prefix"] + item[len(spec["prefix"]) :]] == 1).fill_null(False).to_numpy()
            for dset in sets:
                domain_share_stats(codes, dset.index, dset.size, spec["answers"], None, valid)


def intervals_national(answers: np.ndarray, dom: np.ndarray, w: np.ndarray, domains: int, loop_cells: int,
                       codes: int = 6) -> dict:
    """Intervals of every share of the national matrix: vectorised (each method) and by a
    per-cell scipy loop, with the kernel time that produced the shares."""
    from scipy import stats as sps

    from effipia.analysis.intervals import korn_graubard, logit_interval, wald_interval
    from effipia.analysis.kernel import domain_share_stats

    valid = np.ones(dom.shape[0], dtype=bool)
    parts = []
    start = time.perf_counter()
    for j in range(answers.shape[0]):
        st = domain_share_stats(answers[j], dom, domains, list(range(codes)), w, valid)
        parts.append((st.estimate.ravel(), st.se.ravel(), st.n.ravel(), np.repeat(st.df, codes)))
    kernel_s = time.perf_counter() - start
    p, se, n, df = (np.concatenate([part[i] for part in parts]) for i in range(4))
    n = n.astype(np.float64)
    out = {"intervals_cells": int(p.size), "intervals_kernel_s": kernel_s}
    for name, fn in (("korn_graubard", lambda: korn_graubard(p, se, n, df)),
                     ("logit", lambda: logit_interval(p, se, n, df)),
                     ("wald", lambda: wald_interval(p, se))):
        start = time.perf_counter()
        fn()
        out[f"intervals_{name}_s"] = time.perf_counter() - start
    out["intervals_over_kernel"] = out["intervals_korn_graubard_s"] / kernel_s
    m = min(loop_cells, p.size)
    start = time.perf_counter()
    for i in range(m):  # the obvious way: one scipy call per share
        ratio = sps.t.ppf(0.975, n[i] - 1) / sps.t.ppf(0.975, df[i])
        ns = p[i] * (1 - p[i]) / se[i] ** 2 * ratio * ratio
        sps.beta.ppf(0.025, ns * p[i], ns * (1 - p[i]) + 1)
        sps.beta.ppf(0.975, ns * p[i] + 1, ns * (1 - p[i]))
    loop = (time.perf_counter() - start) * p.size / m
    out["intervals_loop_cells_timed"] = m
    out["intervals_loop_scaled_s"] = loop
    out["loop_over_vectorised"] = loop / out["intervals_korn_graubard_s"]
    return out


# ---------------------------------------------------------------------------------------
# The suite: every side measured in a fresh process (``--measure``), sides alternating
# within each repeat, medians over the repeats, peak memory added by the measured work.

ROOT = Path(__file__).resolve().parent.parent
MILLION = "million"  #: the 10^6-respondent campaign (campuses x 400 partners, see MILLION_SIZE)
MILLION_SIZE = (7700, 400)
NATIONAL = (1_000_000, 100, 100)  #: respondents, items, domains of the floor's matrix
CALIBRATED = {  # name: compute() options of the calibrated variants
    "poststratified": {"weights": "calibrated", "calibration": "poststratification"},
    "poststratified_strata": {"weights": "calibrated", "calibration": "poststratification", "strata": True},
    "raked": {"weights": "calibrated", "calibration": "raking"},
    "raked_strata": {"weights": "calibrated", "calibration": "raking", "strata": True},
}
FRAMES = ("responses", "partners", "invitations", "campuses")


def _maxrss_mib() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _share_items(responses: pl.DataFrame) -> list[str]:
    return [i for spec in table_specs().values() for i in table_items(responses.columns, spec["prefix"])]


def _campaign_side(side: str, frames: dict[str, pl.DataFrame]):
    """The work of one side on a campaign, as a no-argument callable."""
    r = frames["responses"]
    everything = {"partners": frames["partners"], "invitations": frames["invitations"], "campuses": frames["campuses"]}
    if side == "floor":
        items = _share_items(r)
        return lambda: campaign_floor(r, items)
    if side == "kernel":
        return lambda: kernel_campaign(r)
    if side == "tables":
        return lambda: compute(r, include=["tables"])
    if side == "pandas_tables":
        return lambda: pandas_tables(r)
    if side == "compute":
        return lambda: compute(r, **everything)
    if side == "pandas":
        return lambda: pandas_all(r, frames["partners"])
    if side in CALIBRATED:
        return lambda: compute(r, **everything, **CALIBRATED[side])
    raise SystemExit(f"unknown side {side}")


def _national_side(side: str, data):
    answers, dom, w = data
    if side == "floor":
        return lambda: floor(answers, dom, w, NATIONAL[2])
    if side == "kernel":
        return lambda: kernel_national(answers, dom, w, NATIONAL[2])
    if side == "pandas":
        return lambda: pandas_national(answers, dom, w, PANDAS_NATIONAL_ITEMS)
    raise SystemExit(f"unknown side {side}")


PANDAS_NATIONAL_ITEMS = 5  #: items timed on the pandas side at 10^6 (scaled to the 100)


def measure(side: str, data: str) -> dict:
    """One side in this (fresh) process: load or make the data, warm up on a small slice (not
    timed: first calls, caches of files), then time the work once; peak memory added is
    ``ru_maxrss`` after minus before the timed work."""
    if data == "national":
        n, items, domains = NATIONAL
        full = national_matrix(n, items, domains)
        small = (full[0][:PANDAS_NATIONAL_ITEMS, :1000], full[1][:1000], full[2][:1000])
        _national_side(side, small)()
        work = _national_side(side, full)
    else:
        frames = {name: pl.read_parquet(Path(data) / f"{name}.parquet") for name in FRAMES}
        head = frames["responses"].head(300)
        _campaign_side(side, {**frames, "responses": head})()
        work = _campaign_side(side, frames)
    before = _maxrss_mib()
    load = os.getloadavg()[0]
    cpu0 = time.process_time()
    start = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu0  # CPU of every thread: robust to the load of a shared machine
    if isinstance(result, tuple):  # the floor and pandas helpers time their own loop
        seconds = result[0]
    elif isinstance(result, float):
        seconds = result
    if data == "national" and side == "pandas":
        seconds *= NATIONAL[1] / PANDAS_NATIONAL_ITEMS
        cpu *= NATIONAL[1] / PANDAS_NATIONAL_ITEMS
    return {"s": seconds, "cpu_s": cpu, "peak_added_mib": _maxrss_mib() - before, "load": load}


DATA_DIR: Path | None = None  #: where generated campaigns are kept (--data-dir), else a temporary folder
SIDE_TIMEOUT: float | None = None  #: seconds after which a side is stopped and reported as such


def _child(side: str, data: str, tree: Path | None) -> dict:
    import subprocess

    env = dict(os.environ)
    if tree is not None:
        env["PYTHONPATH"] = str(tree / "src") + os.pathsep + env.get("PYTHONPATH", "")
    try:
        out = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--measure", side, "--data", data],
                             env=env, cwd=ROOT, check=True, capture_output=True, text=True, timeout=SIDE_TIMEOUT)
    except subprocess.TimeoutExpired:
        return {"s": float("inf"), "peak_added_mib": float("nan"), "load": os.getloadavg()[0], "timeout_s": SIDE_TIMEOUT}
    return json.loads(out.stdout.strip().splitlines()[-1])


def _median(runs: list[dict]) -> dict:
    import statistics

    return {"s": statistics.median(r["s"] for r in runs), "runs_s": [r["s"] for r in runs],
            "cpu_s": statistics.median(r.get("cpu_s", float("nan")) for r in runs),
            "peak_added_mib": statistics.median(r["peak_added_mib"] for r in runs),
            "load": statistics.median(r["load"] for r in runs)}


def _sides(data: str, sides: list[str], repeats: int, before: Path | None, effipia_sides: set[str]) -> dict:
    """Every side ``repeats`` times, alternating (side A, side B, … then again), medians."""
    runs: dict[str, list[dict]] = {}
    for _ in range(repeats):
        for side in sides:
            runs.setdefault(side, []).append(_child(side, data, None))
            if before is not None and side in effipia_sides:
                runs.setdefault(side + "_before", []).append(_child(side, data, before))
        print(json.dumps({k: round(v[-1]["s"], 3) for k, v in runs.items()}), file=sys.stderr, flush=True)
    return {side: _median(r) for side, r in runs.items()}


def national(repeats: int, before: Path | None) -> dict:
    res = _sides("national", ["floor", "kernel", "pandas"], repeats, before, {"kernel"})
    out = {"respondents": NATIONAL[0], "items": NATIONAL[1], "domains": NATIONAL[2], "sides": res,
           "kernel_over_floor": res["kernel"]["s"] / res["floor"]["s"],
           "kernel_over_floor_cpu": res["kernel"]["cpu_s"] / res["floor"]["cpu_s"],
           "pandas_over_kernel": res["pandas"]["s"] / res["kernel"]["s"]}
    if "kernel_before" in res:
        out["kernel_before_over_floor"] = res["kernel_before"]["s"] / res["floor"]["s"]
        out["kernel_before_over_floor_cpu"] = res["kernel_before"]["cpu_s"] / res["floor"]["cpu_s"]
    return out


def campaign(size: str, repeats: int, before: Path | None, calibrated: bool, workdir: Path) -> dict:
    campuses, partners = MILLION_SIZE if size == MILLION else (int(x) for x in size.split("x"))
    start = time.perf_counter()
    folder = (DATA_DIR or workdir) / size
    if not (folder / "responses.parquet").exists():  # --data-dir keeps generated campaigns for the next run
        generated = generate(1, campuses, partners)
        folder.mkdir(parents=True, exist_ok=True)
        for name in FRAMES:
            getattr(generated, name).write_parquet(folder / f"{name}.parquet")
        del generated
    responses = pl.read_parquet(folder / "responses.parquet")
    n = responses.height
    info = {"size": size, "campuses": campuses, "partners_per_campus": partners, "respondents": n,
            "share_items": len(_share_items(responses)), "generate_s": time.perf_counter() - start}
    del responses
    sides = ["floor", "kernel", "tables", "pandas_tables", "compute", "pandas"]
    if calibrated:
        sides += list(CALIBRATED)
    res = _sides(str(folder), sides, repeats, before, set(sides) - {"floor", "pandas_tables", "pandas"})
    info["sides"] = res
    info["per_respondent_us"] = {side: 1e6 * v["s"] / n for side, v in res.items()}
    info["kernel_over_floor"] = res["kernel"]["s"] / res["floor"]["s"]
    info["pandas_over_compute"] = res["pandas"]["s"] / res["compute"]["s"]
    info["pandas_tables_over_tables"] = res["pandas_tables"]["s"] / res["tables"]["s"]
    for name in CALIBRATED:
        if name in res:
            info[f"{name}_over_compute"] = res[name]["s"] / res["compute"]["s"]
    info["cpu_ratios"] = {  # the same ratios on CPU seconds (less sensitive to other work)
        "kernel_over_floor": res["kernel"]["cpu_s"] / res["floor"]["cpu_s"],
        "pandas_over_compute": res["pandas"]["cpu_s"] / res["compute"]["cpu_s"],
        **{f"{name}_over_compute": res[name]["cpu_s"] / res["compute"]["cpu_s"] for name in CALIBRATED if name in res}}
    return info


def _command_seconds(args: list[str], env: dict) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one command."""
    import resource
    import subprocess

    def cpu() -> float:
        r = resource.getrusage(resource.RUSAGE_CHILDREN)
        return r.ru_utime + r.ru_stime

    c0, t0 = cpu(), time.perf_counter()
    subprocess.run(args, env=env, check=True, capture_output=True)
    return time.perf_counter() - t0, cpu() - c0


def fixed_cost(repeats: int, before: Path | None, workdir: Path) -> dict:
    """``effipia compute`` on a tiny campaign (2 campuses x 10 partners) and on the demo
    campaign (32 campuses, the directory of the published structure), and the import of the
    compute path alone, each ``repeats`` times (median), this tree and ``before`` alternating."""
    import statistics

    effipia = str(Path(sys.executable).with_name("effipia"))
    trees = {"after": None} | ({"before": before} if before is not None else {})
    envs = {}
    for name, tree in trees.items():
        env = dict(os.environ)
        if tree is not None:
            env["PYTHONPATH"] = str(tree / "src") + os.pathsep + env.get("PYTHONPATH", "")
        envs[name] = env
    dbs = {}
    for label, extra in (("tiny", ["--campuses", "2", "--partners", "10"]), ("demo", [])):
        db = workdir / f"{label}.db"
        db.unlink(missing_ok=True)
        _command_seconds([effipia, "--db", f"sqlite:///{db}", "synth", "--seed", "1", *extra], envs["after"])
        dbs[label] = db
    cases = {
        "import_compute_path": [sys.executable, "-c",
                                "import effipia.cli, effipia.store, effipia.operations.statistics, effipia.analysis.compute"],
        **{f"compute_{label}": [effipia, "--db", f"sqlite:///{db}", "compute", "--out", str(workdir / f"out_{label}")]
           for label, db in dbs.items()},
    }
    runs: dict[str, list[tuple[float, float, float]]] = {}
    for _ in range(repeats):
        for case, args in cases.items():
            for tree, env in envs.items():
                load = os.getloadavg()[0]
                wall, cpu = _command_seconds(args, env)
                runs.setdefault(f"{case}_{tree}", []).append((wall, cpu, load))
    return {key: {"wall_s": statistics.median(r[0] for r in v), "cpu_s": statistics.median(r[1] for r in v),
                  "load": statistics.median(r[2] for r in v), "runs_wall_s": [r[0] for r in v]}
            for key, v in runs.items()}


def _fr(x: float, digits: int = 2) -> str:
    return f"{x:,.{digits}f}".replace(",", " ").replace(".", ",")


def readme_table(results: dict) -> str:
    """The README section (between the compute markers) from the results."""
    lines = [f"Measured {results['date']} on 2 shared cores (load average 1 min beside each figure). "
             "Wall seconds and CPU seconds (all threads) of the timed work; on a loaded machine the CPU "
             "ratios are the ones to read. « runs »: how many runs the median is over.", ""]
    nat = results.get("national")
    if nat:
        s = nat["sides"]
        lines += ["| 10⁶ × 100 items × 100 domains | wall (s) | CPU (s) | runs | peak added (MiB) | load |",
                  "|---|---|---|---|---|---|"]
        for side in ("floor", "kernel", "kernel_before", "pandas"):
            if side in s:
                v = s[side]
                lines.append(f"| {side} | {_fr(v['s'])} | {_fr(v.get('cpu_s', float('nan')))} | {len(v['runs_s'])} | "
                             f"{_fr(v['peak_added_mib'], 0)} | {_fr(v['load'], 1)} |")
        lines += ["", f"Kernel / floor: **{_fr(nat['kernel_over_floor_cpu'])}** CPU, {_fr(nat['kernel_over_floor'])} wall"
                  + (f" (before: {_fr(nat['kernel_before_over_floor_cpu'])} CPU, {_fr(nat['kernel_before_over_floor'])} wall)"
                     if "kernel_before_over_floor" in nat else "")
                  + f"; pandas / kernel: {_fr(nat['pandas_over_kernel'])} wall.", ""]
    camps = results.get("campaigns", [])
    if camps:
        names = ["floor", "kernel", "tables", "pandas_tables", "compute", "pandas", *CALIBRATED]
        lines += ["| size | respondents | side | wall (s) | CPU (s) | µs / respondent (wall) | runs | peak added (MiB) | load |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for c in camps:
            for side in names + [n + "_before" for n in names]:
                v = c["sides"].get(side)
                if v:
                    lines.append(f"| {c['size']} | {_fr(c['respondents'], 0)} | {side} | {_fr(v['s'])} | "
                                 f"{_fr(v.get('cpu_s', float('nan')))} | {_fr(c['per_respondent_us'][side], 1)} | "
                                 f"{len(v['runs_s'])} | {_fr(v['peak_added_mib'], 0)} | {_fr(v['load'], 1)} |")
        lines += ["", "Ratios, CPU (wall):", "",
                  "| size | kernel / floor | pandas / compute | "
                  + " | ".join(f"{n} / compute" for n in CALIBRATED) + " |", "|---" * (3 + len(CALIBRATED)) + "|"]
        for c in camps:
            cpu = c.get("cpu_ratios", {})

            def both(key: str) -> str:
                return f"{_fr(cpu[key])} ({_fr(c[key])})" if key in c and key in cpu else "–"
            lines.append(f"| {c['size']} | {both('kernel_over_floor')} | **{both('pandas_over_compute')}** | "
                         + " | ".join(both(f"{n}_over_compute") for n in CALIBRATED) + " |")
        lines.append("")
    fixed = results.get("fixed_cost")
    if fixed:
        lines += ["| fixed cost (command in a fresh process) | wall (s) | CPU (s) | runs | load |", "|---|---|---|---|---|"]
        for key, v in fixed.items():
            lines.append(f"| {key} | {_fr(v['wall_s'])} | {_fr(v['cpu_s'])} | {len(v['runs_wall_s'])} | {_fr(v['load'], 1)} |")
        lines.append("")
    return "\n".join(lines)


def write_readme(results: dict, readme: Path) -> None:
    begin, end = "<!-- compute:begin -->", "<!-- compute:end -->"
    text = readme.read_text(encoding="utf-8")
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        text = head + begin + "\n" + readme_table(results) + "\n" + end + rest.split(end, 1)[1]
        readme.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=f"32x100,500x400,2000x500,{MILLION}")
    parser.add_argument("--calibrated-sizes", default="500x400,2000x500", help="sizes where the calibrated variants run")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--large-sizes", default=MILLION, help="sizes measured --large-repeats times")
    parser.add_argument("--large-repeats", type=int, default=None, help="repeats at --large-sizes (default: --repeats)")
    parser.add_argument("--parts", default="national,campaigns,fixed", help="national, campaigns, fixed")
    parser.add_argument("--before", type=Path, help="another source tree (its src/ measured beside this one)")
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "compute_speed.json"))
    parser.add_argument("--readme", action="store_true", help="write the table into benchmarks/README.md")
    parser.add_argument("--loop-cells", type=int, default=3000, help="shares timed in the per-cell scipy loop (scaled)")
    parser.add_argument("--only-intervals", action="store_true", help="measure the intervals at 10^6 x 100 x 100 only")
    parser.add_argument("--side-timeout", type=float, help="stop a side after this many seconds (reported as > it)")
    parser.add_argument("--data-dir", type=Path, help="keep generated campaigns here (SIZE/*.parquet) and reuse them")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.data)))
        return
    if args.only_intervals:
        answers, dom, w = national_matrix(*NATIONAL)
        res = {"command": " ".join([".venv/bin/python", "benchmarks/compute_speed.py", *sys.argv[1:]]),
               "load_average_1min": os.getloadavg()[0], **intervals_national(answers, dom, w, 100, args.loop_cells),
               "load_average_1min_end": os.getloadavg()[0]}
        print(json.dumps(res, indent=2))
        Path(args.out).with_name("compute_speed_intervals.json").write_text(json.dumps(res, indent=2), encoding="utf-8")
        return
    import datetime
    import tempfile

    parts = set(args.parts.split(","))
    global SIDE_TIMEOUT, DATA_DIR
    SIDE_TIMEOUT, DATA_DIR = args.side_timeout, args.data_dir
    previous = Path(args.out)  # parts not measured by this run are kept from the last one
    results: dict = json.loads(previous.read_text(encoding="utf-8")) if previous.exists() and parts != {"national", "campaigns", "fixed"} else {}
    results.setdefault("commands", [])
    results["commands"] = [c for c in results["commands"] if c.get("parts") != sorted(parts)] + [
        {"parts": sorted(parts), "command": " ".join([".venv/bin/python", "benchmarks/compute_speed.py", *sys.argv[1:]])}]
    results |= {"command": " ".join([".venv/bin/python", "benchmarks/compute_speed.py", *sys.argv[1:]]),
                     "date": datetime.date.today().isoformat(), "repeats": args.repeats,
                     "before": str(args.before) if args.before else None,
                     "load_average_1min": os.getloadavg()[0]}

    def save() -> None:
        results["load_average_1min_end"] = os.getloadavg()[0]
        Path(args.out).write_text(json.dumps(results, indent=2), encoding="utf-8")
        if args.readme:
            write_readme(results, Path(__file__).parent / "README.md")

    with tempfile.TemporaryDirectory(prefix="effipia-bench-") as tmp:
        work = Path(tmp)
        if "fixed" in parts:
            results["fixed_cost"] = fixed_cost(args.repeats, args.before, work)
            print(json.dumps(results["fixed_cost"]), flush=True)
            save()
        if "national" in parts:
            results["national"] = national(args.repeats, args.before)
            print(json.dumps(results["national"]), flush=True)
            save()
        if "campaigns" in parts:
            results["campaigns"] = []
            calibrated = set(args.calibrated_sizes.split(","))
            for size in args.sizes.split(","):
                repeats = (args.large_repeats or args.repeats) if size in args.large_sizes.split(",") else args.repeats
                res = campaign(size, repeats, args.before, size in calibrated, work)
                results["campaigns"].append(res)
                print(json.dumps(res), flush=True)
                save()
    save()


if __name__ == "__main__":
    main()
