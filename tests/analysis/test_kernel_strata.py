"""The closed form of share variances with strata (kernel._stratified_share_variance) equals
the general path (share_linearised + domain_variance: sparse GREG residuals, per-stratum sums
of squares), on random designs: cells nested in the strata (campus × group in campus),
cells crossing them, no calibration, design weights, units in no domain. The general path
is itself checked against R's survey in test_strata_r.py."""

from __future__ import annotations

import numpy as np
import pytest

from effipia.analysis import kernel


@pytest.mark.parametrize("case", range(24))
def test_stratified_closed_form_equals_general_path(case: int) -> None:
    rng = np.random.default_rng(1000 + case)
    n = int(rng.integers(50, 2000))
    codes = rng.integers(-1, 6, n)
    n_domains = int(rng.integers(1, 20))
    domain = rng.integers(-1 if case % 4 == 0 else 0, n_domains, n)
    strata = rng.integers(0, int(rng.integers(1, 12)), n)
    cells = [strata * 3 + rng.integers(0, 3, n), rng.integers(0, 7, n), None][case % 3]
    calibration = None if cells is None else [cells]
    w = rng.uniform(0.2, 3.0, n)
    d0 = rng.uniform(0.5, 2.0, n) if calibration and case % 2 == 0 else None
    valid = rng.random(n) > 0.15
    answers = [1, 2, 3, 5]
    got = kernel.domain_share_stats(codes, domain, n_domains, answers, w, valid, calibration=calibration,
                                    strata=strata, design_weights=d0)
    base = valid & (w > 0) & (domain >= 0)
    total_w = np.bincount(domain[base], weights=w[base], minlength=n_domains)
    z = kernel.share_linearised(kernel.answer_index(codes, answers), domain, got.estimate, total_w, w, base)
    var = kernel.domain_variance(z, domain, n_domains, weights=w, calibration=calibration, strata=strata,
                                 design_weights=d0)
    expected = np.sqrt(np.maximum(var, 0.0))
    expected[got.n[:, 0] == 0] = np.nan
    np.testing.assert_allclose(got.se, expected, rtol=1e-9, atol=1e-13)
