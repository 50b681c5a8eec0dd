"""Speed of the statistics set: kernel floor, compute(), and the obvious pandas groupby.

Run: ``.venv/bin/python benchmarks/compute_speed.py [--sizes 32x100,500x400,2000x500]``
(campuses × partners per campus of the synthetic generator). Writes
``benchmarks/results/compute_speed.json`` and prints a table. Not a test: timings depend on
the machine (figures in the analysis engineer's report were taken on the 2-core machine).

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


def run(campuses: int, partners: int) -> dict:
    campaign = generate(1, campuses, partners)
    r = campaign.responses
    items = [i for spec in table_specs().values() for i in table_items(r.columns, spec["prefix"])]
    out = {"campuses": campuses, "partners_per_campus": partners, "respondents": r.height, "share_items": len(items)}
    out["floor_campaign_s"] = campaign_floor(r, items)
    t = time.perf_counter()
    core = compute(r, include=["tables", "registers"])
    out["core_s"] = time.perf_counter() - t
    out["core_rows"] = core.height
    out["pandas_s"], out["pandas_cells"] = pandas_tables(r)
    t = time.perf_counter()
    tables_only = compute(r, include=["tables"])
    out["tables_s"] = time.perf_counter() - t
    out["tables_rows"] = tables_only.height
    t = time.perf_counter()
    compute(r, invitations=campaign.invitations, weights="calibrated", include=["tables", "registers"])
    out["core_poststratified_s"] = time.perf_counter() - t
    t = time.perf_counter()
    compute(r, invitations=campaign.invitations, weights="calibrated", calibration="raking", include=["tables", "registers"])
    out["core_raked_s"] = time.perf_counter() - t
    t = time.perf_counter()
    full = compute(r, partners=campaign.partners, invitations=campaign.invitations, campuses=campaign.campuses)
    out["compute_all_s"] = time.perf_counter() - t
    out["compute_all_rows"] = full.height
    out["pandas_all_s"], out["pandas_all_cells"] = pandas_all(r, campaign.partners)
    out["pandas_all_over_compute"] = out["pandas_all_s"] / out["compute_all_s"]
    out["pandas_over_tables"] = out["pandas_s"] / out["tables_s"]
    t = time.perf_counter()
    kernel_campaign(r)
    out["kernel_s"] = time.perf_counter() - t
    out["pandas_over_kernel"] = out["pandas_s"] / out["kernel_s"]
    out["core_over_floor"] = out["core_s"] / out["floor_campaign_s"]
    return out


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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="32x100,500x400,2000x500")
    parser.add_argument("--pandas-items", type=int, default=20, help="items timed on the pandas side at 10^6 (scaled in the report)")
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "compute_speed.json"))
    parser.add_argument("--loop-cells", type=int, default=3000, help="shares timed in the per-cell scipy loop (scaled)")
    parser.add_argument("--only-intervals", action="store_true", help="measure the intervals at 10^6 x 100 x 100 only")
    args = parser.parse_args()
    answers, dom, w = national_matrix(1_000_000, 100, 100)
    if args.only_intervals:
        res = {"command": " ".join([".venv/bin/python", "benchmarks/compute_speed.py", *sys.argv[1:]]),
               "load_average_1min": os.getloadavg()[0], **intervals_national(answers, dom, w, 100, args.loop_cells),
               "load_average_1min_end": os.getloadavg()[0]}
        print(json.dumps(res, indent=2))
        Path(args.out).with_name("compute_speed_intervals.json").write_text(json.dumps(res, indent=2), encoding="utf-8")
        return
    results = {
        "command": " ".join([".venv/bin/python", "benchmarks/compute_speed.py", *sys.argv[1:]]),
        "load_average_1min": os.getloadavg()[0],
        "floor_national_s": floor(answers, dom, w, 100),
        "kernel_national_s": kernel_national(answers, dom, w, 100),
        "pandas_national_s": pandas_national(answers, dom, w, args.pandas_items),
        "pandas_national_items": args.pandas_items,
        **intervals_national(answers, dom, w, 100, args.loop_cells),
        "campaigns": [],
    }
    del answers, dom, w
    print(json.dumps({k: v for k, v in results.items() if k != "campaigns"}), flush=True)
    for size in args.sizes.split(","):
        c, p = (int(x) for x in size.split("x"))
        res = run(c, p)
        results["campaigns"].append(res)
        print(json.dumps(res), flush=True)
    results["load_average_1min_end"] = os.getloadavg()[0]
    Path(args.out).write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
