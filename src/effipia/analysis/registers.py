"""The five registers of partnership quality as 0–100 scores (report section 6.3).

Rules are declarative (``data/analysis/scoring.toml``, see :class:`RegisterRule`); this
module applies them:

* :func:`load_rules` — the shipped rules, or a user's file;
* :func:`item_values` — per respondent and item, 1 when the answer is in the rule's index
  (positive or negative codes), 0 otherwise, null when out of the base;
* :func:`register_rows` — the register scores per domain with their SEs, as statistics-set
  rows (``statistic = "register"``, ``item`` = register name, ``unit = "score"``);
* :func:`table_score` — the score a rule gives from a published distribution (the annex
  tables), for the comparison in ``docs/scoring.md``.

Per-respondent scores are in :mod:`effipia.analysis.scores` (never in the statistics set).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import numpy as np
import polars as pl

from effipia.analysis.domains import Design, DomainSet, domain_sets
from effipia.analysis.kernel import DomainStats, domain_mean_stats, domain_variance
from effipia.analysis.layout import DOMAIN_SETS, empty_rows
from effipia.analysis.shares import set_rows
from effipia.errors import EffipiaError

__all__ = ["RegisterRule", "load_rules", "item_values", "register_rows", "table_score"]


@dataclass(frozen=True)
class RegisterRule:
    """How one register is scored (one table of ``scoring.toml``)."""

    name: str
    title: str
    items: tuple[str, ...]
    positive: tuple[int, ...]
    negative: tuple[int, ...]
    excluded: tuple[int, ...]
    index: str = "positive"  # "positive" | "negative"
    average: str = "item"  # "item" | "respondent"

    @property
    def index_codes(self) -> tuple[int, ...]:
        return self.positive if self.index == "positive" else self.negative


def load_rules(path: str | Path | None = None) -> dict[str, RegisterRule]:
    """Scoring rules by register name, from ``path`` or the shipped ``scoring.toml``."""
    if path is None:
        text = (files("effipia") / "data" / "analysis" / "scoring.toml").read_text(encoding="utf-8")
    else:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except FileNotFoundError:
            raise EffipiaError("generic.file_not_found", path=str(path)) from None
    try:
        raw = tomllib.loads(text)["registers"]
    except (tomllib.TOMLDecodeError, KeyError) as exc:
        raise EffipiaError("analysis.bad_scoring_file", path=str(path), detail=str(exc)) from None
    rules = {}
    for name, spec in raw.items():
        try:
            rule = RegisterRule(
                name=name,
                title=str(spec["title"]),
                items=tuple(spec["items"]),
                positive=tuple(int(c) for c in spec["positive"]),
                negative=tuple(int(c) for c in spec["negative"]),
                excluded=tuple(int(c) for c in spec.get("excluded", ())),
                index=spec.get("index", "positive"),
                average=spec.get("average", "item"),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise EffipiaError("analysis.bad_scoring_file", path=str(path), detail=f"{name}: {exc}") from None
        if rule.index not in ("positive", "negative") or rule.average not in ("item", "respondent"):
            raise EffipiaError("analysis.bad_scoring_file", path=str(path), detail=name)
        rules[name] = rule
    return rules


def item_values(frame: pl.DataFrame, rule: RegisterRule) -> tuple[np.ndarray, np.ndarray]:
    """``(y, valid)`` arrays of shape ``(n, K)`` over the rule's items present in ``frame``.

    ``y`` is 1 where the answer is one of the index codes, else 0; ``valid`` is false for
    empty cells and excluded codes.
    """
    items = [i for i in rule.items if i in frame.columns]
    if not items:
        return np.zeros((frame.height, 0)), np.zeros((frame.height, 0), dtype=bool)
    codes = frame.select(pl.col(items).cast(pl.Int64).fill_null(-1)).to_numpy()
    valid = (codes != -1) & ~np.isin(codes, rule.excluded)
    y = np.isin(codes, rule.index_codes).astype(np.float64)
    return y, valid


def _item_average_stats(y: np.ndarray, valid: np.ndarray, dset: DomainSet, design: Design) -> DomainStats:
    """Mean over items of per-item shares, with the linearised SE of that mean of ratios.

    Linearised value of unit ``i`` in its domain ``d``:
    ``z_i = (1/K_d) Σ_k valid_ik w_i (y_ik - R_dk) / W_dk`` over the ``K_d`` items with a
    non-empty base in ``d``.
    """
    n_units, k = y.shape
    w = np.ones(n_units) if design.weights is None else np.asarray(design.weights, dtype=np.float64)
    dom = dset.index
    inside = (dom >= 0) & (w > 0)
    d = np.where(inside, dom, 0)
    size = dset.size
    sums = np.zeros(size)
    k_dom = np.zeros(size, dtype=np.int64)
    z = np.zeros(n_units)
    for j in range(k):
        wj = np.where(valid[:, j] & inside, w, 0.0)  # zero weight = out of the item's base
        total = np.bincount(d, weights=wj, minlength=size)
        share = np.bincount(d, weights=wj * y[:, j], minlength=size)
        has = total > 0
        share = np.divide(share, total, out=np.zeros(size), where=has)
        inv = np.divide(1.0, total, out=np.zeros(size), where=has)
        sums += share
        k_dom += has
        z += wj * (y[:, j] - share[d]) * inv[d]
    with np.errstate(invalid="ignore", divide="ignore"):
        score = np.where(k_dom > 0, sums / k_dom, np.nan)
        z = np.where(inside & (k_dom[d] > 0), z / np.maximum(k_dom[d], 1), 0.0)
    var = domain_variance(
        z[:, None],
        dom,
        size,
        weights=w,
        cluster=design.cluster,
        calibration=list(design.calibration) or None,
        design_weights=design.design_weights,
        strata=design.strata,
    )
    answered = valid.any(axis=1) & inside
    n = np.bincount(d[answered], minlength=size)
    se = np.sqrt(np.maximum(var[:, 0], 0.0))
    se[n == 0] = np.nan
    return DomainStats(n[:, None], score[:, None], se[:, None])


def register_rows(
    frame: pl.DataFrame,
    rules: Mapping[str, RegisterRule] | None = None,
    *,
    weights: np.ndarray | Design | None = None,
    domains: Sequence[str] = DOMAIN_SETS,
    sets: Sequence[DomainSet] | None = None,
    min_n: int = 5,
    title: str | None = None,
) -> pl.DataFrame:
    """Register scores (0–100) per domain as statistics-set rows.

    ``n`` is the number of respondents with at least one answer in the register's base.
    Registers whose items are all absent from ``frame`` (block not collected) are skipped.
    """
    rules = load_rules() if rules is None else rules
    design = weights if isinstance(weights, Design) else Design(weights=weights)
    dsets = list(sets) if sets is not None else domain_sets(frame, domains)
    parts = []
    for rule in rules.values():
        y, valid = item_values(frame, rule)
        if y.shape[1] == 0:
            continue
        results = []
        for dset in dsets:
            if rule.average == "item":
                stats = _item_average_stats(y, valid, dset, design)
            else:
                answered = valid.any(axis=1)
                with np.errstate(invalid="ignore", divide="ignore"):
                    score = np.where(answered, (y * valid).sum(axis=1) / valid.sum(axis=1), 0.0)
                stats = domain_mean_stats(score, dset.index, dset.size, valid=answered, **design.kernel_args())
            results.append((dset, stats))
        parts.append(
            set_rows(
                results,
                statistic="register",
                item=rule.name,
                answers=[None],
                unit="score",
                title=title or rule.title,
                min_n=min_n,
            )
        )
    return pl.concat(parts) if parts else empty_rows()


def table_score(distribution: Mapping[str, Mapping[str | int, float]], rule: RegisterRule, *, average: str = "item") -> float:
    """Score a rule gives from a published distribution ``{item: {code: percent}}``.

    Only ``average = "item"`` can be computed from aggregate tables (the per-respondent
    average needs the microdata). Codes absent from a row count as 0 %.
    """
    if average != "item":
        raise ValueError("a per-respondent average cannot be computed from aggregate tables")
    scores = []
    for item in rule.items:
        if item not in distribution:
            continue
        row = {int(c): float(v) for c, v in distribution[item].items()}
        base = sum(v for c, v in row.items() if c not in rule.excluded)
        num = sum(v for c, v in row.items() if c in rule.index_codes)
        if base > 0:
            scores.append(100.0 * num / base)
    return float(np.mean(scores)) if scores else float("nan")
