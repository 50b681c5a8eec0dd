"""The five registers of partnership quality as 0–100 scores (report section 6.3).

Rules are declarative (``data/analysis/scoring.toml``, see :class:`RegisterRule`): a
register either counts a share (codes counted as positive or negative, codes excluded from
the base) or gives each answer code a score from 0 to 100 (``scores``). This module applies
them:

* :func:`load_rules` — the shipped default rules, a shipped alternative by name
  (:func:`shipped_rule_files`), or a user's file;
* :func:`item_values` — per respondent and item, the answer's value on a 0–1 scale (share
  form: 1 when the answer is in the rule's index, 0 otherwise; score form: its score / 100),
  and whether it is in the base;
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
from importlib.resources.abc import Traversable
from pathlib import Path

import numpy as np
import polars as pl

from effipia.analysis.disclosure import DEFAULT_MIN_N
from effipia.analysis.domains import Design, DomainSet, domain_sets
from effipia.analysis.kernel import DomainStats, domain_df, domain_mean_stats, domain_variance
from effipia.analysis.layout import DOMAIN_SETS, empty_rows
from effipia.analysis.shares import set_rows
from effipia.errors import EffipiaError

__all__ = [
    "RegisterRule",
    "load_rules",
    "rule_label",
    "shipped_rule_files",
    "item_values",
    "register_rows",
    "profile_stats",
    "table_score",
]

_DATA = ("data", "analysis")
_DEFAULT = "scoring.toml"


@dataclass(frozen=True)
class RegisterRule:
    """How one register is scored (one table of ``scoring.toml``).

    Share form (``scores`` is ``None``): an answer is worth 100 when its code is one of the
    index codes (``positive`` or ``negative`` as ``index`` says), 0 otherwise; ``excluded``
    codes leave the base. Score form: ``scores`` maps answer codes to their value (0–100);
    codes without a score, and ``excluded`` ones, leave the base.
    """

    name: str
    title: str
    items: tuple[str, ...]
    positive: tuple[int, ...] = ()
    negative: tuple[int, ...] = ()
    excluded: tuple[int, ...] = ()
    index: str = "positive"  # "positive" | "negative"
    average: str = "item"  # "item" | "respondent"
    scores: tuple[tuple[int, float], ...] | None = None  # ((code, score 0-100), ...)

    @property
    def index_codes(self) -> tuple[int, ...]:
        return self.positive if self.index == "positive" else self.negative

    def code_values(self) -> dict[int, float]:
        """Value (0–100) of every answer code in the base."""
        if self.scores is not None:
            return {c: v for c, v in self.scores if c not in self.excluded}
        return {}

    def value(self, code: int) -> float | None:
        """Value (0–100) of an answer code, ``None`` when the code is out of the base."""
        if code in self.excluded:
            return None
        if self.scores is not None:
            return self.code_values().get(code)
        return 100.0 if code in self.index_codes else 0.0


def shipped_rule_files() -> dict[str, Traversable]:
    """Shipped rule files by name: ``default`` (``scoring.toml``) and each alternative
    ``scoring_<name>.toml`` beside it (usable as ``--scoring <name>``)."""
    folder = files("effipia").joinpath(*_DATA)
    found = {"default": folder / _DEFAULT}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.startswith("scoring_") and entry.name.endswith(".toml"):
            found[entry.name.removeprefix("scoring_").removesuffix(".toml")] = entry
    return found


def _rule_text(path: str | Path | None) -> str:
    if path is None:
        return shipped_rule_files()["default"].read_text(encoding="utf-8")
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        shipped = shipped_rule_files()
        if str(path) not in shipped:
            raise EffipiaError("analysis.unknown_scoring", path=str(path), names=", ".join(shipped)) from None
        return shipped[str(path)].read_text(encoding="utf-8")


def rule_label(path: str | Path | None = None) -> tuple[str, str]:
    """``(key, label)`` of a rule file's ``[rule]`` table (``("", "")`` when absent)."""
    meta = tomllib.loads(_rule_text(path)).get("rule", {})
    return str(meta.get("key", "")), str(meta.get("label", ""))


