"""Vectorised estimation kernel: domain shares, means and their linearisation SEs.

Every statistic of the statistics set is a ratio ``R_d = Σ_{i∈d} w_i y_i / Σ_{i∈d} w_i``
estimated in a domain ``d`` (ensemble, survey group, campus, campus × group) of a
with-replacement design whose sample is the whole response frame. Its Taylor
(linearisation) variance is the one R's ``survey`` gives for
``svyby(~y, ~domain, svydesign(ids=~1 or ~campus, weights=~w), svymean)``:

* linearised value of unit ``i`` for domain ``d``: ``z_i = 1{i∈d} w_i (y_i - R_d) / W_d``;
* PSU totals ``T_h = Σ_{i∈h} z_i`` (a PSU is a unit, or a campus when clustered);
* ``V = m/(m-1) Σ_h T_h²`` with ``m`` the number of PSUs of the whole design
  (units outside the domain or outside the base count, with ``z = 0``: domain estimation).

With calibrated weights (post-stratification on one set of cells, raking on several
margins) the linearised values are first replaced by their residuals from a weighted
regression on the calibration indicators (``z - w X B`` with ``B = (X'WX)⁻ X'z``), the
GREG linearisation that R's ``postStratify``/``calibrate`` variances use.

Public functions:

* :func:`domain_share_stats` — shares of answer codes of one item, one ``np.bincount`` pass
  over weights and squared weights (closed form) when neither cluster nor calibration is
  asked, bincounts over (domain, cell) pairs under post-stratification, the general sparse
  path otherwise; returns ``(n, share, se)`` arrays of shape ``(n_domains, len(answers))``.
* :func:`domain_mean_stats` — weighted mean of a numeric variable per domain.
* :func:`domain_variance` — the general variance of per-unit linearised values (used by the
  two above and by composite statistics such as per-item-averaged register scores).
* :func:`share_linearised` — per-unit linearised values of shares, for composite statistics.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import threading

import numpy as np


class _SparseOnUse:
    """``scipy.sparse``, imported on first use: only the calibrated and stratified
    variances need it, and a command that computes none should not pay its import."""

    def __getattr__(self, name: str):
        import scipy.sparse

        return getattr(scipy.sparse, name)


sp = _SparseOnUse()

__all__ = [
    "DomainStats",
    "domain_df",
    "domain_share_stats",
    "domain_mean_stats",
    "domain_variance",
    "share_linearised",
    "answer_index",
]


class DomainStats(NamedTuple):
    """Estimates per domain (rows) and answer or variable (columns)."""

    n: np.ndarray  #: unweighted number of respondents in the base
    estimate: np.ndarray  #: share (0–1) or mean; NaN when the base is empty
    se: np.ndarray  #: linearisation standard error; NaN when undefined
    #: design degrees of freedom of each domain's base, shape ``(n_domains,)`` (R's ``degf``
    #: of the domain's subset design: PSUs minus strata met by the base; NaN when empty)
    df: np.ndarray | None = None


def domain_df(
    domain: np.ndarray,
    n_domains: int,
    base: np.ndarray | None = None,
    *,
    cluster: np.ndarray | None = None,
    strata: np.ndarray | None = None,
    n_base: np.ndarray | None = None,
) -> np.ndarray:
    """Design degrees of freedom per domain: the number of PSUs with a unit of the domain's
    base minus the number of strata with one (R: ``degf(subset(design, domain & base))``).

    Units are the PSUs unless ``cluster`` (PSU code per unit) is given; ``strata``: stratum
    code per unit. Without either, ``n_base - 1`` (``n_base`` used when given). One bincount
    over (domain, PSU) or (domain, stratum) pairs, no per-domain loop. NaN for an empty base.
    """
    domain = np.asarray(domain, dtype=np.int64)
    inside = domain >= 0
    if base is not None:
        inside &= np.asarray(base, dtype=bool)
    if n_base is None or cluster is not None or strata is not None:
        n_base = np.bincount(domain[inside], minlength=n_domains)
    n_base = np.asarray(n_base, dtype=np.float64)

    def distinct(codes: np.ndarray) -> np.ndarray:
        codes = np.asarray(codes)
        if codes.dtype.kind in "iu" and codes.size and 0 <= codes.min() and codes.max() < 1 << 20:
            level = codes[inside].astype(np.int64)  # already small codes (campus index)
        else:
            level = np.unique(codes[inside], return_inverse=True)[1].astype(np.int64)
        m = int(level.max(initial=-1)) + 1
        if m == 0:
            return np.zeros(n_domains)
        pairs = np.bincount(domain[inside] * m + level.ravel(), minlength=n_domains * m).reshape(n_domains, m)
        return (pairs > 0).sum(axis=1).astype(np.float64)

    def distinct_strata(strata: np.ndarray) -> np.ndarray:
        """Strata met by each domain's base, from the (domain, stratum) pairs cached per
        design (the same arrays come back for every item): O(units + pairs) per call."""
        pair, pair_domain, _, _ = _pairs(domain, _strata_codes(strata)[0])
        met = np.bincount(pair[inside & (pair >= 0)], minlength=pair_domain.shape[0]) > 0
        return np.bincount(pair_domain, weights=met, minlength=n_domains)[:n_domains].astype(np.float64)

    psus = n_base if cluster is None else distinct(cluster)
    n_strata = np.minimum(n_base, 1.0) if strata is None else distinct_strata(strata)
    out = psus - n_strata
    out[n_base == 0] = np.nan
    return out


def answer_index(codes: np.ndarray, answers: Sequence[int] | np.ndarray) -> np.ndarray:
    """Position of each code in ``answers`` (``-1`` when absent or missing)."""
    answers = np.asarray(answers, dtype=np.int64)
    codes = np.asarray(codes, dtype=np.int64)
    if codes.size == 0:
        return np.zeros(0, dtype=np.int64)
    lo, hi = int(codes.min()), int(codes.max())
    if lo >= -1 and hi < 4096:  # answer codes are small integers: one table look-up
        table = np.full(max(hi, int(answers.max(initial=0))) + 2, -1, dtype=np.int64)
        ok = answers >= -1
        table[answers[ok] + 1] = np.flatnonzero(ok)
        return table[codes + 1]
    order = np.argsort(answers, kind="stable")
    sorted_answers = answers[order]
    pos = np.searchsorted(sorted_answers, codes)
    pos_clipped = np.minimum(pos, len(answers) - 1)
    found = (pos < len(answers)) & (sorted_answers[pos_clipped] == codes)
    return np.where(found, order[pos_clipped], -1)


def _prepare(domain: np.ndarray, weights: np.ndarray | None, valid: np.ndarray | None):
    domain = np.asarray(domain, dtype=np.int64)
    n_units = domain.shape[0]
    w = np.ones(n_units) if weights is None else np.asarray(weights, dtype=np.float64)
    base = domain >= 0
    if valid is not None:
        base &= np.asarray(valid, dtype=bool)
    if weights is not None:  # unit weights are all positive
        base &= w > 0
    return domain, w, base


def domain_share_stats(
    codes: np.ndarray,
    domain: np.ndarray,
    n_domains: int,
    answers: Sequence[int] | np.ndarray,
    weights: np.ndarray | None = None,
    valid: np.ndarray | None = None,
    *,
    cluster: np.ndarray | None = None,
    calibration: Sequence[np.ndarray] | None = None,
    design_weights: np.ndarray | None = None,
    strata: np.ndarray | None = None,
    index: np.ndarray | None = None,
) -> DomainStats:
    """Shares of each code of ``answers`` among the base, per domain.

    ``codes``: answer code per unit (int64; any value where not valid); ``domain``: domain
    index per unit in ``[0, n_domains)`` (``-1`` = in no domain); ``valid``: unit is in the
    percentage base (answered, and its answer not excluded). Codes in the base that are not
    in ``answers`` stay in the denominator. ``cluster``: PSU code per unit (campus), or
    ``None`` for units as PSUs; ``calibration``: per-unit integer level arrays, one per
    calibration margin (one = post-stratification cells, several = raking margins), and
    ``design_weights`` the weights before calibration (default 1); ``strata``: stratum code
    per unit (campus as stratum, units as PSUs), exclusive with ``cluster``; ``index``:
    :func:`answer_index` of ``codes`` when the caller already has it (one item over several
    domain sets). Returns ``DomainStats`` with arrays of shape ``(n_domains, len(answers))``.
    """
    closed = cluster is None and strata is None and not calibration
    k = len(answers)
    slots = k + 1  # slot 0: in the base with a code not reported
    size = n_domains * slots
    unweighted = weights is None
    scaled = _scaled_domain(domain, slots + 1) if closed else None
    if scaled is not None:
        return _closed_share_stats(codes, domain, n_domains, answers, weights, valid, index, scaled)
    idx = answer_index(codes, answers) if index is None else index
    domain, w, base = _prepare(domain, weights, valid)
    # units out of the base go to one extra bin (no compaction copies of the arrays)
    key = np.where(base, domain * slots + (idx + 1), size)

    def binned(weights: np.ndarray | None) -> np.ndarray:
        return np.bincount(key, weights=weights, minlength=size + 1)[:size].reshape(n_domains, slots)

    n_units = idx.shape[0]
    cnt = binned(None)
    w1 = cnt.astype(np.float64) if unweighted else binned(w)
    n_base = cnt.sum(axis=1)
    total_w = w1.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = w1[:, 1:] / total_w[:, None]
    n = np.repeat(n_base[:, None], k, axis=1)

    if closed:  # some unit in no domain (-1): the same closed form on the compacted key
        se = _closed_se(w1 if unweighted else binned(w * w), share, total_w, n_base, n_units)
        return DomainStats(n, share, se, domain_df(domain, n_domains, n_base=n_base))

    if cluster is None and strata is not None and (not calibration or len(calibration) == 1):
        var = _stratified_share_variance(key, slots, domain, n_domains, share, total_w, w, strata,
                                         calibration[0] if calibration else None, design_weights)
    elif cluster is None and strata is None and calibration is not None and len(calibration) == 1:
        var = _poststratified_share_variance(key, slots, domain, n_domains, share, total_w, w, calibration[0], design_weights)
    elif cluster is None and strata is None and calibration is not None and len(calibration) > 1:
        var = _raked_share_variance(key, slots, domain, n_domains, share, total_w, w, calibration)
    elif cluster is None and strata is not None and len(calibration) > 1:
        var = _raked_stratified_share_variance(key, slots, domain, n_domains, share, total_w, w, calibration, strata)
    else:
        z = share_linearised(idx, domain, share, total_w, w, base)
        var = domain_variance(
            z, domain, n_domains, weights=w, cluster=cluster, calibration=calibration, design_weights=design_weights, strata=strata
        )
    se = np.sqrt(np.maximum(var, 0.0))
    se[n_base == 0] = np.nan
    df = domain_df(domain, n_domains, base, cluster=cluster, strata=strata, n_base=n_base)
    return DomainStats(n, share, se, df)


def _closed_share_stats(codes, domain, n_domains, answers, weights, valid, index, scaled) -> DomainStats:
    """:func:`domain_share_stats` without cluster, strata nor calibration, every unit in a
    domain: the closed form from two ``np.bincount`` passes (weights and squared weights;
    one pass unweighted). The key ``domain * (slots + 1) + slot`` (slot ``slots`` = out of
    the base) is built in a per-thread buffer reused from item to item (no large temporary
    freshly mapped for each), the squared weights and the domain sizes are cached per array,
    and the base counts are the domain sizes minus the units out of the base."""
    k = len(answers)
    slots = k + 1
    stride = slots + 1
    n_units = scaled.shape[0]
    key = _workspace(n_units)
    if index is not None:
        np.add(index, 1, out=key)
    else:
        _slot_of_codes(codes, answers, key)
    w, w2, positive = (None, None, True) if weights is None else _weight_arrays(weights)
    outside = None if valid is None else ~np.asarray(valid, dtype=bool)
    if not positive:
        outside = (w <= 0) if outside is None else outside | (w <= 0)
    if outside is not None and outside.any():
        key[outside] = slots
    else:
        outside = None
    np.add(key, scaled, out=key)
    length = n_domains * stride

    def binned(weights: np.ndarray | None) -> np.ndarray:
        return np.bincount(key, weights=weights, minlength=length).reshape(n_domains, stride)

    if w is None:
        full = binned(None)
        n_base = full[:, :slots].sum(axis=1)
        w1 = full[:, :slots].astype(np.float64)
        w2_slots = w1
    else:
        full1, full2 = binned(w), binned(w2)
        w1, w2_slots = full1[:, :slots], full2[:, :slots]
        n_base = _domain_sizes(domain, scaled, n_domains)
        if outside is not None:
            n_base = n_base - np.bincount(scaled[outside] // stride, minlength=n_domains)
    total_w = w1.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = w1[:, 1:] / total_w[:, None]
    n = np.repeat(n_base[:, None], k, axis=1)
    se = _closed_se(w2_slots, share, total_w, n_base, n_units)
    return DomainStats(n, share, se, domain_df(domain, n_domains, n_base=n_base))


def _closed_se(w2: np.ndarray, share: np.ndarray, total_w: np.ndarray, n_base: np.ndarray, n_units: int) -> np.ndarray:
    """SE of shares from the squared-weight sums per (domain, slot) ``w2`` (slot 0: codes not
    reported): ``Σ_{i∈d} w_i² (y_i - R)²`` with ``y`` binary is ``S2_a (1 - 2R) + R² S2``."""
    ss = w2[:, 1:] * (1.0 - 2.0 * share) + share * share * w2.sum(axis=1)[:, None]
    factor = n_units / (n_units - 1.0) if n_units > 1 else np.nan  # one unit: no variance
    with np.errstate(invalid="ignore", divide="ignore"):
        var = factor * ss / (total_w[:, None] ** 2)
    se = np.sqrt(np.maximum(var, 0.0))
    se[n_base == 0] = np.nan
    return se


_WORKSPACE = threading.local()


def _workspace(n: int) -> np.ndarray:
    """An int64 buffer of ``n`` entries, reused by every call of this thread (allocating a
    fresh one per item maps new pages each time, which a fresh process pays in page faults)."""
    buf = getattr(_WORKSPACE, "key", None)
    if buf is None or buf.shape[0] < n:
        buf = _WORKSPACE.key = np.empty(n, dtype=np.int64)
    return buf[:n]


def _slot_of_codes(codes: np.ndarray, answers, out: np.ndarray) -> None:
    """``answer_index(codes, answers) + 1`` into ``out`` (one table gather when the codes are
    small integers: the table's last entry serves code ``-1``, by negative indexing)."""
    codes = np.asarray(codes)
    answers_arr = np.asarray(answers, dtype=np.int64)
    if codes.size and codes.dtype.kind in "iu":
        lo, hi = int(codes.min()), int(codes.max())
        if lo >= -1 and hi < 4096:
            table = np.zeros(max(hi, int(answers_arr.max(initial=0))) + 2, dtype=np.int64)
            ok = answers_arr >= 0
            table[answers_arr[ok]] = np.flatnonzero(ok) + 1
            if (answers_arr == -1).any():
                table[-1] = int(np.flatnonzero(answers_arr == -1)[-1]) + 1
            np.take(table, codes, out=out)
            return
    np.add(answer_index(codes, answers_arr), 1, out=out)


_WEIGHTS: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray, bool]] = {}


