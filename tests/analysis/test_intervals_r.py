"""Share intervals against R's ``survey`` (4.1-1): ``svyby(~a, ~by, subset(des, ok),
svyciprop, method = "beta" | "logit" | "xlogit", vartype = "ci")``.

Reference values: ``data/golden_r_intervals.csv``, made by ``r/intervals.R`` from
``data/design.csv`` (240 respondents, 6 campuses, 5 groups, random weights, NA and missing
answers) and ``data/invited.csv``, for six designs: unweighted, weighted, campus as stratum,
campus as cluster (groups), post-stratified on campus × group cells, raked on the campus and
group margins. ``test_r_live`` reruns the script. Agreement is required to 1e-9.

Where the reference says no value:

* a share of 0 or 1 (variance 0): R's ``beta`` and ``xlogit`` give ``NA``; effipia gives the
  Clopper–Pearson interval on the base (checked here against ``qbeta``'s closed form);
* R's ``logit`` (an iterated ``svyglm`` fit) is compared where its fitted share equals the
  ratio estimate to 1e-10 (a converged fit): elsewhere its IRLS stopping rule leaves about
  1e-9 in the bounds (and on four post-stratified cells the fit fails: share 0, interval
  [0, 0] for a share of 1/6); ``xlogit`` (the same interval by the delta method) is compared
  everywhere it gives a value; with 1 degree of freedom R's ``confint`` overflows (bound 0 or
  ``NA``) and is skipped;
* calibrated designs: R's ``beta`` puts ``nrow()`` of the domain's subset design in the
  degrees-of-freedom factor ``(t_{nrow-1}/t_df)²``, and a subset of a calibrated design keeps
  every row of the sample (with zero weight), so R uses the whole sample size there, and the
  base count for plain designs. effipia uses the base count everywhere (Korn & Graubard; NCHS):
  the script writes R's formula with the base count (``kg_base_*``), which effipia matches, and
  the test also shows that effipia's formula fed R's ``nrow()`` reproduces R's ``beta``.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from effipia.analysis.intervals import clopper_pearson, korn_graubard, logit_interval
from effipia.analysis.kernel import domain_share_stats

from test_kernel_r import DATA, _codes, _design, _designs

TOL = 1e-9
CALIBRATED = ("poststrat", "rake")


def _all_designs(d: pl.DataFrame) -> dict[str, dict]:
    designs = _designs(d)
    campus, _ = _codes(d["campus"])
    designs["strata"] = dict(weights=d["w"].to_numpy(), strata=campus)
    return designs


def kernel_intervals(golden: pl.DataFrame) -> pl.DataFrame:
    """The golden rows joined to the kernel's share, SE, base, df and intervals."""
    d = _design()
    designs = _all_designs(d)
    code = d["code"].fill_null(-1).to_numpy()
    valid = (code != -1) & (code != 9)
    rows = []
    for name, kwargs in designs.items():
        for by in ("grp", "campus", "cell"):
            dom, labels = _codes(d[by])
            stats = domain_share_stats(code, dom, len(labels), [1, 2], valid=valid, **kwargs)
            for j, answer in enumerate(("1", "2")):
                p, se, n = stats.estimate[:, j], stats.se[:, j], stats.n[:, j].astype(float)
                kg_low, kg_high = korn_graubard(p, se, n, stats.df)
                lg_low, lg_high = logit_interval(p, se, n, stats.df)
                for i, label in enumerate(labels):
                    rows.append((name, by, label, answer, p[i], se[i], n[i], stats.df[i],
                                 kg_low[i], kg_high[i], lg_low[i], lg_high[i]))
    ours = pl.DataFrame(rows, orient="row", schema=["design", "by", "domain", "answer", "py_est", "py_se", "py_n", "py_df",
                                                    "py_kg_l", "py_kg_u", "py_lg_l", "py_lg_u"])
    golden = golden.with_columns(pl.col("answer").cast(pl.String), pl.col("domain").cast(pl.String))
    joined = golden.join(ours, on=["design", "by", "domain", "answer"], how="left")
    assert joined["py_est"].null_count() == 0
    return joined


