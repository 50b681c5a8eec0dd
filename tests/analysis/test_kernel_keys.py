"""Kernel: the two bin layouts of the closed-form shares give the same bits.

When every unit is in a domain the kernel keys bins on a cached ``domain × (slots + 1)``
with one out-of-base slot per domain; otherwise on ``domain × slots`` with one shared
out-of-base bin. A unit in no domain (``-1``) and a unit of domain 0 out of the base are
the same unit for every statistic (not counted, but a unit of the design), so both layouts
must agree exactly, weighted or not.
"""

from __future__ import annotations

import numpy as np
import pytest

from effipia.analysis.kernel import answer_index, domain_share_stats


def _data(n: int = 400, seed: int = 11):
    rng = np.random.default_rng(seed)
    codes = rng.choice([1, 2, 3, 8, 9], n)
    domain = rng.integers(0, 5, n)
    w = rng.uniform(0.2, 4.0, n)
    return codes, domain, w


@pytest.mark.parametrize("weighted", [False, True])
def test_out_of_domain_equals_out_of_base(weighted: bool) -> None:
    codes, domain, w = _data()
    weights = w if weighted else None
    valid = codes != 9
    outside = np.zeros(codes.size, dtype=bool)
    outside[::7] = True  # every 7th unit in no domain
    # layout 1 (a -1 in the domain array): the general key
    general = domain_share_stats(codes, np.where(outside, -1, domain), 5, [1, 2, 8], weights, valid)
    # layout 2 (every unit in a domain, those units out of the base): the cached key
    moved = np.where(outside, 0, domain)
    cached = domain_share_stats(codes, moved, 5, [1, 2, 8], weights, valid & ~outside)
    for a, b in zip(general, cached, strict=True):
        assert a.tobytes() == b.tobytes()
    # and the count of domain 0 is its valid units, by hand
    assert cached.n[0, 0] == int(((moved == 0) & valid & ~outside).sum())


def test_cached_key_follows_the_domain_array() -> None:
    """Two domain arrays of the same shape met in turn: each call uses its own."""
    codes, domain, _ = _data()
    other = (domain + 1) % 5
    first = domain_share_stats(codes, domain, 5, [1, 2])
    second = domain_share_stats(codes, other, 5, [1, 2])
    # relabelling domains permutes the rows: domain d of `other` is domain d-1 of `domain`
    assert np.array_equal(second.estimate, np.roll(first.estimate, 1, axis=0), equal_nan=True)
    assert np.array_equal(domain_share_stats(codes, domain, 5, [1, 2]).n, first.n)


def test_given_index_is_used() -> None:
    codes, domain, _ = _data()
    plain = domain_share_stats(codes, domain, 5, [1, 2, 3])
    given = domain_share_stats(codes, domain, 5, [1, 2, 3], index=answer_index(codes, [1, 2, 3]))
    assert plain.estimate.tobytes() == given.estimate.tobytes()
    # an index saying nobody gave a reported code: every share is 0 where the base is not empty
    none = domain_share_stats(codes, domain, 5, [1, 2, 3], index=np.full(codes.size, -1))
    assert np.all(none.estimate == 0.0)