def _weight_arrays(weights) -> tuple[np.ndarray, np.ndarray, bool]:
    """``weights`` as float64, their squares and whether all are positive; cached by object
    identity like the domain arrays (the same weights come back for every item; weight
    arrays are never modified in place)."""
    hit = _WEIGHTS.get(id(weights))
    if hit is not None and hit[0] is weights:
        return hit[1], hit[2], hit[3]
    w = np.asarray(weights, dtype=np.float64)
    entry = (weights, w, w * w, bool((w > 0).all()))
    if len(_WEIGHTS) >= 16:
        _WEIGHTS.clear()
    _WEIGHTS[id(weights)] = entry
    return entry[1], entry[2], entry[3]


_SIZES: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}


def _domain_sizes(domain: np.ndarray, scaled: np.ndarray, n_domains: int) -> np.ndarray:
    """Units per domain (every unit in one), cached by the domain array's identity."""
    hit = _SIZES.get((id(domain), n_domains))
    if hit is not None and hit[0] is domain:
        return hit[1]
    sizes = np.bincount(np.asarray(domain, dtype=np.int64), minlength=n_domains)
    if len(_SIZES) >= 64:
        _SIZES.clear()
    _SIZES[(id(domain), n_domains)] = (domain, sizes)
    return sizes


_SCALED: dict[tuple[int, int], tuple[np.ndarray, np.ndarray | None]] = {}


def _scaled_domain(domain: np.ndarray, stride: int) -> np.ndarray | None:
    """``domain * stride``, or ``None`` when some unit is in no domain (``-1``). The same
    domain arrays come back for every item, so the product is cached by object identity
    (the array is held, so its id cannot be reused; domain arrays are never modified)."""
    hit = _SCALED.get((id(domain), stride))
    if hit is not None and hit[0] is domain:
        return hit[1]
    dom = np.asarray(domain, dtype=np.int64)
    scaled = dom * stride if dom.size and dom.min() >= 0 else None
    if len(_SCALED) >= 64:
        _SCALED.clear()
    _SCALED[(id(domain), stride)] = (domain, scaled)
    return scaled


_DIGESTS: dict[tuple[int, ...], tuple[tuple[np.ndarray, ...], str]] = {}


def _digest(*arrays: np.ndarray) -> str:
    """Content digest of design arrays, the key of the per-design caches below. The same
    array objects come back for every item of a campaign, so the digest is remembered by
    object identity (the arrays are held, so their ids cannot be reused; design arrays are
    never modified in place)."""
    import hashlib

    ids = tuple(id(a) for a in arrays)
    hit = _DIGESTS.get(ids)
    if hit is not None and all(x is y for x, y in zip(hit[0], arrays, strict=True)):
        return hit[1]
    digest = hashlib.blake2b(digest_size=16)
    for a in arrays:
        a = np.ascontiguousarray(a)
        digest.update(str((a.dtype, a.shape)).encode())
        digest.update(a.tobytes())
    if len(_DIGESTS) >= 64:
        _DIGESTS.clear()
    _DIGESTS[ids] = (arrays, digest.hexdigest())
    return _DIGESTS[ids][1]


