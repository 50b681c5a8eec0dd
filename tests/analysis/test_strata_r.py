"""Campus as stratum under calibration, against R's ``survey`` (4.1-1).

With campus × group post-strata (or the campus raking margin) inside campus clusters, the
GREG residuals sum to zero within every campus, so ``svydesign(ids=~campus)`` +
``postStratify(~cell)`` has SE 0 in R itself (golden rows ``cluster_poststrat``: about
1e-17); the kernel refuses that design. The right design treats campuses as strata with
respondents as PSUs: ``svydesign(ids=~1, strata=~campus)`` + ``postStratify``/``rake``.
Reference values: ``data/golden_r_strata.csv`` made by ``r/strata.R`` from the same
``data/design.csv`` and ``data/invited.csv`` as ``test_kernel_r.py``; ``test_r_live`` reruns R.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest
from test_kernel_r import (
    DATA,
    TOL,
    _codes,
    _design,
    _invitations,
    check_live_r,
    compare,
)

from effipia.analysis import compute
from effipia.analysis.domains import Design
from effipia.analysis.kernel import domain_share_stats, nested_margins
from effipia.analysis.shares import share_rows
from effipia.analysis.weights import calibrate
from effipia.errors import EffipiaError, message


def _strata_designs() -> dict[str, dict]:
    """Kernel arguments of the three campus-as-stratum designs of ``r/strata.R``."""
    d = _design()
    campus, _ = _codes(d["campus"])
    responses = d.select(pl.col("campus").alias("campus_id"), pl.col("grp").alias("category"))
    post = calibrate(responses, _invitations(), method="poststratification", strata=True).design
    rake = calibrate(responses, _invitations(), method="raking", strata=True).design
    return {
        "strata_weighted": dict(weights=d["w"].to_numpy(), strata=campus),
        "strata_poststrat": post.kernel_args(),
        "strata_rake": rake.kernel_args(),
    }


def test_strata_designs_match_r_golden() -> None:
    joined = compare(pl.read_csv(DATA / "golden_r_strata.csv"), _strata_designs())
    assert set(joined["design"]) == {"strata_weighted", "strata_poststrat", "strata_rake"}
    assert joined.height == 3 * 2 * (5 + 6 + 29)  # designs × answers × (groups + campuses + cells)
    np.testing.assert_allclose(joined["py_est"], joined["est"], rtol=0, atol=TOL)
    np.testing.assert_allclose(joined["py_se"], joined["se"], rtol=0, atol=TOL)


def test_r_gives_zero_se_for_campus_clusters_with_cell_poststratification() -> None:
    """The degenerate design the kernel refuses: R's own SEs are zero to rounding."""
    golden = pl.read_csv(DATA / "golden_r_strata.csv").filter(pl.col("design") == "cluster_poststrat")
    assert golden.height == 80 and float(golden["se"].max()) < 1e-15
    strata = pl.read_csv(DATA / "golden_r_strata.csv").filter((pl.col("design") == "strata_poststrat") & (pl.col("by") == "grp"))
    assert float(strata["se"].min()) > 1e-2  # by group, the stratified design keeps a real variance


def test_nested_calibration_in_clusters_is_refused() -> None:
    d = _design()
    code = d["code"].fill_null(-1).to_numpy()
    campus, _ = _codes(d["campus"])
    group, labels = _codes(d["grp"])
    cells = campus * len(labels) + group
    assert nested_margins(campus, [cells])  # every campus × group cell lies in one campus
    assert nested_margins(campus, [campus, group])  # the campus raking margin too
    assert not nested_margins(np.arange(d.height), [cells])  # respondents as PSUs: not nested
    with pytest.raises(ValueError, match="nested"):
        domain_share_stats(code, group, len(labels), [1], np.ones(d.height), code >= 0, cluster=campus, calibration=[cells])


def test_compute_refuses_cluster_with_calibrated_weights(tiny: pl.DataFrame) -> None:
    invitations = tiny.select("campus_id", "category")
    with pytest.raises(EffipiaError) as err:
        compute(tiny, invitations=invitations, weights="calibrated", cluster=True)
    assert err.value.code == "analysis.cluster_calibrated"
    assert "--strata" in message("analysis.cluster_calibrated")
    with pytest.raises(EffipiaError) as err:
        compute(tiny, cluster=True, strata=True)
    assert err.value.code == "analysis.cluster_and_strata"
    with pytest.raises(EffipiaError) as err:
        calibrate(tiny, invitations, method="raking", cluster=True)  # the campus margin too
    assert err.value.code == "analysis.cluster_calibrated"
    # without calibration the campus cluster stays available
    clustered = compute(tiny, cluster=True, min_n=1, include=["tables"])
    assert clustered.height > 0


def test_share_rows_with_campus_strata(tiny: pl.DataFrame) -> None:
    """Unweighted, campus as stratum: dyn_1 = 1 share for the whole campaign, worked by hand.

    Base of dyn_1 (all codes): r1=1, r2=2, r3=9, r4=1, r6=1 (r5 empty) → R = 3/5 = 0.6,
    W = 5; z_i = (y_i - 0.6)/5 in the base, 0 for r5. Campus A (r1..r4): z = .08, -.12,
    -.12, .08 → mean -0.02, Σ(z - z̄)² = 2·.1² + 2·.1² = 0.04, factor 4/3 → 0.053333…;
    campus B (r5, z = 0) and C (r6 alone, certainty) contribute 0. SE = √0.053333 = 0.230940.
    """
    campus = np.array([0, 0, 0, 0, 1, 2])
    rows = share_rows(tiny, ["dyn_1"], statistic="t", answers=[1], domains=("ensemble",), weights=Design(strata=campus), min_n=1)
    assert rows["estimate"][0] == pytest.approx(60.0, abs=1e-12)
    assert rows["se"][0] == pytest.approx(100 * np.sqrt(0.04 * 4 / 3), abs=1e-12)


@pytest.mark.rlang
def test_r_live(rscript: str, tmp_path: Path) -> None:
    check_live_r(rscript, "strata.R", tmp_path / "strata.csv", _strata_designs())
