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


def _general_stratified(z: np.ndarray, domain: np.ndarray, n_domains: int, w: np.ndarray, calibration, strata) -> np.ndarray:
    """The general path of domain_variance with strata and raking: sparse GREG residuals
    ``z - W X B`` with ``B`` from R's 10 backfitting sweeps (kernel._Greg), per-stratum sums of
    squares (kernel._stratified_variance), as it ran before the closed form."""
    import scipy.sparse as sp

    n, k = z.shape
    inside = domain >= 0
    rows = np.repeat(np.arange(n)[inside], k)
    cols = (domain[inside][:, None] * k + np.arange(k)[None, :]).ravel()
    zs = sp.csr_matrix((z[inside].ravel(), (rows, cols)), shape=(n, n_domains * k))
    greg = kernel._Greg(zs, w, calibration, None, 10)
    return kernel._stratified_variance(zs, w, strata, greg).reshape(n_domains, k)


def _raked_case(case: int):
    rng = np.random.default_rng(5000 + case)
    n = int(rng.integers(60, 1500))
    n_strata = int(rng.integers(1, 15))
    strata = rng.integers(0, n_strata, n)
    if case % 5 == 0:
        strata[0] = n_strata  # a stratum of one unit (lonely PSU: no contribution)
    group = rng.integers(0, int(rng.integers(2, 6)), n)
    margins = [strata, group]  # campus and group margins (campus = stratum), as compute does
    if case % 3 == 1:
        margins = [group, rng.integers(0, 4, n)]  # margins crossing the strata
    if case % 3 == 2:
        margins = [strata, group, rng.integers(0, 3, n)]  # three margins
    n_domains = int(rng.integers(1, 25))
    domain = rng.integers(-1 if case % 4 == 0 else 0, n_domains, n)
    return rng, n, strata, margins, n_domains, domain, rng.uniform(0.2, 3.0, n)


@pytest.mark.parametrize("dense_above", [64, 1])
@pytest.mark.parametrize("case", range(18))
def test_raked_stratified_share_closed_form_equals_general_path(case: int, dense_above: int, monkeypatch) -> None:
    """Raking (2–3 margins) with strata: kernel._raked_stratified_share_variance against the
    general sparse GREG path; ``dense_above=1`` sends every domain through the dense branch."""
    monkeypatch.setattr(kernel._raked_strata_plan, "__defaults__", (dense_above,))
    monkeypatch.setattr(kernel, "_SHARE_PLANS", {})  # plans are cached per design: none from another dense_above
    rng, n, strata, margins, n_domains, domain, w = _raked_case(case)
    codes = rng.integers(-1, 6, n)
    valid = rng.random(n) > 0.15  # missing answers
    answers = [1, 2, 3, 5]
    got = kernel.domain_share_stats(codes, domain, n_domains, answers, w, valid, calibration=margins, strata=strata)
    base = valid & (w > 0) & (domain >= 0)
    total_w = np.bincount(domain[base], weights=w[base], minlength=n_domains)
    z = kernel.share_linearised(kernel.answer_index(codes, answers), domain, got.estimate, total_w, w, base)
    expected = np.sqrt(np.maximum(_general_stratified(z, domain, n_domains, w, margins, strata), 0.0))
    expected[got.n[:, 0] == 0] = np.nan
    np.testing.assert_allclose(got.se, expected, rtol=1e-9, atol=1e-13)


@pytest.mark.parametrize("dense_above", [64, 1])
@pytest.mark.parametrize("case", range(12))
def test_raked_stratified_domain_variance_equals_general_path(case: int, dense_above: int, monkeypatch) -> None:
    """The same closed form for any linearised values (register scores, means):
    domain_variance with strata and raking against the general path."""
    monkeypatch.setattr(kernel._raked_strata_plan, "__defaults__", (dense_above,))
    monkeypatch.setattr(kernel, "_SHARE_PLANS", {})  # plans are cached per design: none from another dense_above
    rng, n, strata, margins, n_domains, domain, w = _raked_case(case)
    k = int(rng.integers(1, 4))
    z = rng.normal(size=(n, k)) * (domain >= 0)[:, None]
    z[rng.random(n) < 0.2] = 0.0
    got = kernel.domain_variance(z, domain, n_domains, weights=w, calibration=margins, strata=strata)
    expected = _general_stratified(z, domain, n_domains, w, margins, strata)
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("case", range(10))
def test_domain_df_with_strata_counts_units_minus_strata_met(case: int) -> None:
    """domain_df with strata (from the cached (domain, stratum) pairs): units of the domain's
    base minus the strata they meet, counted here one domain at a time with Python sets
    (R: degf(subset(design, domain & base)))."""
    rng = np.random.default_rng(7000 + case)
    n = int(rng.integers(20, 800))
    n_domains = int(rng.integers(1, 15))
    domain = rng.integers(-1, n_domains, n)
    strata = rng.integers(0, int(rng.integers(1, 30)), n) * 7 + 3  # codes, not indices
    base = rng.random(n) > 0.3
    got = kernel.domain_df(domain, n_domains, base, strata=strata)
    for d in range(n_domains):
        units = (domain == d) & base
        expected = units.sum() - len(set(strata[units].tolist())) if units.any() else np.nan
        np.testing.assert_equal(got[d], expected)