_PAIRS: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, int]] = {}


def _pairs(domain: np.ndarray, cells: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Compressed (domain, cell) pair of every unit, the domain and cell of each pair, and
    the number of cells; cached per design (it does not depend on the item)."""
    key = _digest(domain, cells)
    if key not in _PAIRS:
        levels, cell = np.unique(cells, return_inverse=True)
        n_cells = len(levels)
        inside = domain >= 0
        code = np.where(inside, domain * n_cells + cell, -1)
        present, inverse = np.unique(code, return_inverse=True)
        offset = 1 if present.size and present[0] == -1 else 0
        pair = inverse.astype(np.int64) - offset  # -1: unit in no domain
        present = present[offset:]
        if len(_PAIRS) >= 16:
            _PAIRS.clear()
        _PAIRS[key] = (pair, present // n_cells, cell.astype(np.int64), n_cells)
    return _PAIRS[key]


def _poststratified_share_variance(
    key: np.ndarray,
    slots: int,
    domain: np.ndarray,
    n_domains: int,
    share: np.ndarray,
    total_w: np.ndarray,
    w: np.ndarray,
    cells: np.ndarray,
    design_weights: np.ndarray | None,
) -> np.ndarray:
    """Closed form of :func:`domain_variance` for shares under post-stratification (one
    partition into cells, no cluster), by bincounts over (domain, cell) pairs.

    With ``u = z / w`` and ``m_c = Σ_{i∈c} d_i u_i / Σ_{i∈c} d_i`` (``d`` = weights before
    calibration), the residuals ``z_i - w_i m_c`` give
    ``Σ resid² = Σ z² - 2 Σ_c m_c Σ_{i∈c} w_i z_i + Σ_c m_c² Σ_{i∈c} w_i²`` and
    ``Σ resid = - Σ_c m_c Σ_{i∈c} w_i``; only cells meeting the domain have ``m_c ≠ 0``.
    """
    n_units = w.shape[0]
    d0 = np.ones(n_units) if design_weights is None else np.asarray(design_weights, dtype=np.float64)
    pair, pair_domain, cell, n_cells = _pairs(domain, np.asarray(cells))
    n_pairs = pair_domain.shape[0]
    size = n_domains * slots
    in_base = key < size
    slot = np.where(in_base, key % slots, 0)
    pkey = np.where(in_base, pair * slots + slot, n_pairs * slots)
    k = slots - 1

    def by_pair(weights: np.ndarray) -> np.ndarray:
        return np.bincount(pkey, weights=weights, minlength=n_pairs * slots + 1)[:-1].reshape(n_pairs, slots)

    d_slot = by_pair(d0)
    w2_slot = by_pair(w * w)
    d_pair = d_slot.sum(axis=1)
    w2_pair = w2_slot.sum(axis=1)
    cell_d0 = np.bincount(cell, weights=d0, minlength=n_cells)
    cell_w1 = np.bincount(cell, weights=w, minlength=n_cells)
    cell_w2 = np.bincount(cell, weights=w * w, minlength=n_cells)
    # the cell of each pair: any unit of the pair gives it
    pair_cell = np.zeros(n_pairs, dtype=np.int64)
    has_pair = pair >= 0
    pair_cell[pair[has_pair]] = cell[has_pair]
    r = share[pair_domain]  # (P, K)
    with np.errstate(invalid="ignore", divide="ignore"):
        inv_w = 1.0 / total_w[pair_domain]
        s_du = (d_slot[:, 1:] - r * d_pair[:, None]) * inv_w[:, None]
        s_wz = (w2_slot[:, 1:] - r * w2_pair[:, None]) * inv_w[:, None]
        m = s_du / cell_d0[pair_cell][:, None]
    m = np.nan_to_num(m)
    s_wz = np.nan_to_num(s_wz)
    # Σ z² per domain, closed form as in the fast path
    w2_dom = np.bincount(key, weights=w * w, minlength=size + 1)[:size].reshape(n_domains, slots)
    zz = (w2_dom[:, 1:] * (1.0 - 2.0 * share) + share * share * w2_dom.sum(axis=1)[:, None]) / (total_w[:, None] ** 2)
    out = np.empty((n_domains, k))
    for a in range(k):
        cross = np.bincount(pair_domain, weights=m[:, a] * s_wz[:, a], minlength=n_domains)
        quad = np.bincount(pair_domain, weights=m[:, a] ** 2 * cell_w2[pair_cell], minlength=n_domains)
        tot = -np.bincount(pair_domain, weights=m[:, a] * cell_w1[pair_cell], minlength=n_domains)
        out[:, a] = zz[:, a] - 2.0 * cross + quad - tot * tot / n_units
    factor = n_units / (n_units - 1.0) if n_units > 1 else np.nan
    return factor * out


_STRATA: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}


def _strata_codes(strata: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Stratum index of each unit and units per stratum, cached by the array's identity (the
    same strata array comes back for every item; the cached index array, being the same
    object each time, keeps the digest caches of :func:`_pairs` hits)."""
    hit = _STRATA.get(id(strata))
    if hit is not None and hit[0] is strata:
        return hit[1], hit[2]
    _, stratum = np.unique(strata, return_inverse=True)
    stratum = stratum.astype(np.int64).ravel()
    n_h = np.bincount(stratum, minlength=int(stratum.max(initial=-1)) + 1).astype(np.float64)
    if len(_STRATA) >= 16:
        _STRATA.clear()
    _STRATA[id(strata)] = (strata, stratum, n_h)
    return stratum, n_h


def _stratified_share_variance(
    key: np.ndarray,
    slots: int,
    domain: np.ndarray,
    n_domains: int,
    share: np.ndarray,
    total_w: np.ndarray,
    w: np.ndarray,
    strata: np.ndarray,
    cells: np.ndarray | None,
    design_weights: np.ndarray | None,
) -> np.ndarray:
    """Closed form of :func:`domain_variance` for shares with strata (units as PSUs within
    them), unweighted or post-stratified on one partition ``cells``, by bincounts.

    Per stratum ``h``: ``f_h (Σ_{i∈h} r_i² - (Σ_{i∈h} r_i)² / n_h)`` with ``r = z - w m_c``
    (``m_c`` as in :func:`_poststratified_share_variance`, 0 without cells). Over the
    (domain, stratum) groups the domain meets, directly or through its cells:
    ``Σ_h r = Z_h - Σ_c m_c W1_{hc}`` and ``Σ_h r² = Z2_h - 2 Σ_c m_c S_{hc} + Σ_c m_c² W2_{hc}``,
    ``S_{hc} = Σ_{i∈h∩c} w_i z_i``; ``W1``, ``W2``: weights and squared weights of the
    (cell, stratum) pairs of the design (cached per design with the pairs).
    """
    n_units = w.shape[0]
    k = slots - 1
    size = n_domains * slots
    in_base = key < size
    slot = np.where(in_base, key % slots, 0)
    w2 = w * w
    stratum, n_h = _strata_codes(strata)
    n_strata = n_h.shape[0]
    f_h = np.where(n_h > 1, n_h / np.maximum(n_h - 1.0, 1.0), 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        inv_w = 1.0 / total_w

    def by(unit_group: np.ndarray, n_groups: int, weights: np.ndarray) -> np.ndarray:
        gkey = np.where(in_base & (unit_group >= 0), unit_group * slots + slot, n_groups * slots)
        return np.bincount(gkey, weights=weights, minlength=n_groups * slots + 1)[:-1].reshape(n_groups, slots)

    def centred(sums: np.ndarray, group_domain: np.ndarray) -> np.ndarray:
        """Σ w^p (y_a - R) / W per group and answer, from per-slot sums of w^p."""
        r = share[group_domain]
        with np.errstate(invalid="ignore"):
            return np.nan_to_num((sums[:, 1:] - r * sums.sum(axis=1)[:, None]) * inv_w[group_domain][:, None])

    if cells is None:
        pair, g_domain, _, _ = _pairs(domain, stratum)
        n_groups = g_domain.shape[0]
        g_stratum = np.zeros(n_groups, dtype=np.int64)
        g_stratum[pair[pair >= 0]] = stratum[pair >= 0]
        unit_group = pair
        cross = quad = lin = np.zeros((n_groups, k))
    else:
        d0 = np.ones(n_units) if design_weights is None else np.asarray(design_weights, dtype=np.float64)
        dc, dc_domain, cell, n_cells = _pairs(domain, np.asarray(cells))
        ch, ch_cell, _, _ = _pairs(cell, stratum)  # (cell, stratum) pairs of the design, sorted by cell
        n_dc, n_ch = dc_domain.shape[0], ch_cell.shape[0]
        ch_stratum = np.zeros(n_ch, dtype=np.int64)
        ch_stratum[ch] = stratum
        dc_cell = np.zeros(n_dc, dtype=np.int64)
        dc_cell[dc[dc >= 0]] = cell[dc >= 0]
        # triples (domain, cell, stratum): every stratum of every cell the domain meets
        per_cell = np.bincount(ch_cell, minlength=n_cells)
        first_ch = np.cumsum(per_cell) - per_cell
        reps = per_cell[dc_cell]
        t_dc = np.repeat(np.arange(n_dc), reps)
        t_ch = first_ch[dc_cell][t_dc] + (np.arange(t_dc.size) - np.repeat(np.cumsum(reps) - reps, reps))
        t_code = t_dc * n_ch + t_ch  # ascending
        unit_t = np.where(dc >= 0, np.searchsorted(t_code, np.maximum(dc, 0) * n_ch + ch), -1)
        g_codes, t_group = np.unique(dc_domain[t_dc] * n_strata + ch_stratum[t_ch], return_inverse=True)
        n_groups = g_codes.shape[0]
        g_domain, g_stratum = g_codes // n_strata, g_codes % n_strata
        unit_group = np.where(unit_t >= 0, t_group[np.maximum(unit_t, 0)], -1)
        with np.errstate(invalid="ignore", divide="ignore"):
            m = np.nan_to_num(centred(by(dc, n_dc, d0), dc_domain) / np.bincount(cell, weights=d0, minlength=n_cells)[dc_cell][:, None])
        s_t = centred(by(unit_t, t_code.shape[0], w2), dc_domain[t_dc])  # S_{hc}
        w1_ch = np.bincount(ch, weights=w, minlength=n_ch)
        w2_ch = np.bincount(ch, weights=w2, minlength=n_ch)
        m_t = m[t_dc]
        cross = np.stack([np.bincount(t_group, weights=m_t[:, a] * s_t[:, a], minlength=n_groups) for a in range(k)], axis=1)
        quad = np.stack([np.bincount(t_group, weights=m_t[:, a] ** 2 * w2_ch[t_ch], minlength=n_groups) for a in range(k)], axis=1)
        lin = np.stack([np.bincount(t_group, weights=m_t[:, a] * w1_ch[t_ch], minlength=n_groups) for a in range(k)], axis=1)
    z_h = centred(by(unit_group, n_groups, w), g_domain)
    sums2 = by(unit_group, n_groups, w2)
    r = share[g_domain]
    with np.errstate(invalid="ignore"):
        zz_h = np.nan_to_num((sums2[:, 1:] * (1.0 - 2.0 * r) + r * r * sums2.sum(axis=1)[:, None]) * (inv_w[g_domain] ** 2)[:, None])
    sum_r = z_h - lin
    sum_r2 = zz_h - 2.0 * cross + quad
    per_group = f_h[g_stratum][:, None] * (sum_r2 - sum_r * sum_r / n_h[g_stratum][:, None])
    return np.stack([np.bincount(g_domain, weights=per_group[:, a], minlength=n_domains) for a in range(k)], axis=1)


def _pair_sums(counts: np.ndarray, owner: np.ndarray, n_owners: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All ordered pairs of entries sharing an owner, entries sorted by owner: the first and
    second entry of each pair and its owner."""
    starts = np.cumsum(counts) - counts
    lc = counts[owner]
    first = np.repeat(np.arange(owner.size), lc)
    pair_start = np.repeat(np.cumsum(lc) - lc, lc)
    second = starts[owner][first] + (np.arange(first.size) - pair_start)
    return first, second, owner[first]


def _raked_share_variance(
    key: np.ndarray,
    slots: int,
    domain: np.ndarray,
    n_domains: int,
    share: np.ndarray,
    total_w: np.ndarray,
    w: np.ndarray,
    calibration: Sequence[np.ndarray],
    sweeps: int = 10,
    dense_above: int = 64,
) -> np.ndarray:
    """Closed form of :func:`domain_variance` for shares under raking (no cluster).

    ``X'u`` and ``X'wz`` of a domain are non-zero only on the margin levels its units meet;
    both come from bincounts over (domain, level) pairs (``u = z/w = (y - R)/W`` in the base).
    With ``α = Op X'u`` (:func:`_backfit_operator`) and the per-design ``Q = Op' X'W²X Op``,
    ``v = Op' X'w``: ``Σ r² = Σ z² - 2 ay' Op xu + xu' Q xu`` and ``Σ r = -v' xu``, summed
    over pairs of the domain's levels (dense products for domains meeting more than
    ``dense_above`` levels: group and ensemble).
    """
    n_units = w.shape[0]
    k = slots - 1
    _, q, op_t, v, direct = _raked_design(calibration, w, sweeps)
    size = n_domains * slots
    in_base = key < size
    slot = np.where(in_base, key % slots, 0)
    ent_dom, ent_lvl, ent_xu, ent_ay = [], [], [], []
    offset = 0
    for margin in calibration:
        pair, pair_domain, cell, n_cells = _pairs(domain, np.asarray(margin))
        n_pairs = pair_domain.shape[0]
        pkey = np.where(in_base & (pair >= 0), pair * slots + slot, n_pairs * slots)
        cnt = np.bincount(pkey, minlength=n_pairs * slots + 1)[:-1].reshape(n_pairs, slots).astype(np.float64)
        w2 = np.bincount(pkey, weights=w * w, minlength=n_pairs * slots + 1)[:-1].reshape(n_pairs, slots)
        pair_cell = np.zeros(n_pairs, dtype=np.int64)
        has = pair >= 0
        pair_cell[pair[has]] = cell[has]
        r = share[pair_domain]
        with np.errstate(invalid="ignore", divide="ignore"):
            inv = 1.0 / total_w[pair_domain]
            ent_xu.append(np.nan_to_num((cnt[:, 1:] - r * cnt.sum(axis=1)[:, None]) * inv[:, None]))
            ent_ay.append(np.nan_to_num((w2[:, 1:] - r * w2.sum(axis=1)[:, None]) * inv[:, None]))
        ent_dom.append(pair_domain)
        ent_lvl.append(offset + pair_cell)
        offset += n_cells
    dom = np.concatenate(ent_dom)
    order = np.argsort(dom, kind="stable")
    dom, lvl = dom[order], np.concatenate(ent_lvl)[order]
    xu, ay = np.concatenate(ent_xu)[order], np.concatenate(ent_ay)[order]
    counts = np.bincount(dom, minlength=n_domains)
    cross = np.zeros((n_domains, k))
    quad = np.zeros((n_domains, k))
    moved = np.zeros((n_domains, k))
    heavy = counts > dense_above
    heavy_domains = np.flatnonzero(heavy)
    if heavy_domains.size:
        # few domains meeting many levels: sweeps on X'u directly (cost ∝ non-zeros of X'X)
        column = np.full(n_domains, -1, dtype=np.int64)
        column[heavy_domains] = np.arange(heavy_domains.size)
        sel = heavy[dom]
        xu_h = np.zeros((q.shape[0], heavy_domains.size, k))
        ay_h = np.zeros((q.shape[0], heavy_domains.size, k))
        xu_h[lvl[sel], column[dom[sel]]] = xu[sel]  # (domain, level) pairs are unique
        ay_h[lvl[sel], column[dom[sel]]] = ay[sel]
        xu_h = xu_h.reshape(q.shape[0], -1)
        ay_h = ay_h.reshape(q.shape[0], -1)
        b = direct.coefficients(xu_h)
        quad[heavy_domains] = np.einsum("pj,pj->j", b, direct.g @ b).reshape(-1, k)
        cross[heavy_domains] = np.einsum("pj,pj->j", ay_h, b).reshape(-1, k)
        moved[heavy_domains] = (direct.a_sum @ b).reshape(-1, k)
    light = ~heavy[dom]
    if light.any():
        l_dom, l_lvl, l_xu, l_ay = dom[light], lvl[light], xu[light], ay[light]
        first, second, owner = _pair_sums(counts * ~heavy, l_dom, n_domains)
        q_pair = q[l_lvl[first], l_lvl[second]]
        o_pair = op_t[l_lvl[first], l_lvl[second]]
        for a in range(k):
            quad[:, a] += np.bincount(owner, weights=l_xu[first, a] * q_pair * l_xu[second, a], minlength=n_domains)
            cross[:, a] += np.bincount(owner, weights=l_xu[first, a] * o_pair * l_ay[second, a], minlength=n_domains)
            moved[:, a] += np.bincount(l_dom, weights=v[l_lvl] * l_xu[:, a], minlength=n_domains)
    w2_dom = np.bincount(key, weights=w * w, minlength=size + 1)[:size].reshape(n_domains, slots)
    with np.errstate(invalid="ignore", divide="ignore"):
        zz = (w2_dom[:, 1:] * (1.0 - 2.0 * share) + share * share * w2_dom.sum(axis=1)[:, None]) / (total_w[:, None] ** 2)
    factor = n_units / (n_units - 1.0) if n_units > 1 else np.nan
    return factor * (np.nan_to_num(zz) - 2.0 * cross + quad - moved * moved / n_units)


_RAKED_STRATA: dict[tuple, tuple] = {}


def _raked_strata_design(calibration: Sequence[np.ndarray], w: np.ndarray, strata: np.ndarray, sweeps: int):
    """Per design (cached) for raking with strata (units as PSUs within them): stratum index
    of each unit, ``c_h = f_h / n_h`` (``f_h = n_h/(n_h-1)``, 0 for a lonely unit), ``f`` and
    ``f w²`` per unit, ``Op'``, ``P = M Op`` and ``Q_s = Op' (X'FW²X - M'CM) Op`` with
    ``M = S'WX`` the stratum totals of the weighted calibration indicators."""
    stratum, n_h = _strata_codes(strata)
    key = (_digest(*calibration, w, stratum), sweeps)
    if key not in _RAKED_STRATA:
        x = sp.hstack([_indicator(np.asarray(c)) for c in calibration]).tocsr()
        op = _backfit_operator(calibration, x, sweeps)
        f_h = np.where(n_h > 1, n_h / np.maximum(n_h - 1.0, 1.0), 0.0)
        c_h = f_h / np.maximum(n_h, 1.0)
        f = f_h[stratum]
        wx = x.multiply(w[:, None]).tocsr()
        g_f = np.asarray((wx.T @ wx.multiply(f[:, None]).tocsr()).todense())
        s_ind = sp.csr_matrix((np.ones(stratum.shape[0]), (stratum, np.arange(stratum.shape[0]))),
                              shape=(n_h.shape[0], stratum.shape[0]))
        m = np.asarray((s_ind @ wx).todense())  # H × p
        q_s = op.T @ (g_f - m.T @ (c_h[:, None] * m)) @ op
        p_mat = m @ op
        xx = (x.T @ x).tocsr()
        counts = xx.diagonal().astype(np.float64)
        counts[counts == 0] = 1.0
        spans = np.cumsum([0] + [_indicator(np.asarray(c)).shape[1] for c in calibration])
        blocks = [(lo, hi, xx[lo:hi], counts[lo:hi, None]) for lo, hi in zip(spans[:-1], spans[1:], strict=True)]
        sparse = (sp.csr_matrix(g_f), sp.csr_matrix(m), blocks, sweeps)  # for direct sweeps (dense branch)
        if len(_RAKED_STRATA) >= 2:
            _RAKED_STRATA.clear()
        _RAKED_STRATA[key] = (stratum, c_h, f, f * w * w, np.ascontiguousarray(op.T), np.ascontiguousarray(p_mat), q_s, sparse, x, s_ind)
    return _RAKED_STRATA[key]


def _sweep_blocks(xu: np.ndarray, blocks, sweeps: int) -> np.ndarray:
    """:func:`_backfit` with the margins' row blocks of ``X'X`` sliced once (``B = Op X'u``
    without the dense ``Op``: cost ∝ the non-zeros of ``X'X``)."""
    alpha = np.zeros_like(xu)
    for _ in range(sweeps):
        for lo, hi, xx, counts in blocks:
            alpha[lo:hi] += (xu[lo:hi] - xx @ alpha) / counts
    return alpha


def _cross_pairs(first_owner: np.ndarray, second_owner: np.ndarray, n_owners: int) -> tuple[np.ndarray, np.ndarray]:
    """Every (entry of the first list, entry of the second list) pair sharing an owner, both
    lists sorted by owner: indices into each list."""
    counts2 = np.bincount(second_owner, minlength=n_owners)
    starts2 = np.cumsum(counts2) - counts2
    lc = counts2[first_owner]
    first = np.repeat(np.arange(first_owner.size), lc)
    pair_start = np.repeat(np.cumsum(lc) - lc, lc)
    second = starts2[first_owner][first] + (np.arange(first.size) - pair_start)
    return first, second


class _StrataPlan(NamedTuple):
    """Item-independent index structure of :func:`_raked_strata_apply` for given entries."""

    n_owners: int
    l_own: np.ndarray  #: owner of each level entry (sorted)
    s_own: np.ndarray  #: owner of each stratum entry (sorted)
    s_c: np.ndarray  #: ``c_h`` of each stratum entry
    heavy_owners: np.ndarray
    heavy_l: tuple[np.ndarray, np.ndarray, np.ndarray]  #: level entries of heavy owners: index, level, column
    heavy_s: tuple[np.ndarray, np.ndarray, np.ndarray]  #: stratum entries of heavy owners: index, stratum, column
    pairs: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]  #: level pairs: first, second, owner, Q_s, Op'
    cross: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  #: (stratum, level) pairs: stratum entry, level entry, owner, P


def _raked_strata_plan(n_owners: int, l_own, l_lvl, s_own, s_str, design, dense_above: int = 64) -> _StrataPlan:
    """Pairs of an owner's entries (level × level, stratum × level) with their matrix
    coefficients; owners meeting more than ``dense_above`` levels or strata (group and
    ensemble domains, few) go to dense products. Entries must be sorted by owner."""
    c_h, op_t, p_mat, q_s = design[1], design[4], design[5], design[6]
    l_counts = np.bincount(l_own, minlength=n_owners)
    s_counts = np.bincount(s_own, minlength=n_owners)
    heavy = (l_counts > dense_above) | (s_counts > dense_above)
    heavy_owners = np.flatnonzero(heavy)
    column = np.full(n_owners, -1, dtype=np.int64)
    column[heavy_owners] = np.arange(heavy_owners.size)
    hl = np.flatnonzero(heavy[l_own])
    hs = np.flatnonzero(heavy[s_own])
    ll = np.flatnonzero(~heavy[l_own])
    ls = np.flatnonzero(~heavy[s_own])
    first, second, owner = _pair_sums(l_counts * ~heavy, l_own[ll], n_owners)
    first, second = ll[first], ll[second]
    i_s, i_l = _cross_pairs(s_own[ls], l_own[ll], n_owners)
    i_s, i_l = ls[i_s], ll[i_l]
    return _StrataPlan(
        n_owners, l_own, s_own, c_h[s_str], heavy_owners,
        (hl, l_lvl[hl], column[l_own[hl]]), (hs, s_str[hs], column[s_own[hs]]),
        (first, second, owner, q_s[l_lvl[first], l_lvl[second]], op_t[l_lvl[first], l_lvl[second]]),
        (i_s, i_l, s_own[i_s], p_mat[s_str[i_s], l_lvl[i_l]]),
    )


def _raked_strata_apply(plan: _StrataPlan, design, l_xu, l_ay, s_z) -> np.ndarray:
    """``- Σ_h c_h Z_h² - 2 ay_f' Op xu + 2 (P xu)' C Z + xu' Q_s xu`` per owner (domain or
    column) and answer, from the non-zero entries of ``xu = X'u``, ``ay_f = X'(f w z)`` (per
    level entry) and of the stratum totals ``Z = S'z`` (per stratum entry), each
    ``(entries, k)``, in the order of the plan's entries."""
    c_h, q_s, (g_f, m_sp, blocks, sweeps) = design[1], design[6], design[7]
    n_owners, k = plan.n_owners, l_xu.shape[1]
    out = np.zeros((n_owners, k))
    cz = plan.s_c[:, None] * s_z
    for a in range(k):
        out[:, a] -= np.bincount(plan.s_own, weights=cz[:, a] * s_z[:, a], minlength=n_owners)
    if plan.heavy_owners.size:
        m = plan.heavy_owners.size
        p, n_strata = q_s.shape[0], c_h.shape[0]
        idx, lvl, col = plan.heavy_l
        xu_h = np.zeros((p, m, k))
        ay_h = np.zeros((p, m, k))
        xu_h[lvl, col] = l_xu[idx]  # (owner, level) entries are unique
        ay_h[lvl, col] = l_ay[idx]
        idx, st, col = plan.heavy_s
        cz_h = np.zeros((n_strata, m, k))
        cz_h[st, col] = cz[idx]
        xu_h, ay_h, cz_h = xu_h.reshape(p, -1), ay_h.reshape(p, -1), cz_h.reshape(n_strata, -1)
        b = _sweep_blocks(xu_h, blocks, sweeps)  # Op xu
        mb = m_sp @ b  # M Op xu = P xu
        quad = np.einsum("pj,pj->j", b, g_f @ b) - np.einsum("hj,hj->j", c_h[:, None] * mb, mb)  # xu' Q_s xu
        cross = np.einsum("pj,pj->j", ay_h, b)  # ay_f' Op xu
        moved = np.einsum("hj,hj->j", cz_h, mb)  # Z' C P xu
        out[plan.heavy_owners] += (quad - 2.0 * cross + 2.0 * moved).reshape(-1, k)
    first, second, owner, q_pair, o_pair = plan.pairs
    i_s, i_l, s_owner, p_pair = plan.cross
    if first.size:
        for a in range(k):
            xf = l_xu[first, a]
            out[:, a] += np.bincount(owner, weights=xf * (q_pair * l_xu[second, a] - 2.0 * o_pair * l_ay[second, a]),
                                     minlength=n_owners)
    if i_s.size:
        for a in range(k):
            out[:, a] += 2.0 * np.bincount(s_owner, weights=cz[i_s, a] * p_pair * l_xu[i_l, a], minlength=n_owners)
    return out


_SHARE_PLANS: dict[tuple, tuple] = {}


def _raked_strata_share_plan(domain: np.ndarray, n_domains: int, calibration: Sequence[np.ndarray], design, design_key):
    """Per (domain array, design), cached: the fine cell of each unit (its domain, stratum
    and level of every margin; -1 in no domain), the sparse maps from fine cells to the
    (domain, level) entries, (domain, stratum) entries and domains, and the plan of
    :func:`_raked_strata_apply` for those entries."""
    key = (_digest(domain), n_domains, design_key)
    if key in _SHARE_PLANS:
        return _SHARE_PLANS[key]
    stratum = design[0]
    inside = domain >= 0
    levels = [np.unique(np.asarray(c), return_inverse=True)[1].astype(np.int64).ravel() for c in calibration]
    n_levels = [int(lv.max(initial=-1)) + 1 for lv in levels]
    code = np.where(inside, domain, 0)
    for part in [stratum, *levels]:  # compress after each factor: no overflow
        code = np.unique(code * (int(part.max(initial=-1)) + 1) + part, return_inverse=True)[1].astype(np.int64).ravel()
    codes, first_unit = np.unique(np.where(inside, code, -1), return_index=True)
    has = codes >= 0
    codes, first_unit = codes[has], first_unit[has]
    n_fine = codes.shape[0]
    fine = np.full(domain.shape[0], -1, dtype=np.int64)
    fine[inside] = np.searchsorted(codes, code[inside])
    f_domain, f_stratum = domain[first_unit], stratum[first_unit]
    offsets = np.cumsum([0] + n_levels)
    f_level = [offsets[m] + levels[m][first_unit] for m in range(len(levels))]
    p = int(offsets[-1])
    # (domain, level) entries sorted by domain, then level
    l_code = np.concatenate([f_domain * p + lv for lv in f_level])
    l_codes, l_entry = np.unique(l_code, return_inverse=True)
    l_map = sp.csr_matrix((np.ones(l_code.shape[0]), (l_entry.ravel(), np.tile(np.arange(n_fine), len(levels)))),
                          shape=(l_codes.shape[0], n_fine))
    n_strata = int(stratum.max(initial=-1)) + 1
    s_codes, s_entry = np.unique(f_domain * n_strata + f_stratum, return_inverse=True)
    s_map = sp.csr_matrix((np.ones(n_fine), (s_entry.ravel(), np.arange(n_fine))), shape=(s_codes.shape[0], n_fine))
    d_map = sp.csr_matrix((np.ones(n_fine), (f_domain, np.arange(n_fine))), shape=(n_domains, n_fine))
    plan = _raked_strata_plan(n_domains, l_codes // p, l_codes % p, s_codes // n_strata, s_codes % n_strata, design)
    if len(_SHARE_PLANS) >= 16:
        _SHARE_PLANS.clear()
    _SHARE_PLANS[key] = (fine, n_fine, f_domain, l_map, s_map, d_map, plan)
    return _SHARE_PLANS[key]


def _raked_stratified_share_variance(
    key: np.ndarray,
    slots: int,
    domain: np.ndarray,
    n_domains: int,
    share: np.ndarray,
    total_w: np.ndarray,
    w: np.ndarray,
    calibration: Sequence[np.ndarray],
    strata: np.ndarray,
    sweeps: int = 10,
) -> np.ndarray:
    """Closed form of :func:`domain_variance` for shares under raking with strata (units as
    PSUs within them, no cluster), by bincounts over fine cells (domain × stratum × margin
    levels) mapped to (domain, level) and (domain, stratum) entries.

    With ``r = z - W X B``, ``B = Op X'u`` (:func:`_backfit_operator`), ``f_h = n_h/(n_h-1)``,
    ``c_h = f_h/n_h`` and ``M = S'WX``, the stratified variance
    ``Σ_h f_h (Σ_{i∈h} r_i² - (Σ_{i∈h} r_i)²/n_h)`` is
    ``Σ f z² - Σ_h c_h Z_h² - 2 ay_f' Op xu + 2 (M Op xu)' C Z + xu' Op'(X'FW²X - M'CM) Op xu``
    with ``xu = X'u``, ``ay_f = X'(f w z)`` and ``Z_h`` the stratum totals of ``z``: every
    per-item quantity is non-zero only on the levels and strata the domain meets
    (:func:`_raked_strata_apply`); the matrices and index structures are per design.
    """
    design_key = (_digest(*calibration, w, _strata_codes(strata)[0]), sweeps)
    design = _raked_strata_design(calibration, w, strata, sweeps)
    fw2 = design[3]
    fine, n_fine, f_domain, l_map, s_map, d_map, plan = _raked_strata_share_plan(domain, n_domains, calibration, design, design_key)
    size = n_domains * slots
    fkey = np.where(key < size, fine * slots + key % slots, n_fine * slots)  # out of the base: last bin

    def by_fine(weights: np.ndarray | None) -> np.ndarray:
        return np.bincount(fkey, weights=weights, minlength=n_fine * slots + 1)[:-1].reshape(n_fine, slots)

    r = share[f_domain]
    with np.errstate(invalid="ignore", divide="ignore"):
        inv_w = (1.0 / total_w)[f_domain][:, None]

    def centred(s: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            return np.nan_to_num((s[:, 1:] - r * s.sum(axis=1)[:, None]) * inv_w)

    cnt = by_fine(None).astype(np.float64)
    s_f = by_fine(fw2)
    xu = l_map @ centred(cnt)
    ay = l_map @ centred(s_f)
    z_h = s_map @ centred(by_fine(w))
    terms = _raked_strata_apply(plan, design, xu, ay, z_h)
    f2 = d_map @ s_f
    with np.errstate(invalid="ignore", divide="ignore"):
        zz = (f2[:, 1:] * (1.0 - 2.0 * share) + share * share * f2.sum(axis=1)[:, None]) / (total_w[:, None] ** 2)
    return np.nan_to_num(zz) + terms


def _raked_stratified_variance(zs, w: np.ndarray, calibration: Sequence[np.ndarray], strata: np.ndarray, sweeps: int) -> np.ndarray:
    """:func:`_raked_stratified_share_variance`'s closed form for any linearised values
    ``zs`` (n × J, sparse): ``xu``, ``ay_f`` and the stratum totals by sparse products, then
    the same sums over each column's entries (:func:`_raked_strata_apply`)."""
    design = _raked_strata_design(calibration, w, strata, sweeps)
    f, x, s_ind = design[2], design[8], design[9]
    n_cols = zs.shape[1]
    with np.errstate(invalid="ignore", divide="ignore"):
        inv_w = np.where(w > 0, 1.0 / np.where(w > 0, w, 1.0), 0.0)
    zs = sp.csr_matrix(zs)
    both = (zs.multiply(inv_w[:, None]) + 1j * zs.multiply((f * w)[:, None])).tocsr()
    c = (x.T @ both).tocsc()  # p × J complex: X'u + i X'(f w z), entries sorted by column
    c.sort_indices()
    c_own = np.repeat(np.arange(n_cols), np.diff(c.indptr))
    zh = (s_ind @ zs).tocsc()  # H × J stratum totals
    zh.sort_indices()
    z_own = np.repeat(np.arange(n_cols), np.diff(zh.indptr))
    plan = _raked_strata_plan(n_cols, c_own, c.indices.astype(np.int64), z_own, zh.indices.astype(np.int64), design)
    terms = _raked_strata_apply(plan, design, c.data.real[:, None], c.data.imag[:, None], zh.data[:, None])[:, 0]
    zz = np.asarray(zs.multiply(zs).T @ f).ravel()
    return zz + terms


def share_linearised(
    idx: np.ndarray,
    domain: np.ndarray,
    share: np.ndarray,
    total_w: np.ndarray,
    w: np.ndarray,
    base: np.ndarray,
) -> np.ndarray:
    """Per-unit linearised values ``w (y - R_d) / W_d`` of the shares of its own domain.

    ``idx``: answer position per unit (``-1`` = other code); ``share``: ``(n_domains, K)``;
    ``total_w``: weighted base per domain. Units outside the base get 0. Shape ``(n, K)``.
    """
    k = share.shape[1]
    d = np.where(base, domain, 0)
    y = (idx[:, None] == np.arange(k)[None, :]).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (w / total_w[d])[:, None] * (y - share[d])
    z[~base] = 0.0
    return np.nan_to_num(z, nan=0.0)


def domain_mean_stats(
    values: np.ndarray,
    domain: np.ndarray,
    n_domains: int,
    weights: np.ndarray | None = None,
    valid: np.ndarray | None = None,
    *,
    cluster: np.ndarray | None = None,
    calibration: Sequence[np.ndarray] | None = None,
    design_weights: np.ndarray | None = None,
    strata: np.ndarray | None = None,
) -> DomainStats:
    """Weighted mean of ``values`` per domain among valid units, with its SE.

    Same arguments as :func:`domain_share_stats`; ``values`` may be ``(n,)`` or ``(n, K)``
    (several variables sharing one base). Returns arrays of shape ``(n_domains, K)``.
    """
    domain, w, base = _prepare(domain, weights, valid)
    y = np.asarray(values, dtype=np.float64)
    if y.ndim == 1:
        y = y[:, None]
    y = np.where(base[:, None], y, 0.0)
    if np.isnan(y).any():
        raise ValueError("values must be finite inside the base")
    k = y.shape[1]
    db = domain[base]
    wb = w[base]
    total_w = np.bincount(db, weights=wb, minlength=n_domains)
    n_base = np.bincount(db, minlength=n_domains)
    num = np.column_stack([np.bincount(db, weights=wb * y[base, j], minlength=n_domains) for j in range(k)])
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = num / total_w[:, None]
    d = np.where(base, domain, 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (w / total_w[d])[:, None] * (y - mean[d])
    z[~base] = 0.0
    z = np.nan_to_num(z, nan=0.0)
    var = domain_variance(
        z, domain, n_domains, weights=w, cluster=cluster, calibration=calibration, design_weights=design_weights, strata=strata
    )
    se = np.sqrt(np.maximum(var, 0.0))
    se[n_base == 0] = np.nan
    df = domain_df(domain, n_domains, base, cluster=cluster, strata=strata, n_base=n_base)
    return DomainStats(np.repeat(n_base[:, None], k, axis=1), mean, se, df)


def _indicator(codes: np.ndarray) -> sp.csr_matrix:
    levels, inverse = np.unique(codes, return_inverse=True)
    n = codes.shape[0]
    return sp.csr_matrix((np.ones(n), (np.arange(n), inverse)), shape=(n, len(levels)))


def _backfit(xu, xx, counts: np.ndarray, spans: np.ndarray, sweeps: int) -> np.ndarray:
    """Coefficients of ``sweeps`` backfitting sweeps of ``u`` on the margins' indicators.

    ``xu = X'u`` (p × J), ``xx = X'X``; each step subtracts from the residual its plain mean
    within the levels of one margin, as ``survey::svyrecvar`` does for raked designs.
    """
    xu = xu.toarray() if sp.issparse(xu) else np.asarray(xu)
    alpha = np.zeros_like(xu)
    for _ in range(sweeps):
        for lo, hi in zip(spans[:-1], spans[1:], strict=True):
            resid = xu[lo:hi] - xx[lo:hi] @ alpha
            alpha[lo:hi] += resid / counts[lo:hi, None]
    return alpha


def nested_margins(cluster: np.ndarray, calibration: Sequence[np.ndarray]) -> bool:
    """Whether the levels of some calibration margin each lie inside one cluster (PSU), as
    campus × group cells or the campus margin lie inside campuses: the GREG residuals then
    sum to zero within every PSU."""
    _, psu = np.unique(np.asarray(cluster), return_inverse=True)
    n_psu = int(psu.max(initial=-1)) + 1
    for margin in calibration:
        _, level = np.unique(np.asarray(margin), return_inverse=True)
        pairs = np.unique(level.astype(np.int64) * n_psu + psu)
        if pairs.size == int(level.max(initial=-1)) + 1:
            return True
    return False


def _refuse_nested(cluster: np.ndarray, calibration: Sequence[np.ndarray]) -> None:
    if nested_margins(cluster, calibration):
        raise ValueError("calibration margin nested in the clusters: the between-cluster variance is zero by construction")


_OPERATORS: dict[tuple, np.ndarray] = {}


def _backfit_operator(calibration: Sequence[np.ndarray], x, sweeps: int) -> np.ndarray:
    """The linear map ``X'u ↦ α`` of :func:`_backfit` as a dense p × p matrix, cached per
    design (it does not depend on the statistic, only on the margins)."""
    key = (_digest(*calibration), sweeps)
    if key not in _OPERATORS:
        xx = (x.T @ x).tocsr()  # unweighted cross-tabulation of the margins (sparse blocks)
        counts = xx.diagonal().astype(np.float64)
        counts[counts == 0] = 1.0
        spans = np.cumsum([0] + [_indicator(np.asarray(c)).shape[1] for c in calibration])
        if len(_OPERATORS) >= 4:
            _OPERATORS.clear()
        _OPERATORS[key] = _backfit(np.eye(x.shape[1]), xx, counts, spans, sweeps)
    return _OPERATORS[key]


class _Greg:
    """GREG coefficients ``B`` of the linearised values ``zs`` (n × J, sparse) on the
    calibration indicators, column chunk by column chunk: ``resid = zs - w X B``.

    One partition (post-stratification): ``B = (X'DX)⁻¹ X'D u`` with ``u = z / w``, sparse.
    Several margins (raking): ``raking_sweeps`` backfitting sweeps of unweighted margin
    means as R's ``svyrecvar`` does (dense), or the exact projection when ``None``.
    """

    def __init__(self, zs, w: np.ndarray, calibration: Sequence[np.ndarray], design_weights, raking_sweeps):
        n_units = zs.shape[0]
        self.x = x = sp.hstack([_indicator(np.asarray(c)) for c in calibration]).tocsr()  # n × p
        self.wx = x.multiply(w[:, None]).tocsr()
        d0 = np.ones(n_units) if design_weights is None else np.asarray(design_weights, dtype=np.float64)
        self.raking = len(calibration) > 1 and raking_sweeps is not None
        if len(calibration) == 1:  # indicator columns of one partition: X'DX is diagonal
            diag = np.asarray(x.multiply(d0[:, None]).sum(axis=0)).ravel()
            self.h_inv = sp.diags(np.where(diag > 0, 1.0 / np.where(diag > 0, diag, 1.0), 0.0))
        elif not self.raking:
            self.h_inv = np.linalg.pinv((x.T @ x.multiply(d0[:, None])).toarray())  # (X'DX)⁻
        with np.errstate(invalid="ignore", divide="ignore"):
            inv_w = np.where(w > 0, 1.0 / np.where(w > 0, w, 1.0), 0.0)
        u = zs.multiply(inv_w[:, None]).tocsr()  # u = z / w
        self.max_chunk = zs.shape[1] or 1
        if self.raking:
            self.xu = (x.T @ u).tocsc()  # X'u, unweighted (R's raking sweeps)
            self.operator = _backfit_operator(calibration, x, raking_sweeps)
            self.max_chunk = max(1, 2**24 // max(1, x.shape[1]))  # dense B: keep it small
        else:
            self.xz = (x.T @ u.multiply(d0[:, None]).tocsr()).tocsc()  # X'D u

    def coefficients(self, start: int, stop: int):
        """``B`` for columns ``start:stop`` (sparse under post-stratification, else dense)."""
        if self.raking:
            return np.asarray((self.xu[:, start:stop].T @ self.operator.T).T)  # sparse X'u: cost p · nnz
        if sp.issparse(self.h_inv):
            return (self.h_inv @ self.xz[:, start:stop]).tocsc()
        return self.h_inv @ self.xz[:, start:stop].toarray()


def _stratified_variance(zs, w: np.ndarray, strata: np.ndarray, greg: _Greg | None) -> np.ndarray:
    """``Σ_h n_h/(n_h-1) Σ_{i∈h} (r_i - r̄_h)²`` per column of ``zs`` (n × J, sparse): units
    as PSUs within strata ``h``, ``r`` the GREG residuals when calibrated. A stratum of one
    unit contributes nothing (R: ``options(survey.lonely.psu = "certainty")``)."""
    n_units, n_cols = zs.shape
    s_ind = _indicator(np.asarray(strata)).T.tocsr()  # H × n
    n_h = np.asarray(s_ind.sum(axis=1)).ravel()
    f_h = np.where(n_h > 1, n_h / np.maximum(n_h - 1.0, 1.0), 0.0)
    out = np.empty(n_cols)
    chunk = max(1, 2**24 // max(1, n_units))  # residuals may be dense (raking): bounded chunks
    for start in range(0, n_cols, chunk):
        stop = min(start + chunk, n_cols)
        r = zs[:, start:stop]
        if greg is not None:
            b = greg.coefficients(start, stop)
            r = (r - greg.wx @ b).tocsr() if sp.issparse(b) else r.toarray() - greg.wx @ b
        sq = r.multiply(r) if sp.issparse(r) else r * r
        t = np.asarray((s_ind @ r).todense() if sp.issparse(r) else s_ind @ r)
        q = np.asarray((s_ind @ sq).todense() if sp.issparse(sq) else s_ind @ sq)
        out[start:stop] = f_h @ (q - t * t / n_h[:, None])
    return out


class _Sweeps(NamedTuple):
    """Backfitting sweeps applied to ``X'u`` directly (``B = Op X'u`` without ``Op``)."""

    xx: sp.csr_matrix  #: unweighted cross-tabulation of the margins
    counts: np.ndarray  #: units per level
    spans: np.ndarray  #: level ranges of the margins
    sweeps: int
    g: sp.csr_matrix  #: X'W²X
    a_sum: np.ndarray  #: X'w

    def coefficients(self, xu: np.ndarray) -> np.ndarray:
        return _backfit(xu, self.xx, self.counts, self.spans, self.sweeps)


_QUADRATIC: dict[tuple, tuple] = {}


def _raked_design(calibration: Sequence[np.ndarray], w: np.ndarray, sweeps: int):
    """Per design (cached): indicators ``X``, ``Q = Op' G Op`` with ``G = X'W²X`` and the
    backfitting operator ``Op`` (``B = Op X'u``), ``Op'``, ``v = Op' X'w``, and for direct
    sweeps (:class:`_Sweeps`) ``G``, ``X'w`` and the margins' cross-tabulation."""
    key = (_digest(*calibration, w), sweeps)
    if key not in _QUADRATIC:
        x = sp.hstack([_indicator(np.asarray(c)) for c in calibration]).tocsr()
        op = _backfit_operator(calibration, x, sweeps)
        wx = x.multiply(w[:, None]).tocsr()
        g = (wx.T @ wx).tocsr()
        q = op.T @ np.asarray(g @ op)
        v = op.T @ np.asarray(wx.sum(axis=0)).ravel()
        xx = (x.T @ x).tocsr()
        counts = xx.diagonal().astype(np.float64)
        counts[counts == 0] = 1.0
        spans = np.cumsum([0] + [_indicator(np.asarray(c)).shape[1] for c in calibration])
        sweeps_of = _Sweeps(xx, counts, spans, sweeps, g, np.asarray(wx.sum(axis=0)).ravel())
        if len(_QUADRATIC) >= 2:
            _QUADRATIC.clear()
        _QUADRATIC[key] = (x, q, np.ascontiguousarray(op.T), v, sweeps_of)
    return _QUADRATIC[key]


def _raked_terms(zs, w: np.ndarray, calibration: Sequence[np.ndarray], sweeps: int, dense_above: int = 64):
    """``Σ z w Xα``, ``Σ w² (Xα)²`` and ``Σ w Xα`` per column of ``zs`` under raking (units
    as PSUs), with ``α = Op X'u``: as quadratic forms ``xu' Q xu``, ``xu' Op' ay`` and
    ``v' xu`` over the few margin levels each column meets (a campus × group domain meets
    two), instead of a dense ``p × columns`` coefficient matrix. ``xu = X'(z/w)`` and
    ``ay = X'(wz)`` share one sparsity pattern: they are computed as the real and imaginary
    parts of one complex product. Columns meeting more than ``dense_above`` levels (group
    and ensemble domains, few) go through dense products."""
    x, q, op_t, v, _ = _raked_design(calibration, w, sweeps)
    with np.errstate(invalid="ignore", divide="ignore"):
        inv_w = np.where(w > 0, 1.0 / np.where(w > 0, w, 1.0), 0.0)
    both = zs.multiply(inv_w[:, None]) + 1j * zs.multiply(w[:, None])
    c = (x.T @ both.tocsr()).tocsc()  # p × J complex: X'u + i X'wz
    c.sort_indices()
    n_cols = c.shape[1]
    counts = np.diff(c.indptr)
    cross = np.zeros(n_cols)
    quad = np.zeros(n_cols)
    moved = np.zeros(n_cols)
    heavy = np.flatnonzero(counts > dense_above)
    light = counts <= dense_above
    if heavy.size:
        block = c[:, heavy].toarray()
        xu, ay = block.real, block.imag
        quad[heavy] = np.einsum("pj,pj->j", xu, q @ xu)
        cross[heavy] = np.einsum("pj,pj->j", ay, op_t.T @ xu)  # ay' Op xu
        moved[heavy] = v @ xu
    if not light.any() or c.nnz == 0:
        return cross, quad, moved
    # pairs of non-zeros within each light column
    keep = np.repeat(light, counts)
    rows = c.indices[keep]
    vals = c.data[keep]
    cols = np.repeat(np.arange(n_cols), counts)[keep]
    lc = counts[cols]  # non-zeros of the column of each entry
    starts = (np.cumsum(counts * light) - counts * light)[cols]  # first entry of its column
    first = np.repeat(np.arange(rows.size), lc)
    pair_start = np.repeat(np.cumsum(lc) - lc, lc)
    second = starts[first] + (np.arange(first.size) - pair_start)
    r1, r2 = rows[first], rows[second]
    u1, u2 = vals[first].real, vals[second].real
    pcol = cols[first]
    quad += np.bincount(pcol, weights=u1 * q[r1, r2] * u2, minlength=n_cols)
    cross += np.bincount(pcol, weights=u1 * op_t[r1, r2] * vals[second].imag, minlength=n_cols)
    moved += np.bincount(cols, weights=v[rows] * vals.real, minlength=n_cols)
    return cross, quad, moved


def domain_variance(
    z: np.ndarray,
    domain: np.ndarray,
    n_domains: int,
    *,
    weights: np.ndarray | None = None,
    cluster: np.ndarray | None = None,
    calibration: Sequence[np.ndarray] | None = None,
    design_weights: np.ndarray | None = None,
    strata: np.ndarray | None = None,
    raking_sweeps: int | None = 10,
    chunk: int = 4096,
) -> np.ndarray:
    """Variance of domain totals of per-unit linearised values ``z`` (shape ``(n, K)``).

    ``z[i, k]`` belongs to the domain of unit ``i`` (zero outside every base). The variance
    of column ``k`` of domain ``d`` is ``m/(m-1) Σ_h T_h²`` over the design's PSUs, after
    GREG residualisation on the calibration indicators when ``calibration`` is given: the
    regression of ``u = z / w`` on the indicators uses the weights before calibration
    (``design_weights``, default 1: respondents unweighted before calibration), as R's
    ``postStratify`` does. With several margins (raking), R's ``survey`` (``svyrecvar``) and
    ``svy`` centre ``u`` by ``raking_sweeps`` = 10 backfitting sweeps of unweighted margin
    means; the same sweeps are done here so that the three agree to rounding error
    (``raking_sweeps=None`` gives the exact projection instead; the two differ by about
    1e-4 relative on unbalanced margins). ``strata``: stratum code per unit, units being the
    PSUs within strata (``Σ_h n_h/(n_h-1) Σ_{i∈h} (r_i - r̄_h)²``, R's
    ``svydesign(ids=~1, strata=~campus)``); exclusive with ``cluster``. Returns
    ``(n_domains, K)``.

    Raises ``ValueError`` when ``cluster`` is given with a calibration margin nested in the
    clusters (each PSU inside one level): the GREG residuals then sum to zero in every PSU
    and the variance vanishes by construction (R gives 0 too); such a design must treat the
    clusters as strata.
    """
    domain = np.asarray(domain, dtype=np.int64)
    n_units, k = z.shape
    w = np.ones(n_units) if weights is None else np.asarray(weights, dtype=np.float64)
    inside = domain >= 0
    if strata is not None and cluster is not None:
        raise ValueError("strata and cluster together are not supported")
    if cluster is not None and calibration:
        _refuse_nested(np.asarray(cluster), calibration)
    if cluster is None and strata is None and not calibration:  # units are the PSUs: sums of squares by bincount
        d = np.where(inside, domain, n_domains)
        out = np.empty((n_domains, k))
        for j in range(k):
            zj = np.where(inside, z[:, j], 0.0)
            ss_j = np.bincount(d, weights=zj * zj, minlength=n_domains + 1)[:n_domains]
            tot_j = np.bincount(d, weights=zj, minlength=n_domains + 1)[:n_domains]
            out[:, j] = ss_j - tot_j * tot_j / n_units
        factor = n_units / (n_units - 1.0) if n_units > 1 else np.nan
        return factor * out
    rows = np.repeat(np.arange(n_units)[inside], k)
    cols = (domain[inside][:, None] * k + np.arange(k)[None, :]).ravel()
    zs = sp.csr_matrix((z[inside].ravel(), (rows, cols)), shape=(n_units, n_domains * k))
    if strata is not None and calibration and len(calibration) > 1 and raking_sweeps is not None:
        return _raked_stratified_variance(zs, w, calibration, strata, raking_sweeps).reshape(n_domains, k)
    if strata is not None:
        greg = _Greg(zs, w, calibration, design_weights, raking_sweeps) if calibration else None
        return _stratified_variance(zs, w, strata, greg).reshape(n_domains, k)

    if cluster is None:
        psu = None
        m = n_units
    else:
        psu = _indicator(np.asarray(cluster)).T.tocsr()  # m × n
        m = psu.shape[0]
    y_psu = zs if psu is None else (psu @ zs)
    ss = np.asarray(y_psu.multiply(y_psu).sum(axis=0)).ravel()
    totals = np.asarray(y_psu.sum(axis=0)).ravel()  # Σ_h T_h, zero unless raking moved it

    if calibration and psu is None and len(calibration) > 1 and raking_sweeps is not None:
        cross, quad, moved = _raked_terms(zs, w, calibration, raking_sweeps)
        ss += -2.0 * cross + quad
        totals -= moved
    elif calibration:
        greg = _Greg(zs, w, calibration, design_weights, raking_sweeps)
        a = greg.wx if psu is None else (psu @ greg.wx)  # PSU totals of w x
        g = (a.T @ a).tocsr()  # sparse: block structure of the indicators
        a_sum = np.asarray(a.sum(axis=0)).ravel()
        ay = (a.T @ y_psu).tocsc()
        n_cols = zs.shape[1]
        chunk = min(chunk, greg.max_chunk)
        for start in range(0, n_cols, chunk):
            stop = min(start + chunk, n_cols)
            b = greg.coefficients(start, stop)
            if sp.issparse(b):
                # post-stratification: B stays sparse (one coefficient per cell and column)
                cross = np.asarray(b.multiply(ay[:, start:stop]).sum(axis=0)).ravel()
                quad = np.asarray(b.multiply(g @ b).sum(axis=0)).ravel()
                totals[start:stop] -= b.T @ a_sum
            else:
                # dense B against sparse block matrices: cost ∝ their non-zeros, not p²
                cross = np.einsum("pj,pj->j", b, ay[:, start:stop].toarray())
                quad = np.einsum("pj,pj->j", b, g @ b)
                totals[start:stop] -= a_sum @ b
            ss[start:stop] += -2.0 * cross + quad
    ss -= totals * totals / m  # centre the PSU totals on their mean
    factor = m / (m - 1.0) if m > 1 else np.nan
    return (factor * ss).reshape(n_domains, k)
