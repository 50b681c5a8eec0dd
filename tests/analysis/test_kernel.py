"""Kernel internals: the closed-form fast path against the general linearisation path."""

from __future__ import annotations

import numpy as np

from effipia.analysis.kernel import (
    answer_index,
    domain_mean_stats,
    domain_share_stats,
    domain_variance,
)


def _data(n: int = 500, seed: int = 7):
    rng = np.random.default_rng(seed)
    codes = rng.choice([1, 2, 3, 8, 9, -1], n)
    domain = rng.integers(-1, 6, n)  # -1: in no domain
    w = rng.uniform(0.2, 4.0, n)
    return codes, domain, w


def test_fast_path_equals_general_path() -> None:
    codes, domain, w = _data()
    valid = (codes != -1) & (codes != 9)
    fast = domain_share_stats(codes, domain, 6, [1, 2, 8], w, valid)
    # one PSU per unit is the same design as no cluster, but goes through the sparse path
    general = domain_share_stats(codes, domain, 6, [1, 2, 8], w, valid, cluster=np.arange(codes.size))
    np.testing.assert_allclose(fast.estimate, general.estimate, rtol=0, atol=1e-15)
    np.testing.assert_allclose(fast.se, general.se, rtol=0, atol=1e-12)
    # the base counts: valid units of each domain
    assert fast.n[:, 0].tolist() == [int(((domain == d) & valid).sum()) for d in range(6)]


def test_mean_is_a_share_of_an_indicator() -> None:
    codes, domain, w = _data()
    valid = codes != -1
    share = domain_share_stats(codes, domain, 6, [1], w, valid)
    mean = domain_mean_stats((codes == 1).astype(float), domain, 6, w, valid)
    np.testing.assert_allclose(share.estimate, mean.estimate, rtol=0, atol=1e-15)
    np.testing.assert_allclose(share.se, mean.se, rtol=0, atol=1e-12)
    var = domain_variance(np.zeros((codes.size, 2)), domain, 6)
    assert var.shape == (6, 2) and not var.any()


def test_answer_index_small_and_large_codes() -> None:
    assert answer_index(np.array([1, 9, -1, 4, 2]), [2, 1, 9]).tolist() == [1, 2, -1, -1, 0]
    # codes beyond the look-up table go through the sorted search
    assert answer_index(np.array([10_000, 5, -7]), [5, 10_000]).tolist() == [1, 0, -1]


def test_single_respondent_campaign() -> None:
    # one unit: the share is 100 % and its variance undefined (NaN), never an exception
    stats = domain_share_stats(np.array([1]), np.array([0]), 1, [1, 2])
    assert stats.estimate.tolist() == [[1.0, 0.0]]
    assert np.isnan(stats.se).all()


def test_register_se_under_poststratification_matches_brute_force() -> None:
    """Item-averaged register SE with post-stratified weights, against the GREG formula
    written out unit by unit: resid_i = z_i - w_i · mean_{cell(i)}(z / w), V = n/(n-1) Σ resid²."""
    from effipia.analysis.domains import Design, DomainSet
    from effipia.analysis.registers import _item_average_stats

    rng = np.random.default_rng(3)
    n, k = 300, 3
    y = rng.integers(0, 2, (n, k)).astype(float)
    valid = rng.random((n, k)) < 0.8
    cell = rng.integers(0, 4, n)
    dom = rng.integers(0, 3, n)
    w = np.array([2.0, 3.0, 1.5, 4.0])[cell]  # post-stratified: constant within a cell
    dset = DomainSet("campus", dom, ["ensemble"] * 3, ["a", "b", "c"])
    stats = _item_average_stats(y, valid, dset, Design(weights=w, calibration=(cell,)))
    for d in range(3):
        z = np.zeros(n)
        shares = []
        for j in range(k):
            sel = valid[:, j] & (dom == d)
            total = w[sel].sum()
            r = (w[sel] * y[sel, j]).sum() / total
            shares.append(r)
            z[sel] += w[sel] * (y[sel, j] - r) / total / k
        u = z / w
        resid = z - w * np.array([u[cell == c].mean() for c in range(4)])[cell]
        se = np.sqrt(n / (n - 1) * ((resid - resid.mean()) ** 2).sum())
        assert abs(stats.estimate[d, 0] - np.mean(shares)) < 1e-15
        assert abs(stats.se[d, 0] - se) < 1e-12


def test_poststratified_closed_form_equals_sparse_path() -> None:
    from effipia.analysis.kernel import answer_index, share_linearised

    codes, domain, w = _data(800, seed=11)
    cells = np.random.default_rng(5).integers(0, 7, codes.size)
    d0 = np.random.default_rng(6).uniform(0.5, 2.0, codes.size)  # weights before calibration
    valid = (codes != -1) & (codes != 9)
    answers = [1, 2, 8]
    fast = domain_share_stats(codes, domain, 6, answers, w, valid, calibration=[cells], design_weights=d0)
    base = valid & (domain >= 0)
    total_w = np.bincount(domain[base], weights=w[base], minlength=6)
    z = share_linearised(answer_index(codes, answers), domain, fast.estimate, total_w, w, base)
    var = domain_variance(z, domain, 6, weights=w, calibration=[cells], design_weights=d0)
    np.testing.assert_allclose(fast.se, np.sqrt(var), rtol=0, atol=1e-13)


def test_raked_quadratic_forms_equal_general_path() -> None:
    """Raking on 80 campus and 5 group margins: the closed form (pairs of margin levels for
    campus and cell domains, dense products for the group and ensemble domains, which meet
    more than 64 levels) against the general sparse GREG path (one PSU per unit)."""
    rng = np.random.default_rng(3)
    n = 3000
    campus = rng.integers(0, 80, n)
    group = rng.integers(0, 5, n)
    codes = rng.choice([1, 2, 3, 9, -1], n)
    valid = (codes != -1) & (codes != 9)
    w = rng.uniform(0.5, 3.0, n)
    margins = [campus, group]
    for domain, size in ((np.zeros(n, dtype=np.int64), 1), (group, 5), (campus, 80), (campus * 5 + group, 400)):
        fast = domain_share_stats(codes, domain, size, [1, 2, 3], w, valid, calibration=margins)
        general = domain_share_stats(codes, domain, size, [1, 2, 3], w, valid, calibration=margins, cluster=np.arange(n))
        np.testing.assert_allclose(fast.se, general.se, rtol=1e-9, atol=1e-13)
        # the mean of an indicator goes through domain_variance's raked quadratic forms
        mean = domain_mean_stats((codes == 2).astype(float), domain, size, w, valid, calibration=margins)
        np.testing.assert_allclose(mean.se[:, 0], general.se[:, 1], rtol=1e-9, atol=1e-13)
