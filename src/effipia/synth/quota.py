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

__all__ = ["largest_remainder", "gumbel", "top_k", "ordinal", "allocate", "weighted_choice"]


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