def _close(a: pl.Series, b: pl.Series) -> None:
    np.testing.assert_allclose(a.to_numpy(), b.to_numpy(), rtol=0, atol=TOL)


def check(golden: pl.DataFrame) -> None:
    j = kernel_intervals(golden)
    assert set(j["design"]) == {"unweighted", "plain", "strata", "cluster", "poststrat", "rake"}
    assert set(j.filter(pl.col("design") == "rake")["by"]) == {"grp", "campus", "cell"}
    _close(j["py_est"], j["est"])
    _close(j["py_se"], j["se"])
    # design degrees of freedom: R's degf() of each domain's subset design
    assert (j["py_df"] == j["degf"].cast(pl.Float64)).all()
    assert (j["py_n"] == j["n"].cast(pl.Float64)).all()
    inner = (pl.col("est") > 0) & (pl.col("est") < 1)

    # Korn–Graubard where R gives a value
    beta = j.filter(pl.col("beta_l").is_not_null())
    plain = beta.filter(~pl.col("design").is_in(CALIBRATED))
    assert (plain["rows"] == plain["n"]).all()  # R's nrow() is the base count on plain designs
    _close(plain["py_kg_l"], plain["beta_l"])
    _close(plain["py_kg_u"], plain["beta_u"])
    calibrated = beta.filter(pl.col("design").is_in(CALIBRATED))
    assert calibrated.height > 0 and (calibrated["rows"] == 240).all()  # every row of the sample
    _close(calibrated["py_kg_l"], calibrated["kg_base_l"])  # effipia = R's formula on the base count
    _close(calibrated["py_kg_u"], calibrated["kg_base_u"])
    r_low, r_high = korn_graubard(calibrated["est"], calibrated["se"], calibrated["rows"], calibrated["degf"])
    np.testing.assert_allclose(r_low, calibrated["beta_l"].to_numpy(), rtol=0, atol=TOL)  # formula = R's
    np.testing.assert_allclose(r_high, calibrated["beta_u"].to_numpy(), rtol=0, atol=TOL)
    # R has no interval only at 0 or 1 (or no df): there effipia gives Clopper–Pearson on n
    missing = j.filter(pl.col("beta_l").is_null())
    assert missing.filter(inner & (pl.col("degf") > 0)).is_empty()
    edge = missing.filter(~inner)
    assert edge.height > 0
    cp_low, cp_high = clopper_pearson(np.where(edge["est"] >= 1, edge["n"], 0.0), edge["n"])
    np.testing.assert_allclose(edge["py_kg_l"].to_numpy(), cp_low, rtol=0, atol=1e-15)
    np.testing.assert_allclose(edge["py_kg_u"].to_numpy(), cp_high, rtol=0, atol=1e-15)

    # logit: the delta-method form everywhere R gives one, the svyglm form where it converged
    xl = j.filter(pl.col("xlogit_l").is_not_null() & inner)
    assert xl.height > 300
    _close(xl["py_lg_l"], xl["xlogit_l"])
    _close(xl["py_lg_u"], xl["xlogit_u"])
    converged = j.filter(
        pl.col("logit_u").is_not_null() & inner & (pl.col("degf") >= 2)
        & ((pl.col("logit_est") - pl.col("est")).abs() < 1e-10)
    )
    assert converged.height > 250
    _close(converged["py_lg_l"], converged["logit_l"])
    _close(converged["py_lg_u"], converged["logit_u"])


def test_golden_intervals() -> None:
    check(pl.read_csv(DATA / "golden_r_intervals.csv", null_values="NA"))


@pytest.mark.rlang
def test_r_live(rscript: str, tmp_path: Path) -> None:
    out = tmp_path / "intervals.csv"
    subprocess.run(
        [rscript, str(Path(__file__).parent / "r" / "intervals.R"), str(DATA / "design.csv"), str(DATA / "invited.csv"), str(out)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    check(pl.read_csv(out, null_values="NA"))
