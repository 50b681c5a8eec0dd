"""Shares of answers per domain, as statistics-set rows.

:func:`share_rows` is the workhorse of the annex tables (Tableaux 3 to 8), the collaboration
split and every other « part des répondants » statistic: for each item it calls the kernel
once per domain set and lays the result out (:mod:`effipia.analysis.layout`), with the
primary minimum-count rule applied (:mod:`effipia.analysis.disclosure`).
:func:`stats_rows` turns any kernel result into rows, for colleagues' statistics (means,
counts, scores).

Percentage bases (``base``): ``"all"`` = every respondent who answered the item (NA and
« ne sait pas » included, as Tableaux 3, 4, 6, 7); ``"exclude_na"`` = code 9 left out
(Tableau 5, the register rules); ``"exclude_na_dk"`` = codes 8 and 9 left out; or an explicit
list of excluded codes. Unanswered or routed-out items (empty cells) are never in the base.
A conditional base (Tableau 8: among those who know of the realisation) comes from the
routing itself (``real_pia_k`` is only asked when ``real_known_k`` = 1), or from ``where``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

from effipia.analysis.disclosure import apply_min_count
from effipia.analysis.domains import Design, DomainSet, domain_sets
from effipia.analysis.kernel import DomainStats, domain_share_stats
from effipia.analysis.layout import DOMAIN_SETS, conform_rows, empty_rows

__all__ = ["BASES", "Z95", "share_rows", "stats_rows", "excluded_codes"]

#: Two-sided 95 % normal quantile (scipy.stats.norm.ppf(0.975)).
Z95 = 1.959963984540054

#: Named percentage bases → codes left out of the base.
BASES: dict[str, tuple[int, ...]] = {"all": (), "exclude_na": (9,), "exclude_na_dk": (8, 9)}


def excluded_codes(base: str | Sequence[int]) -> tuple[int, ...]:
    """Codes left out of a percentage base given by name or as a list."""
    if isinstance(base, str):
        try:
            return BASES[base]
        except KeyError:
            raise ValueError(f"unknown base: {base}") from None
    return tuple(int(c) for c in base)


def stats_rows(
    stats: DomainStats,
    dset: DomainSet,
    *,
    statistic: str,
    item: str,
    answers: Sequence[str | int | None],
    scale: float = 100.0,
    unit: str = "percent",
    title: str | None = None,
    min_n: int = 5,
    bounds: tuple[float, float] | None = (0.0, 100.0),
) -> pl.DataFrame:
    """Rows of the statistics set from a kernel result over one domain set.

    ``answers`` labels the columns of ``stats`` (``None`` = not a share); estimates and SEs
    are multiplied by ``scale``; the 95 % interval is ``estimate ± 1.96 se`` (clipped to
    ``bounds``); cells with ``n < min_n`` are suppressed (values emptied).
    """
    n_dom, k = stats.estimate.shape
    est = (stats.estimate * scale).ravel()
    se = (stats.se * scale).ravel()
    low, high = est - Z95 * se, est + Z95 * se
    if bounds is not None:
        low, high = np.clip(low, *bounds), np.clip(high, *bounds)
    df = pl.DataFrame(
        {
            "statistic": [statistic] * (n_dom * k),
            "item": [item] * (n_dom * k),
            "answer": [None if a is None else str(a) for a in answers] * n_dom,
            "group": np.repeat(np.array(dset.groups, dtype=object), k).tolist(),
            "campus": np.repeat(np.array(dset.campuses, dtype=object), k).tolist(),
            "estimate": est,
            "n": stats.n.ravel().astype(np.int64),
            "ci_low": low,
            "ci_high": high,
            "se": se,
            "unit": [unit] * (n_dom * k),
            "domain": [dset.name] * (n_dom * k),
            "title": [title] * (n_dom * k),
        },
        schema_overrides={"answer": pl.String, "title": pl.String},
        strict=False,
    ).with_columns(pl.col(c).fill_nan(None) for c in ("estimate", "ci_low", "ci_high", "se"))
    return apply_min_count(conform_rows(df), min_n)


def share_rows(
    frame: pl.DataFrame,
    items: Sequence[str],
    *,
    statistic: str,
    answers: Sequence[int] | None = None,
    base: str | Sequence[int] = "all",
    domains: Sequence[str] = DOMAIN_SETS,
    weights: np.ndarray | Design | None = None,
    min_n: int = 5,
    title: str | None = None,
    where: pl.Expr | None = None,
    sets: Sequence[DomainSet] | None = None,
) -> pl.DataFrame:
    """Share (percent) of each answer code of each item among the base, per domain.

    ``frame``: response frame (codebook layout); ``items``: item columns (absent ones are
    skipped: block not collected); ``answers``: codes reported (default: every code met in
    the base, ascending); ``base``: see the module docstring; ``weights``: per-respondent
    weights or a :class:`Design`; ``where``: extra condition on the base (Polars
    expression); ``sets``: precomputed domain sets (else built from ``domains``).
    Returns statistics-set rows (``unit = "percent"``).
    """
    design = weights if isinstance(weights, Design) else Design(weights=weights)
    dsets = list(sets) if sets is not None else domain_sets(frame, domains)
    excluded = excluded_codes(base)
    extra = np.ones(frame.height, dtype=bool) if where is None else frame.select(where.fill_null(False)).to_series().to_numpy()
    parts: list[pl.DataFrame] = []
    for item in items:
        if item not in frame.columns:
            continue
        col = frame[item]
        valid = col.is_not_null().to_numpy() & extra
        codes = col.fill_null(-1).cast(pl.Int64).to_numpy()
        if excluded:
            valid &= ~np.isin(codes, excluded)
        item_answers = list(answers) if answers is not None else sorted(int(c) for c in np.unique(codes[valid]))
        if not item_answers:
            continue
        for dset in dsets:
            stats = domain_share_stats(codes, dset.index, dset.size, item_answers, valid=valid, **design.kernel_args())
            parts.append(
                stats_rows(stats, dset, statistic=statistic, item=item, answers=item_answers, title=title, min_n=min_n)
            )
    if not parts:
        return empty_rows()
    return pl.concat(parts)