def _codes(values) -> tuple[int, ...]:
    return tuple(int(c) for c in values)


def load_rules(path: str | Path | None = None) -> dict[str, RegisterRule]:
    """Scoring rules by register name: the shipped default (``path`` is ``None``), a user's
    file, or a shipped alternative by name (``path`` is not a file but a key of
    :func:`shipped_rule_files`)."""
    text = _rule_text(path)
    try:
        raw = tomllib.loads(text)["registers"]
    except (tomllib.TOMLDecodeError, KeyError) as exc:
        raise EffipiaError("analysis.bad_scoring_file", path=str(path), detail=str(exc)) from None
    rules = {}
    for name, spec in raw.items():
        try:
            scores = spec.get("scores")
            if scores is not None:
                scores = tuple(sorted((int(c), float(v)) for c, v in dict(scores).items()))
            rule = RegisterRule(
                name=name,
                title=str(spec["title"]) if isinstance(spec["title"], str) else _invalid("title"),
                items=tuple(spec["items"]),
                positive=_codes(spec["positive"] if scores is None else spec.get("positive", ())),
                negative=_codes(spec["negative"] if scores is None else spec.get("negative", ())),
                excluded=_codes(spec.get("excluded", ())),
                index=spec.get("index", "positive"),
                average=spec.get("average", "item"),
                scores=scores,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise EffipiaError("analysis.bad_scoring_file", path=str(path), detail=f"{name}: {exc}") from None
        if (
            rule.index not in ("positive", "negative")
            or rule.average not in ("item", "respondent")
            or not rule.items
            or (scores is not None and not all(0.0 <= v <= 100.0 for _, v in scores))
        ):
            raise EffipiaError("analysis.bad_scoring_file", path=str(path), detail=name)
        rules[name] = rule
    return rules


def _invalid(field: str):
    raise TypeError(f"{field} must be text")


def item_values(frame: pl.DataFrame, rule: RegisterRule) -> tuple[np.ndarray, np.ndarray]:
    """``(y, valid)`` arrays of shape ``(n, K)`` over the rule's items present in ``frame``.

    ``y`` is the answer's value on a 0–1 scale (share form: 1 where the answer is one of the
    index codes, else 0; score form: the code's score / 100); ``valid`` is false for empty
    cells, excluded codes and, in score form, codes without a score.
    """
    items = [i for i in rule.items if i in frame.columns]
    if not items:
        return np.zeros((frame.height, 0)), np.zeros((frame.height, 0), dtype=bool)
    codes = frame.select(pl.col(items).cast(pl.Int64).fill_null(-1)).to_numpy()
    if rule.scores is None:
        valid = (codes != -1) & ~_member(codes, rule.excluded)
        y = _member(codes, rule.index_codes).astype(np.float64)
        return y, valid
    table = rule.code_values()
    known = np.array(sorted(table), dtype=np.int64)
    valid = _member(codes, known)
    values = np.array([table[c] for c in known], dtype=np.float64) / 100.0
    lo, hi = (int(codes.min()), int(codes.max())) if codes.size else (0, 0)
    if lo >= -1 and hi < 4096:  # answer codes: one table look-up, 0 outside the base
        lookup = np.zeros(hi + 2)
        fits = (known >= -1) & (known <= hi)
        lookup[known[fits] + 1] = values[fits]
        return np.ascontiguousarray(lookup[codes + 1]), valid
    position = np.searchsorted(known, codes).clip(0, known.size - 1)
    y = np.where(valid, values[position], 0.0)
    return y, valid


def _member(codes: np.ndarray, values) -> np.ndarray:
    """``np.isin(codes, values)``, by one table look-up when codes are small integers (answer
    codes, -1 for empty cells)."""
    values = np.asarray(values, dtype=np.int64)
    if codes.size == 0 or values.size == 0:
        return np.zeros(codes.shape, dtype=bool)
    lo, hi = int(codes.min()), int(codes.max())
    if lo < -1 or hi >= 4096:
        return np.isin(codes, values)
    table = np.zeros(hi + 2, dtype=bool)
    inside = values[(values >= -1) & (values <= hi)]
    table[inside + 1] = True
    return table[codes + 1]


def _item_average_stats(y: np.ndarray, valid: np.ndarray, dset: DomainSet, design: Design) -> DomainStats:
    """Mean over items of per-item shares, with the linearised SE of that mean of ratios.

    Linearised value of unit ``i`` in its domain ``d``:
    ``z_i = (1/K_d) Σ_k valid_ik w_i (y_ik - R_dk) / W_dk`` over the ``K_d`` items with a
    non-empty base in ``d``.
    """
    return _item_average_sets(y, valid, [dset], design)[0]


def _item_average_sets(
    y: np.ndarray, valid: np.ndarray, dsets: Sequence[DomainSet], design: Design, z_out: list | None = None
) -> list[DomainStats]:
    """:func:`_item_average_stats` over several domain sets, walking the items once (an
    item's weights in its base are shared by the sets where every unit is in a domain)."""
    n_units, k = y.shape
    w = np.ones(n_units) if design.weights is None else np.asarray(design.weights, dtype=np.float64)
    states = []
    for dset in dsets:
        inside = (dset.index >= 0) & (w > 0)
        everyone = bool(inside.all())
        d = dset.index if everyone else np.where(inside, dset.index, 0)
        states.append((dset, inside, everyone, d, np.zeros(dset.size), np.zeros(dset.size, dtype=np.int64), np.zeros(n_units)))
    for j in range(k):
        shared = None  # (wj, wj * y_j) for the sets where every unit is in a domain
        for dset, inside, everyone, d, sums, k_dom, z in states:
            size = dset.size
            # zero weight = out of the item's base
            if everyone:
                if shared is None:
                    # w > 0 everywhere here, so w × valid is where(valid, w, 0) bit for bit
                    wj = w * valid[:, j]
                    shared = (wj, wj * y[:, j])
                wj, wy = shared
            else:
                wj = np.where(valid[:, j] & inside, w, 0.0)
                wy = wj * y[:, j]
            total = np.bincount(d, weights=wj, minlength=size)
            share = np.bincount(d, weights=wy, minlength=size)
            has = total > 0
            share = np.divide(share, total, out=np.zeros(size), where=has)
            inv = np.divide(1.0, total, out=np.zeros(size), where=has)
            sums += share
            k_dom += has
            if size == 1:  # one domain (ensemble): no per-unit gathers
                z += wj * (y[:, j] - share[0]) * inv[0]
            else:
                z += wj * (y[:, j] - np.take(share, d)) * np.take(inv, d)
    answered_any = valid.any(axis=1)
    out = []
    for dset, inside, _, d, sums, k_dom, z in states:
        size = dset.size
        with np.errstate(invalid="ignore", divide="ignore"):
            score = np.where(k_dom > 0, sums / k_dom, np.nan)
            z = np.where(inside & (k_dom[d] > 0), z / np.maximum(k_dom[d], 1), 0.0)
        if z_out is not None:
            z_out.append(z)  # per-unit linearised values of the score (0-1 scale) in its domain
        var = domain_variance(
            z[:, None],
            dset.index,
            size,
            weights=w,
            cluster=design.cluster,
            calibration=list(design.calibration) or None,
            design_weights=design.design_weights,
            strata=design.strata,
        )
        answered = answered_any & inside
        n = np.bincount(d[answered], minlength=size)
        se = np.sqrt(np.maximum(var[:, 0], 0.0))
        se[n == 0] = np.nan
        df = domain_df(dset.index, size, answered, cluster=design.cluster, strata=design.strata, n_base=n)
        out.append(DomainStats(n[:, None], score[:, None], se[:, None], df))
    return out


def register_rows(
    frame: pl.DataFrame,
    rules: Mapping[str, RegisterRule] | None = None,
    *,
    weights: np.ndarray | Design | None = None,
    domains: Sequence[str] = DOMAIN_SETS,
    sets: Sequence[DomainSet] | None = None,
    min_n: int = DEFAULT_MIN_N,
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
        w = np.ones(y.shape[0]) if design.weights is None else np.asarray(design.weights, dtype=np.float64)
        answered = valid.any(axis=1)
        zs: list[np.ndarray] = []
        if rule.average == "item":
            # column-major: the per-item average walks the matrix item by item
            y, valid = np.asfortranarray(y), np.asfortranarray(valid)
            results = list(zip(dsets, _item_average_sets(y, valid, dsets, design, z_out=zs), strict=True))
        else:
            with np.errstate(invalid="ignore", divide="ignore"):
                score = np.where(answered, (y * valid).sum(axis=1) / valid.sum(axis=1), 0.0)
            for dset in dsets:
                stats = domain_mean_stats(score, dset.index, dset.size, valid=answered, **design.kernel_args())
                results.append((dset, stats))
                zs.append(_mean_deviations(score, answered, dset, w))
        rows = set_rows(
            results,
            statistic="register",
            item=rule.name,
            answers=[None],
            unit="score",
            title=title or rule.title,
            min_n=min_n,
        )
        sd = np.concatenate([_score_sd(z, dset, w, answered) for z, (dset, _) in zip(zs, results, strict=True)])
        if sd.shape[0] == rows.height:
            rows = rows.with_columns(pl.when(pl.col("suppressed")).then(None).otherwise(pl.Series("sd", sd, nan_to_null=True)).alias("sd"))
        parts.append(rows)
    return pl.concat(parts, how="diagonal_relaxed") if parts else empty_rows()


def _mean_deviations(score: np.ndarray, answered: np.ndarray, dset: DomainSet, w: np.ndarray) -> np.ndarray:
    """Linearised values ``w_i (s_i - m_d) / W_d`` of a domain mean of respondent scores
    (0–1 scale), 0 outside the base: the ``z`` of :func:`_item_average_sets` for that rule."""
    inside = (dset.index >= 0) & answered & (w > 0)
    d = np.where(inside, dset.index, 0)
    total = np.bincount(d[inside], weights=w[inside], minlength=dset.size)
    mean = np.divide(np.bincount(d[inside], weights=(w * score)[inside], minlength=dset.size), total, out=np.zeros(dset.size), where=total > 0)
    inv = np.divide(1.0, total, out=np.zeros(dset.size), where=total > 0)
    return np.where(inside, w * (score - mean[d]) * inv[d], 0.0)


def _score_sd(z: np.ndarray, dset: DomainSet, w: np.ndarray, answered: np.ndarray) -> np.ndarray:
    """Weighted standard deviation of the partners' scores per domain (0–100), from the
    linearised values ``z_i`` of the domain's score: with ``u_i = z_i W_d / w_i`` the
    partner's deviation from the score, ``sd² = n/(n-1) Σ w_i u_i² / W_d = n/(n-1) W_d Σ z_i² / w_i``
    over the ``n`` respondents of the base (weights ``w_i``, total ``W_d``). For a mean of
    respondent scores this is R's ``survey::svyvar`` (its ``n/(n-1)`` convention), and
    unweighted the usual sample SD; NaN below two respondents."""
    inside = (dset.index >= 0) & answered & (w > 0)
    d = dset.index[inside]
    total = np.bincount(d, weights=w[inside], minlength=dset.size)
    squares = np.bincount(d, weights=z[inside] ** 2 / w[inside], minlength=dset.size)
    n = np.bincount(d, minlength=dset.size).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        var = np.where(n >= 2, total * squares * n / (n - 1), np.nan)
    return np.sqrt(np.maximum(var, 0.0)) * 100.0


def profile_stats(
    frame: pl.DataFrame,
    rules: Mapping[str, RegisterRule],
    names: Sequence[str],
    dset: DomainSet,
    *,
    weights: np.ndarray | Design | None = None,
) -> DomainStats:
    """Plain mean of the scores of registers ``names`` (0–1) per domain of ``dset``, with
    its linearised SE: the per-unit linearised value of the mean is the mean of the
    registers' linearised values (the registers share respondents, so their covariances
    count). Registers absent from ``frame`` are left out of the mean; ``n`` counts the
    respondents with an answer in at least one of them."""
    design = weights if isinstance(weights, Design) else Design(weights=weights)
    n_units = frame.height
    w = np.ones(n_units) if design.weights is None else np.asarray(design.weights, dtype=np.float64)
    inside = (dset.index >= 0) & (w > 0)
    d = np.where(inside, dset.index, 0)
    scores, zs, answered = [], [], np.zeros(n_units, dtype=bool)
    for name in names:
        rule = rules.get(name)
        if rule is None:
            continue
        y, valid = item_values(frame, rule)
        if y.shape[1] == 0:
            continue
        answered |= valid.any(axis=1)
        if rule.average == "item":
            z_out: list = []
            stats = _item_average_sets(np.asfortranarray(y), np.asfortranarray(valid), [dset], design, z_out)[0]
            scores.append(stats.estimate[:, 0])
            zs.append(z_out[0])
        else:
            ok = valid.any(axis=1)
            with np.errstate(invalid="ignore", divide="ignore"):
                score = np.where(ok, (y * valid).sum(axis=1) / valid.sum(axis=1), 0.0)
            base = ok & inside
            total = np.bincount(d[base], weights=w[base], minlength=dset.size)
            mean = np.bincount(d[base], weights=(w * score)[base], minlength=dset.size)
            mean = np.divide(mean, total, out=np.full(dset.size, np.nan), where=total > 0)
            with np.errstate(invalid="ignore", divide="ignore"):
                z = np.where(base, w * (score - mean[d]) / total[d], 0.0)
            scores.append(mean)
            zs.append(np.nan_to_num(z))
    if not scores:
        empty = np.zeros((dset.size, 1))
        return DomainStats(empty.astype(np.int64), empty * np.nan, empty * np.nan, np.full(dset.size, np.nan))
    k = len(scores)
    estimate = np.mean(np.column_stack(scores), axis=1)
    z = np.sum(np.column_stack(zs), axis=1) / k
    var = domain_variance(
        z[:, None], dset.index, dset.size, weights=w, cluster=design.cluster,
        calibration=list(design.calibration) or None, design_weights=design.design_weights, strata=design.strata,
    )
    n = np.bincount(d[answered & inside], minlength=dset.size)
    se = np.sqrt(np.maximum(var[:, 0], 0.0))
    se[n == 0] = np.nan
    df = domain_df(dset.index, dset.size, answered & inside, cluster=design.cluster, strata=design.strata, n_base=n)
    return DomainStats(n[:, None], estimate[:, None], se[:, None], df)


def table_score(distribution: Mapping[str, Mapping[str | int, float]], rule: RegisterRule, *, average: str = "item") -> float:
    """Score a rule gives from a published distribution ``{item: {code: percent}}``.

    Per item: the mean value of the answers in the base, the printed percentages rescaled
    to that base (printed rows do not always sum to 100); then the plain mean over items.
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
        valued = [(rule.value(c), v) for c, v in row.items()]
        base = sum(v for value, v in valued if value is not None)
        total = sum(value * v for value, v in valued if value is not None)
        if base > 0:
            scores.append(total / base)
    return float(np.mean(scores)) if scores else float("nan")
