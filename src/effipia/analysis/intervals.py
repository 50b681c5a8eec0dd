"""Confidence intervals of the statistics set, vectorised over every row at once.

Shares (proportions ``p`` on the 0–1 scale, with their linearisation SE, base count ``n``
and design degrees of freedom ``df``) get one of three intervals (:data:`SHARE_METHODS`):

* ``korn-graubard`` (default) — the Clopper–Pearson interval on the effective sample size
  ``n_eff = p(1-p)/SE²`` made smaller by the degrees-of-freedom factor
  ``(t_{n-1} / t_df)²`` (Korn & Graubard 1998), R's ``svyciprop(method = "beta")``:
  ``[qbeta(α/2, n* p, n*(1-p) + 1), qbeta(1-α/2, n* p + 1, n*(1-p))]``;
* ``logit`` — ``expit(logit p ± t_df · SE / (p(1-p)))``, R's ``svyciprop(method = "logit")``
  (an intercept-only quasi-binomial ``svyglm``, Wald interval on ``df``);
* ``wald`` — ``p ± z SE`` clipped to [0, 1] (the interval effipia printed before).

Where the share is 0 or 1 its linearisation variance is 0 and R gives no interval (``NA``);
the Korn–Graubard and logit methods then give the exact Clopper–Pearson interval on the
actual base ``n`` (``[0, 1 - (α/2)^{1/n}]`` at 0), as the NCHS standard prescribes (Parker
et al. 2017). Means and scores get a Student interval ``estimate ± t_df SE``
(:func:`t_interval`). Every function takes and returns NumPy arrays; ``NaN`` marks a bound
that cannot be computed (no SE, ``df`` ≤ 0 where the method needs it).
"""

from __future__ import annotations

import numpy as np

# scipy.special (0,2 s to import) is imported by the functions that use it: a command that
# computes no interval does not pay it.

__all__ = [
    "SHARE_METHODS",
    "DEFAULT_SHARE_METHOD",
    "LEVEL",
    "t_quantile",
    "clopper_pearson",
    "korn_graubard",
    "logit_interval",
    "wald_interval",
    "t_interval",
    "share_interval",
    "effective_size",
]

#: Interval methods for shares (``effipia compute --ci``).
SHARE_METHODS: tuple[str, ...] = ("korn-graubard", "logit", "wald")
DEFAULT_SHARE_METHOD = "korn-graubard"
#: Confidence level of every interval of the statistics set.
LEVEL = 0.95


def _arrays(*values):
    return np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in values))


def t_quantile(df, level: float = LEVEL) -> np.ndarray:
    """Two-sided Student quantile ``t_{df, 1-α/2}`` (``NaN`` where ``df`` ≤ 0 or missing);
    ``df = inf`` gives the normal quantile. Computed once per distinct ``df``."""
    from scipy import special

    df = np.asarray(df, dtype=np.float64)
    out = np.full(df.shape, np.nan)
    ok = df > 0
    if ok.any():
        values, inverse = np.unique(df[ok], return_inverse=True)
        q = np.where(np.isinf(values), special.ndtri(0.5 + level / 2), special.stdtrit(np.where(np.isinf(values), 1.0, values), 0.5 + level / 2))
        out[ok] = q[inverse]
    return out


def clopper_pearson(x, n, level: float = LEVEL) -> tuple[np.ndarray, np.ndarray]:
    """Exact binomial interval of ``x`` successes in ``n`` (real ``x``, ``n`` allowed: the
    Korn–Graubard interval is this on an effective count): ``[qbeta(α/2, x, n-x+1),
    qbeta(1-α/2, x+1, n-x)]``, with 0 (1) as the lower (upper) bound at ``x = 0`` (``x = n``)."""
    from scipy import special

    x, n = _arrays(x, n)
    alpha = 1.0 - level
    with np.errstate(invalid="ignore", divide="ignore"):
        low = np.where(x > 0, special.betaincinv(np.where(x > 0, x, 1.0), n - x + 1.0, alpha / 2), 0.0)
        high = np.where(x < n, special.betaincinv(x + 1.0, np.where(x < n, n - x, 1.0), 1.0 - alpha / 2), 1.0)
    bad = ~(n > 0) | ~np.isfinite(x) | ~np.isfinite(n)
    low[bad] = np.nan
    high[bad] = np.nan
    return low, high


def _beta_quantile(a: np.ndarray, b: np.ndarray, q: float) -> np.ndarray:
    """``qbeta(q, a, b)`` elementwise, computed once per distinct ``(a, b)`` pair (the beta
    inverse costs about 2 µs a call; unweighted shares repeat the same count and base over
    items and answers) and only where both are finite and positive (NaN elsewhere)."""
    from scipy import special

    out = np.full(a.shape, np.nan)
    ok = np.isfinite(a) & np.isfinite(b) & (a > 0) & (b > 0)
    if not ok.any():
        return out
    unique, inverse = np.unique(a[ok] + 1j * b[ok], return_inverse=True)  # (a, b) pairs, one sort
    out[ok] = special.betaincinv(unique.real, unique.imag, q)[inverse.ravel()]
    return out


