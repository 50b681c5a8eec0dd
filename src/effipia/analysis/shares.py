"""Shares of answers per domain, as statistics-set rows.

:func:`share_rows` is the workhorse of the annex tables (Tableaux 3 to 8), the collaboration
split and every other « part des répondants » statistic: for each item it calls the kernel
once per domain set and lays the result out (:mod:`effipia.analysis.layout`), with the
minimum-count rule and secondary suppression applied (:func:`set_rows`,
:mod:`effipia.analysis.disclosure`).
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

from effipia.analysis.disclosure import DEFAULT_MIN_N, protect
from effipia.analysis.domains import Design, DomainSet, as_design, domain_sets
from effipia.analysis.intervals import DEFAULT_SHARE_METHOD, effective_size, share_interval, t_interval
from effipia.analysis.kernel import DomainStats, answer_index, domain_share_stats
from effipia.analysis.layout import DOMAIN_SETS, empty_rows

__all__ = ["BASES", "Z95", "share_rows", "stats_rows", "set_rows", "excluded_codes", "producers_rows", "restate_share_intervals"]

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


_LABELS: dict[tuple, tuple[tuple, dict[str, pl.Series]]] = {}


def _labels(dsets: Sequence[DomainSet], answers: Sequence[str | int | None]) -> dict[str, pl.Series]:
    """The label columns (answer, group, campus, domain) of rows over ``dsets``, built once
    per domain sets × answers and reused for every statistic × item (Polars Series are
    immutable: the same buffers go into every frame). Cached by object identity, the sets
    being held so that their ids cannot be reused."""
    labels = tuple(None if a is None else str(a) for a in answers)
    key = (tuple(id(d) for d in dsets), labels)
    hit = _LABELS.get(key)
    if hit is not None and all(x is y for x, y in zip(hit[0], dsets, strict=True)):
        return hit[1]
    k = len(labels)
    sizes = [d.size for d in dsets]
    total = sum(sizes)
    columns = {
        "answer": pl.Series("answer", labels, dtype=pl.String).gather(np.tile(np.arange(k), total)),
        "group": pl.concat([d.group_labels.gather(np.repeat(np.arange(d.size), k)) for d in dsets])
        if dsets else pl.Series("group", [], dtype=pl.String),
        "campus": pl.concat([d.campus_labels.gather(np.repeat(np.arange(d.size), k)) for d in dsets])
        if dsets else pl.Series("campus", [], dtype=pl.String),
        "domain": pl.Series("domain", [d.name for d in dsets], dtype=pl.String).gather(
            np.repeat(np.arange(len(dsets)), [s * k for s in sizes])
        ),
    }
    columns = {name: s.rechunk() for name, s in columns.items()}
    if len(_LABELS) >= 64:
        _LABELS.clear()
    _LABELS[key] = (tuple(dsets), columns)
    return columns


def _constant(name: str, value: str | None, height: int) -> pl.Series:
    """A text column of ``height`` copies of ``value`` (``pl.repeat(..., eager=True)`` runs a
    query per call, ~0,5 ms: 700 calls on the smallest campaign)."""
    return pl.Series(name, [value], dtype=pl.String).new_from_index(0, height)


def _frame(
    parts: Sequence[tuple[DomainStats, DomainSet, np.ndarray]],
    *,
    statistic: str,
    item: str,
    answers: Sequence[str | int | None],
    scale: float,
    unit: str,
    title: str | None,
    bounds: tuple[float, float] | None,
    ci: str = DEFAULT_SHARE_METHOD,
) -> pl.DataFrame:
    """Rows of one statistic × item over domain sets, built column-wise in one frame:
    ``parts`` = ``(stats, dset, suppressed per domain)`` in row order (values emptied where
    suppressed). Shares (``unit = "percent"`` with answer labels) get the ``ci`` interval
    (:func:`effipia.analysis.intervals.share_interval`), other statistics a Student
    interval on the design degrees of freedom clipped to ``bounds``."""
    k = len(answers)
    raw = np.concatenate([stats.estimate.ravel() for stats, _, _ in parts])
    raw_se = np.concatenate([stats.se.ravel() for stats, _, _ in parts])
    est, se = raw * scale, raw_se * scale
    n = np.concatenate([stats.n.ravel() for stats, _, _ in parts]).astype(np.int64)
    sup = np.concatenate([np.repeat(np.asarray(s, dtype=bool), k) for _, _, s in parts])
    df = np.concatenate([np.repeat(_df(stats), k) for stats, _, _ in parts])
    if unit == "percent" and all(a is not None for a in answers):
        # a share: the chosen interval on the 0-1 scale (Korn-Graubard by default), for the
        # published cells only (suppressed values are emptied anyway)
        live = ~sup
        low, high = np.full(n.shape, np.nan), np.full(n.shape, np.nan)
        if live.any():
            lo, hi = share_interval(ci, raw[live], raw_se[live], n[live], df[live])
            low[live], high[live] = lo * scale, hi * scale
        n_eff = effective_size(raw, raw_se, n)
    else:
        # a mean or a score: Student interval on the design degrees of freedom
        low, high = t_interval(est, se, df, bounds=bounds)
        n_eff = effective_size(est / 100.0, se / 100.0, n) if unit == "score" else np.full(n.shape, np.nan)
    labels = _labels([dset for _, dset, _ in parts], answers)

    def value(name: str, v: np.ndarray) -> pl.Series:
        return pl.Series(name, np.where(sup, np.nan, v), nan_to_null=True)

    height = n.shape[0]
    return pl.DataFrame(
        [
            _constant("statistic", statistic, height),
            _constant("item", item, height),
            labels["answer"],
            labels["group"],
            labels["campus"],
            value("estimate", est),
            pl.Series("n", n),
            value("ci_low", low),
            value("ci_high", high),
            pl.Series("suppressed", sup),
            value("se", se),
            _constant("unit", unit, height),
            labels["domain"],
            _constant("title", title, height),
            pl.Series("df", df, nan_to_null=True).cast(pl.Int64),
            value("n_eff", n_eff),
            _constant("precision", None, height),
            _constant("precision_reason", None, height),
        ]
    )


def _df(stats: DomainStats) -> np.ndarray:
    """Degrees of freedom per domain; ``n - 1`` (units as PSUs) when the kernel result
    carries none (a result built by hand)."""
    if stats.df is not None:
        return np.asarray(stats.df, dtype=np.float64)
    n = stats.n[:, 0].astype(np.float64) if stats.n.size else np.zeros(0)
    return np.where(n > 0, n - 1.0, np.nan)


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
    min_n: int = DEFAULT_MIN_N,
    bounds: tuple[float, float] | None = (0.0, 100.0),
    ci: str = DEFAULT_SHARE_METHOD,
) -> pl.DataFrame:
    """Rows of the statistics set from a kernel result over one domain set.

    ``answers`` labels the columns of ``stats`` (``None`` = not a share); estimates and SEs
    are multiplied by ``scale``; the 95 % interval of a share (``unit = "percent"``) is the
    ``ci`` method's (:data:`effipia.analysis.intervals.SHARE_METHODS`), that of any other
    statistic ``estimate ± t_df se`` on the design degrees of freedom (clipped to
    ``bounds``); cells with ``n < min_n`` are suppressed (values emptied). Secondary
    suppression across domain sets is :func:`set_rows`' job (or ``compute()``'s, last).
    """
    primary = stats.n[:, 0] < min_n if stats.n.size else np.zeros(0, dtype=bool)
    return _frame([(stats, dset, primary)], statistic=statistic, item=item, answers=answers, scale=scale,
                  unit=unit, title=title, bounds=bounds, ci=ci)


def set_rows(
    results: Sequence[tuple[DomainSet, DomainStats]],
    *,
    statistic: str,
    item: str,
    answers: Sequence[str | int | None],
    scale: float = 100.0,
    unit: str = "percent",
    title: str | None = None,
    min_n: int = DEFAULT_MIN_N,
    bounds: tuple[float, float] | None = (0.0, 100.0),
    ci: str = DEFAULT_SHARE_METHOD,
) -> pl.DataFrame:
    """Rows of one statistic × item over several domain sets, with disclosure control
    (intervals as in :func:`stats_rows`).

    Applies the minimum count, then secondary suppression across the domain hierarchy
    (:func:`effipia.analysis.disclosure.protect`) on the count arrays, before any row is
    built. Sets absent from ``results`` count as unpublished margins.
    """
    by_name = {dset.name: (dset, stats) for dset, stats in results}
    n_of = {name: stats.n[:, 0].astype(np.int64) if stats.n.size else np.zeros(0, dtype=np.int64)
            for name, (dset, stats) in by_name.items()}
    sup_of = {name: n < min_n for name, n in n_of.items()}
    cg = by_name.get("campus_group")
    if cg is not None and cg[0].pair_campus is not None:
        dset = cg[0]
        n_c = len(by_name["campus"][0].campuses) if "campus" in by_name else int(dset.pair_campus.max(initial=-1)) + 1
        n_g = len(by_name["group"][0].groups) if "group" in by_name else int(dset.pair_group.max(initial=-1)) + 1
        cell_n = np.zeros((n_c, n_g), dtype=np.int64)
        cell_sup = np.zeros((n_c, n_g), dtype=bool)
        cell_n[dset.pair_campus, dset.pair_group] = n_of["campus_group"]
        cell_sup[dset.pair_campus, dset.pair_group] = sup_of["campus_group"]
    else:
        n_c = len(by_name["campus"][0].campuses) if "campus" in by_name else 0
        n_g = len(by_name["group"][0].groups) if "group" in by_name else 0
        cell_n = np.zeros((n_c, n_g), dtype=np.int64)
        cell_sup = np.zeros((n_c, n_g), dtype=bool)

    def margin(name: str, size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if name in by_name:
            return n_of[name], sup_of[name].copy(), np.zeros(size, dtype=bool)
        return np.zeros(size, dtype=np.int64), np.ones(size, dtype=bool), np.ones(size, dtype=bool)

    n_e, s_e, a_e = margin("ensemble", 1)
    n_g_, s_g, a_g = margin("group", n_g)
    n_c_, s_c, a_c = margin("campus", n_c)
    s_e, s_g, s_c, cell_sup = protect(
        n_e, n_g_, n_c_, cell_n, s_e, s_g, s_c, cell_sup, has_cells=cg is not None, absent=(a_e, a_g, a_c)
    )
    final = {"ensemble": s_e, "group": s_g, "campus": s_c}
    if cg is not None and cg[0].pair_campus is not None:
        final["campus_group"] = cell_sup[cg[0].pair_campus, cg[0].pair_group]
    if not results:
        return empty_rows()
    parts = [(stats, dset, final.get(dset.name, sup_of[dset.name])) for dset, stats in results]
    return _frame(parts, statistic=statistic, item=item, answers=answers, scale=scale, unit=unit,
                  title=title, bounds=bounds, ci=ci)


def _codes(col: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    """An item column's answer codes as int64 (-1 where empty) and whether each is given, read
    through NumPy (``Series.is_not_null`` and ``fill_null`` each run a Polars query: two per
    item and statistic, ~1 ms each)."""
    values = col.cast(pl.Int64).to_numpy()
    if values.dtype.kind == "f":  # NumPy's view of an integer column with empty cells: NaN there
        given = ~np.isnan(values)
        return np.where(given, values, -1).astype(np.int64), given
    return values.astype(np.int64, copy=False), np.ones(values.shape[0], dtype=bool)


def share_rows(
    frame: pl.DataFrame,
    items: Sequence[str],
    *,
    statistic: str,
    answers: Sequence[int] | None = None,
    base: str | Sequence[int] = "all",
    domains: Sequence[str] = DOMAIN_SETS,
    weights: np.ndarray | Design | None = None,
    min_n: int = DEFAULT_MIN_N,
    title: str | None = None,
    where: pl.Expr | None = None,
    sets: Sequence[DomainSet] | None = None,
    ci: str = DEFAULT_SHARE_METHOD,
) -> pl.DataFrame:
    """Share (percent) of each answer code of each item among the base, per domain, with
    the ``ci`` interval (Korn–Graubard by default, :mod:`effipia.analysis.intervals`).

    ``frame``: response frame (codebook layout); ``items``: item columns (absent ones are
    skipped: block not collected); ``answers``: codes reported (default: every code met in
    the base, ascending); ``base``: see the module docstring; ``weights``: per-respondent
    weights or a :class:`Design`; ``where``: extra condition on the base (Polars
    expression); ``sets``: precomputed domain sets (else built from ``domains``).
    Returns statistics-set rows (``unit = "percent"``).
    """
    design = as_design(weights)
    dsets = list(sets) if sets is not None else domain_sets(frame, domains)
    excluded = excluded_codes(base)
    extra = np.ones(frame.height, dtype=bool) if where is None else frame.select(where.fill_null(False)).to_series().to_numpy()
    parts: list[pl.DataFrame] = []
    for item in items:
        if item not in frame.columns:
            continue
        codes, given = _codes(frame[item])
        valid = given & extra
        if excluded:
            valid &= ~np.isin(codes, excluded)
        item_answers = list(answers) if answers is not None else sorted(int(c) for c in np.unique(codes[valid]))
        if not item_answers:
            continue
        index = answer_index(codes, item_answers)  # the same for every domain set
        results = [
            (dset, domain_share_stats(codes, dset.index, dset.size, item_answers, valid=valid, index=index,
                                      **design.kernel_args()))
            for dset in dsets
        ]
        parts.append(set_rows(results, statistic=statistic, item=item, answers=item_answers, title=title, min_n=min_n, ci=ci))
    if not parts:
        return empty_rows()
    return pl.concat(parts)


def producers_rows(
    producers: Sequence,
    responses: pl.DataFrame,
    *,
    weights=None,
    design: Design | None = None,
    min_n: int = DEFAULT_MIN_N,
    sets: Sequence[DomainSet] | None = None,
) -> pl.DataFrame:
    """Rows of several producers ``f(responses, *, weights, min_n[, sets])`` concatenated,
    each given the same design (``design`` over ``weights``, :func:`as_design`), minimum count
    and precomputed domain sets (to the producers that accept ``sets``)."""
    import inspect

    chosen = as_design(weights, design)
    parts = []
    for produce in producers:
        kwargs = {"weights": chosen, "min_n": min_n}
        if "sets" in inspect.signature(produce).parameters:
            kwargs["sets"] = sets
        parts.append(produce(responses, **kwargs))
    return pl.concat(parts) if parts else empty_rows()


def restate_share_intervals(statistics: pl.DataFrame, ci: str) -> pl.DataFrame:
    """``statistics`` with the intervals of its kernel shares (``unit = "percent"`` rows with
    an ``n_eff``) recomputed by method ``ci`` from their ``estimate``, ``se``, ``n`` and
    ``df``: every share of the set gets the same method, whichever producer made it."""
    if statistics.is_empty():
        return statistics
    share = (pl.col("unit") == "percent") & pl.col("n_eff").is_not_null() & pl.col("estimate").is_not_null()
    mask = statistics.select(share.fill_null(False)).to_series().to_numpy()
    if not mask.any():
        return statistics
    part = statistics.filter(pl.Series(mask))

    def col(name: str) -> np.ndarray:
        return part[name].cast(pl.Float64).fill_null(np.nan).to_numpy()

    low, high = share_interval(ci, col("estimate") / 100.0, col("se") / 100.0, col("n"), col("df"))
    index = np.flatnonzero(mask)
    new_low = statistics["ci_low"].to_numpy().astype(np.float64, copy=True)
    new_high = statistics["ci_high"].to_numpy().astype(np.float64, copy=True)
    new_low[index], new_high[index] = low * 100.0, high * 100.0
    return statistics.with_columns(
        pl.Series("ci_low", new_low, nan_to_null=True), pl.Series("ci_high", new_high, nan_to_null=True)
    )
