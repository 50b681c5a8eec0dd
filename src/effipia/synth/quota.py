"""Vectorised allocation primitives of the generator.

The synthetic campaign must reproduce published percentages within a point, which
independent draws cannot promise on a few hundred respondents. Answers are therefore
allocated by quota: the number of respondents giving each answer is fixed from the target
share (largest remainder), and *who* gives it is decided by ranking a latent score (campus
effect + respondent effect + noise). Marginals are exact; campus differences, correlations
between items and planted effects come from the latent scores.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "largest_remainder",
    "gumbel",
    "top_k",
    "ordinal",
    "allocate",
    "weighted_choice",
    "campus_table",
    "assign_within",
]


def largest_remainder(shares: np.ndarray | list[float], total: int) -> np.ndarray:
    """Integer counts summing to ``total`` proportional to ``shares`` (Hamilton's method).

    Shares need not sum to one (printed rows that sum to 99 or 101 are rescaled).
    """
    shares = np.asarray(shares, dtype=float)
    if total <= 0 or shares.sum() <= 0:
        return np.zeros(shares.shape, dtype=np.int64)
    exact = shares / shares.sum() * total
    counts = np.floor(exact).astype(np.int64)
    remainder = int(total - counts.sum())
    if remainder:
        # ties broken by position so the result is deterministic
        order = np.lexsort((np.arange(len(exact)), -(exact - counts)))
        counts[order[:remainder]] += 1
    return counts


def gumbel(rng: np.random.Generator, shape: int | tuple[int, ...]) -> np.ndarray:
    """Standard Gumbel noise: ``argmax(log w + G)`` samples proportionally to ``w``."""
    return -np.log(-np.log(rng.uniform(1e-300, 1.0, shape)))


def top_k(keys: np.ndarray, k: int, eligible: np.ndarray | None = None) -> np.ndarray:
    """Boolean mask of the ``k`` largest ``keys`` (among ``eligible`` rows when given)."""
    n = keys.shape[0]
    mask = np.zeros(n, dtype=bool)
    if eligible is None:
        candidates = np.arange(n)
    else:
        candidates = np.flatnonzero(eligible)
    k = min(int(k), candidates.size)
    if k <= 0:
        return mask
    if k == candidates.size:
        mask[candidates] = True
        return mask
    local = keys[candidates]
    chosen = np.argpartition(-local, k - 1)[:k]
    mask[candidates[chosen]] = True
    return mask


def ordinal(keys: np.ndarray, codes: list[int] | np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Give ``codes[0]`` to the ``counts[0]`` highest keys, ``codes[1]`` to the next, and so on.

    ``counts`` must sum to ``len(keys)``.
    """
    order = np.argsort(-keys, kind="stable")
    labels = np.empty(keys.shape[0], dtype=np.int64)
    labels[order] = np.repeat(np.asarray(codes, dtype=np.int64), counts)
    return labels


def allocate(scores: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Assign each row one of K categories with exactly ``counts[k]`` rows in category k.

    Greedy: categories are filled from the smallest to the largest quota, each taking the
    unassigned rows that score highest for it. ``scores`` is (rows, K); ``counts`` sums to
    at most the number of rows (rows left over get -1).
    """
    n, k_total = scores.shape
    labels = np.full(n, -1, dtype=np.int64)
    free = np.ones(n, dtype=bool)
    for k in np.argsort(counts, kind="stable"):
        chosen = top_k(scores[:, k], counts[k], free)
        labels[chosen] = k
        free &= ~chosen
    return labels


def weighted_choice(rng: np.random.Generator, options: np.ndarray, weights: np.ndarray, size: int) -> np.ndarray:
    """``size`` independent draws from ``options`` with probabilities proportional to ``weights``."""
    weights = np.asarray(weights, dtype=float)
    return options[rng.choice(len(options), size=size, p=weights / weights.sum())]


def campus_table(
    sizes: np.ndarray,
    totals: np.ndarray,
    log_seed: np.ndarray,
    rng: np.random.Generator | None = None,
    iterations: int = 100,
) -> np.ndarray:
    """Integer table (campuses × answers) with row sums ``sizes`` and column sums ``totals``.

    The table is the iterative proportional fit of ``exp(log_seed)`` to both margins, then
    rounded so that every cell is its fitted value's floor or ceiling where possible and both
    margins hold exactly. Cells are rounded up in order of their fractional part — with
    ``rng``, in a random order favouring large fractional parts (Gumbel keys), so that a
    campus is not rounded down on every item of a block. It fixes how many
    respondents of each campus give each answer: campus differences follow the planted
    effects rather than sampling noise, and the overall marginal stays exact.
    """
    sizes = np.asarray(sizes, dtype=float)
    totals = np.asarray(totals, dtype=float)
    fitted = np.exp(log_seed - log_seed.max(axis=1, keepdims=True)) * (sizes[:, None] > 0)
    for _ in range(iterations):
        rows = fitted.sum(axis=1, keepdims=True)
        fitted *= np.divide(sizes[:, None], rows, out=np.zeros_like(rows), where=rows > 0)
        cols = fitted.sum(axis=0, keepdims=True)
        fitted *= np.divide(totals[None, :], cols, out=np.zeros_like(cols), where=cols > 0)
    table = np.floor(fitted).astype(np.int64)
    row_left = sizes.astype(np.int64) - table.sum(axis=1)
    col_left = totals.astype(np.int64) - table.sum(axis=0)
    fraction = fitted - table
    priority = fraction.copy()
    if rng is not None:
        with np.errstate(divide="ignore"):
            priority = np.log(fraction) + gumbel(rng, fraction.shape)
    for flat in np.argsort(-priority, axis=None, kind="stable"):
        if fraction.flat[flat] <= 0:
            continue
        r, c = divmod(int(flat), table.shape[1])
        if row_left[r] > 0 and col_left[c] > 0:
            table[r, c] += 1
            row_left[r] -= 1
            col_left[c] -= 1
    # whatever greedy rounding left over is paired row by column (always completes)
    for r in np.flatnonzero(row_left > 0):
        while row_left[r] > 0:
            c = int(np.flatnonzero(col_left > 0)[0])
            step = min(row_left[r], col_left[c])
            table[r, c] += step
            row_left[r] -= step
            col_left[c] -= step
    return table


def assign_within(groups: np.ndarray, keys: np.ndarray, counts: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Give, inside each group g, ``codes[0]`` to its ``counts[g, 0]`` highest keys, then ``codes[1]``…

    ``groups`` holds each row's group index (0…G-1); ``counts`` is (G, K) with row g summing
    to the size of group g. Vectorised: one sort for all groups.
    """
    # one float sort instead of a two-key lexsort: group first, then key descending
    composite = groups * 3.0 - keys / (np.abs(keys).max(initial=0.0) + 1.0)
    order = np.argsort(composite, kind="stable")
    codes = np.asarray(codes, dtype=np.int64)
    if counts.sum(axis=1).tolist() != np.bincount(groups, minlength=counts.shape[0]).tolist():
        raise ValueError("each row of counts must sum to its group's size")
    labels = np.empty(groups.size, dtype=np.int64)
    # rows sorted by group then key: the labels are each group's codes repeated by its counts
    labels[order] = np.repeat(np.tile(codes, counts.shape[0]), counts.ravel())
    return labels