def _boundary(p) -> tuple[np.ndarray, np.ndarray]:
    """Shares of exactly 0 or 1 (no unit of the base has, or lacks, the answer)."""
    return p <= 0.0, p >= 1.0


def effective_size(p, se, n, *, cap: bool = True) -> np.ndarray:
    """Effective sample size ``p(1-p)/SE²`` (NCHS: capped at the base ``n`` when ``cap``,
    and equal to ``n`` where ``p`` is 0 or 1); ``NaN`` without an SE."""
    p, se, n = _arrays(p, se, n)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = p * (1.0 - p) / (se * se)
    zero, one = _boundary(p)
    out = np.where(zero | one, n, out)
    return np.minimum(out, n) if cap else out  # np.minimum keeps NaN


def korn_graubard(p, se, n, df, level: float = LEVEL) -> tuple[np.ndarray, np.ndarray]:
    """Korn–Graubard interval of shares ``p`` (R's ``svyciprop(method = "beta")``).

    ``n``: the base (respondents of the domain in the percentage base), whose ``t_{n-1}``
    enters the degrees-of-freedom factor; ``df``: design degrees of freedom of the domain.
    At ``p`` = 0 or 1: Clopper–Pearson on ``n`` (R gives ``NA``).
    """
    p, se, n, df = _arrays(p, se, n, df)
    alpha = 1.0 - level
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = t_quantile(n - 1.0, level) / t_quantile(df, level)
        n_star = p * (1.0 - p) / (se * se) * ratio * ratio
        low = _beta_quantile(n_star * p, n_star * (1.0 - p) + 1.0, alpha / 2)
        high = _beta_quantile(n_star * p + 1.0, n_star * (1.0 - p), 1.0 - alpha / 2)
    zero, one = _boundary(p)
    edge = zero | one
    if edge.any():
        exact_low, exact_high = clopper_pearson(np.where(one, n, 0.0)[edge], n[edge], level)
        low[edge], high[edge] = exact_low, exact_high
    return low, high


def logit_interval(p, se, n, df, level: float = LEVEL) -> tuple[np.ndarray, np.ndarray]:
    """Logit interval ``expit(logit p ± t_df SE/(p(1-p)))`` (R's ``svyciprop(method =
    "logit")``); Clopper–Pearson on ``n`` at ``p`` = 0 or 1, where the logit is infinite."""
    from scipy import special

    p, se, n, df = _arrays(p, se, n, df)
    t = t_quantile(df, level)
    with np.errstate(invalid="ignore", divide="ignore"):
        centre = special.logit(p)
        half = t * se / (p * (1.0 - p))
        low, high = special.expit(centre - half), special.expit(centre + half)
    zero, one = _boundary(p)
    edge = zero | one
    if edge.any():
        exact_low, exact_high = clopper_pearson(np.where(one, n, 0.0)[edge], n[edge], level)
        low[edge], high[edge] = exact_low, exact_high
    return low, high


def wald_interval(p, se, level: float = LEVEL, bounds: tuple[float, float] | None = (0.0, 1.0)) -> tuple[np.ndarray, np.ndarray]:
    """``p ± z SE`` (normal quantile), clipped to ``bounds``."""
    from scipy import special

    p, se = _arrays(p, se)
    z = special.ndtri(0.5 + level / 2)
    low, high = p - z * se, p + z * se
    if bounds is not None:
        low, high = np.clip(low, *bounds), np.clip(high, *bounds)
    return low, high


def t_interval(estimate, se, df, level: float = LEVEL, bounds: tuple[float, float] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``estimate ± t_df SE`` (Student quantile on the design degrees of freedom; ``NaN``
    where ``df`` ≤ 0), clipped to ``bounds`` (0–100 for scores)."""
    estimate, se, df = _arrays(estimate, se, df)
    t = t_quantile(df, level)
    low, high = estimate - t * se, estimate + t * se
    if bounds is not None:
        low, high = np.clip(low, *bounds), np.clip(high, *bounds)
    return low, high


def share_interval(method: str, p, se, n, df, level: float = LEVEL) -> tuple[np.ndarray, np.ndarray]:
    """The interval of shares ``p`` (0–1) by ``method`` (one of :data:`SHARE_METHODS`)."""
    if method == "korn-graubard":
        return korn_graubard(p, se, n, df, level)
    if method == "logit":
        return logit_interval(p, se, n, df, level)
    if method == "wald":
        return wald_interval(p, se, level)
    raise ValueError(f"unknown interval method: {method}")
