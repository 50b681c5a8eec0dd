"""The kernel against R's ``survey`` package (4.1-1) and ``svy`` (0.35.0).

Reference values: ``data/golden_r_shares.csv`` and ``data/golden_r_shares_weights.csv``,
made by ``r/golden.R`` from ``data/design.csv`` (240 respondents, 6 campuses, 5 groups,
random weights, NA and missing answers) and ``data/invited.csv``. The golden files let a
machine without R check the kernel; ``test_r_live`` reruns R itself when Rscript is present.
The issue requires agreement to 1e-9.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from effipia.analysis.kernel import domain_share_stats
from effipia.analysis.weights import calibrate

DATA = Path(__file__).parent / "data"
TOL = 1e-9


def _design() -> pl.DataFrame:
    d = pl.read_csv(DATA / "design.csv")
    return d.with_columns((pl.col("campus") + ":" + pl.col("grp")).alias("cell"))


def _invitations() -> pl.DataFrame:
    inv = pl.read_csv(DATA / "invited.csv")
    return inv.select(
        pl.col("campus").alias("campus_id"), pl.col("grp").alias("category"), pl.col("invited")
    ).select(pl.exclude("invited").repeat_by(pl.col("invited")).explode())


def _codes(values: pl.Series) -> tuple[np.ndarray, list[str]]:
    labels = sorted(set(values.to_list()))
    pos = {v: i for i, v in enumerate(labels)}
    return np.array([pos[v] for v in values.to_list()], dtype=np.int64), labels


def _designs(d: pl.DataFrame) -> dict[str, dict]:
    """Kernel arguments of the five designs of ``r/golden.R``."""
    campus, _ = _codes(d["campus"])
    responses = d.select(pl.col("campus").alias("campus_id"), pl.col("grp").alias("category"))
    post = calibrate(responses, _invitations(), method="poststratification").design
    rake = calibrate(responses, _invitations(), method="raking").design
    return {
        "unweighted": dict(weights=None),
        "plain": dict(weights=d["w"].to_numpy()),
        "cluster": dict(weights=d["w"].to_numpy(), cluster=campus),
        "poststrat": dict(weights=post.weights, calibration=list(post.calibration)),
        "rake": dict(weights=rake.weights, calibration=list(rake.calibration)),
    }


def kernel_results(d: pl.DataFrame, designs: dict[str, dict]) -> pl.DataFrame:
    """Shares of answers 1 and 2 (NA excluded) by group, campus and cell under each design."""
    code = d["code"].fill_null(-1).to_numpy()
    valid = (code != -1) & (code != 9)
    rows = []
    for name, kwargs in designs.items():
        for by in ("grp", "campus", "cell"):
            dom, labels = _codes(d[by])
            stats = domain_share_stats(code, dom, len(labels), [1, 2], valid=valid, **kwargs)
            for i, label in enumerate(labels):
                for j, answer in enumerate(("1", "2")):
                    rows.append((name, by, label, answer, stats.estimate[i, j], stats.se[i, j]))
    return pl.DataFrame(rows, schema=["design", "by", "domain", "answer", "py_est", "py_se"], orient="row")


def compare(golden: pl.DataFrame, designs: dict[str, dict] | None = None) -> pl.DataFrame:
    """R's rows of the given designs (default: golden.R's five) joined to the kernel's."""
    d = _design()
    designs = designs if designs is not None else _designs(d)
    golden = golden.with_columns(pl.col("answer").cast(pl.String), pl.col("domain").cast(pl.String))
    golden = golden.filter(pl.col("design").is_in(list(designs)))
    joined = golden.join(kernel_results(d, designs), on=["design", "by", "domain", "answer"], how="left")
    assert joined["py_est"].null_count() == 0
    return joined


def test_golden_shares_and_ses() -> None:
    joined = compare(pl.read_csv(DATA / "golden_r_shares.csv"))
    # all five designs are present in the golden file, by group, campus and campus × group
    assert set(joined["design"]) == {"unweighted", "plain", "cluster", "poststrat", "rake"}
    assert set(joined.filter(pl.col("design") == "rake")["by"]) == {"grp", "campus", "cell"}
    np.testing.assert_allclose(joined["py_est"], joined["est"], rtol=0, atol=TOL)
    np.testing.assert_allclose(joined["py_se"], joined["se"], rtol=0, atol=TOL)


def test_calibrated_weights_match_r() -> None:
    golden = pl.read_csv(DATA / "golden_r_shares_weights.csv")
    d = _design()
    responses = d.select(pl.col("campus").alias("campus_id"), pl.col("grp").alias("category"))
    for method, name in (("poststratification", "poststrat"), ("raking", "rake")):
        ours = calibrate(responses, _invitations(), method=method).design.weights
        ref = golden.filter(pl.col("design") == name).sort("row")["weight"].to_numpy()
        np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-8)


def check_live_r(rscript: str, script: str, out: Path, designs: dict[str, dict] | None = None) -> None:
    """Run ``r/<script>`` on the design data and compare its output with the kernel to 1e-9."""
    subprocess.run(
        [rscript, str(Path(__file__).parent / "r" / script), str(DATA / "design.csv"), str(DATA / "invited.csv"), str(out)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    joined = compare(pl.read_csv(out), designs)
    np.testing.assert_allclose(joined["py_est"], joined["est"], rtol=0, atol=TOL)
    np.testing.assert_allclose(joined["py_se"], joined["se"], rtol=0, atol=TOL)


@pytest.mark.rlang
def test_r_live(rscript: str, tmp_path: Path) -> None:
    check_live_r(rscript, "golden.R", tmp_path / "shares.csv")


@pytest.mark.parametrize("method", ["raking", "poststratification"])
def test_svy_raked_and_poststratified_se(method: str) -> None:
    """svy's own Taylor SEs of the calibrated designs equal the kernel's (svy as oracle)."""
    import svy

    d = _design()
    code = d["code"].fill_null(-1).to_numpy()
    frame = d.select(
        pl.col("campus").alias("campus_id"),
        pl.col("grp").alias("category"),
        pl.lit(1.0).alias("one"),
        pl.Series("ok", (code != -1) & (code != 9)),
        pl.Series("a1", (code == 1).astype(float)),
    )
    inv = pl.read_csv(DATA / "invited.csv")
    sample = svy.Sample(frame, svy.Design(wgt="one"))
    group, labels = _codes(d["grp"])
    campus, _ = _codes(d["campus"])
    if method == "raking":
        margins = {
            "campus_id": dict(inv.group_by("campus").agg(pl.col("invited").sum()).iter_rows()),
            "category": dict(inv.group_by("grp").agg(pl.col("invited").sum()).iter_rows()),
        }
        calibrated = sample.weighting.rake(controls=margins, wgt_name="w_cal", tol=1e-13, max_iter=1000)
        calibration = [campus, group]
    else:
        cells = {(c, g): float(k) for c, g, k in inv.iter_rows()}
        calibrated = sample.weighting.poststratify(controls=cells, cells=["campus_id", "category"], wgt_name="w_cal")
        calibration = [campus * len(labels) + group]
    est = calibrated.estimation.mean("a1", by="category", where=pl.col("ok")).to_polars().sort("category")
    stats = domain_share_stats(
        code,
        group,
        len(labels),
        [1],
        calibrated.data["w_cal"].to_numpy(),
        (code != -1) & (code != 9),
        calibration=calibration,
    )
    assert est["category"].to_list() == labels
    np.testing.assert_allclose(stats.estimate[:, 0], est["est"], rtol=0, atol=TOL)
    np.testing.assert_allclose(stats.se[:, 0], est["se"], rtol=0, atol=TOL)
