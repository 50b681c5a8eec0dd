"""A campus against comparison groups of campuses, from the statistics set's campus rows.

For a register, the campus's score :math:`m_c` (standard error :math:`s_c`) is compared with
the plain mean of the scores of the campuses of a comparison group :math:`G` (the campus
itself never belongs to its group):

.. math::

   d = m_c - \\frac{1}{|G|}\\sum_{g \\in G} m_g, \\qquad
   \\operatorname{Var}(d) = s_c^2 + \\frac{1}{|G|^2}\\sum_{g \\in G} s_g^2

— the linear contrast R's ``svycontrast`` computes on ``svyby(~score, ~campus, design,
svymean, covmat = TRUE)`` (campus domains are disjoint, so their linearised covariances are
zero when the campus is not a cluster). The interval is :math:`d \\pm 1{,}96\\,\\sqrt{\\operatorname{Var}(d)}`.
The effect size is :math:`d / \\sigma` (Cohen's *d*), with :math:`\\sigma` the pooled
within-campus standard deviation of the partners' scores over the campus and its group
(:func:`pooled_sd`, from the weighted SD the statistics set carries per campus: exact with
weights too). A statistics set without that column falls back on the SD implied by the
whole-set estimate (:math:`s \\sqrt{n}`, right only for unweighted data). A difference is
*established* only when its interval excludes zero.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import polars as pl

from effipia.report.statistics import ENSEMBLE, StatisticsView

__all__ = ["Comparison", "compare", "comparison_groups", "pooled_sd", "reading", "Z95"]

Z95 = 1.959963984540054


@dataclass(frozen=True)
class Comparison:
    """A campus's score against a group of other campuses on one register."""

    register: str
    group: str  # "all" | "filiere" | "top"
    campus_score: float | None
    reference: float | None
    count: int
    diff: float | None = None
    se: float | None = None
    low: float | None = None
    high: float | None = None
    effect: float | None = None
    reason: str | None = None  # why no comparison: "suppressed" | "no_group" | "no_se"

    @property
    def established(self) -> bool:
        """The interval excludes zero."""
        return self.low is not None and (self.low > 0 or self.high < 0)


def _scores(view: StatisticsView, register: str) -> dict[str, tuple[float, float | None]]:
    """Published campus scores and SEs of ``register``, read once per view (a campus report
    asks for them 15 times; at 500 campuses re-reading the rows was a third of its time)."""
    cache = view.__dict__.setdefault("_register_scores", {})
    if register not in cache:
        part = view.rows("register", "campus").filter(
            (pl.col("item") == register) & ~pl.col("suppressed") & pl.col("estimate").is_not_null()
        )
        se = part["se"].to_list() if "se" in part.columns else [None] * part.height
        cache[register] = {c: (float(e), None if s is None else float(s)) for c, e, s in zip(part["campus"].to_list(), part["estimate"].to_list(), se, strict=True)}
    return cache[register]


def comparison_groups(view: StatisticsView, campus: str, register: str, filieres: dict[str, str | None] | None, top_share: float = 0.25) -> dict[str, list[str]]:
    """Campuses of each comparison group of ``campus`` for ``register`` (the campus excluded):
    every other campus; the other campuses of its filière; the top quarter of the other
    campuses by that register's score (at least one; ties at the cut-off kept)."""
    scores = _scores(view, register)
    others = [c for c in scores if c != campus]
    groups = {"all": others}
    if filieres is not None:
        mine = filieres.get(campus)
        groups["filiere"] = [c for c in others if mine is not None and filieres.get(c) == mine]
    ranked = sorted(others, key=lambda c: -scores[c][0])
    k = max(1, math.ceil(top_share * len(ranked))) if ranked else 0
    cut = scores[ranked[k - 1]][0] if k else None
    groups["top"] = [c for c in ranked if cut is not None and scores[c][0] >= cut]
    return groups


def compare(view: StatisticsView, campus: str, register: str, group: str, members: list[str]) -> Comparison:
    """The comparison of ``campus`` with the campuses ``members`` on ``register``."""
    scores = _scores(view, register)
    own = scores.get(campus)
    values = [scores[c] for c in members if c in scores]
    reference = sum(v for v, _ in values) / len(values) if values else None
    if own is None:
        return Comparison(register, group, None, reference, len(values), reason="suppressed")
    if not values:
        return Comparison(register, group, own[0], None, 0, reason="no_group")
    diff = own[0] - reference
    if own[1] is None or any(se is None for _, se in values):
        return Comparison(register, group, own[0], reference, len(values), diff=diff, reason="no_se")
    var = own[1] ** 2 + sum(se**2 for _, se in values) / len(values) ** 2
    se = math.sqrt(var)
    sigma = pooled_sd(view, register, [campus, *members])
    if sigma is None:  # a statistics set without ``sd`` (written before it existed)
        whole = view.get("register", register, None, ENSEMBLE, ENSEMBLE)
        if whole and whole.get("se") and whole.get("n"):
            sigma = float(whole["se"]) * math.sqrt(float(whole["n"]))
    effect = diff / sigma if sigma else None
    return Comparison(register, group, own[0], reference, len(values), diff, se, diff - Z95 * se, diff + Z95 * se, effect)


def pooled_sd(view: StatisticsView, register: str, campuses: list[str]) -> float | None:
    """Pooled within-campus standard deviation of the partners' scores over ``campuses``:
    :math:`\\sqrt{\\sum_c (n_c - 1)\\,s_c^2 / \\sum_c (n_c - 1)}`, with :math:`s_c` the campus's
    weighted SD (column ``sd`` of the register rows, :func:`effipia.analysis.registers._score_sd`,
    R's ``svyvar``) and :math:`n_c` its respondents. ``None`` when a campus has no ``sd``."""
    num = den = 0.0
    for c in campuses:
        row = view.get("register", register, None, ENSEMBLE, c)
        if row is None or row.get("suppressed") or row.get("sd") is None or not row.get("n") or row["n"] < 2:
            return None
        num += (float(row["n"]) - 1.0) * float(row["sd"]) ** 2
        den += float(row["n"]) - 1.0
    return math.sqrt(num / den) if den > 0 and num > 0 else None


def reading(c: Comparison, texts: dict[str, Any]) -> str:
    """« nettement au-dessus », « au-dessus », « comparable », « en dessous »… (campus.toml)."""
    if c.low is None:
        return texts["reading_unavailable"]
    if not c.established:
        return texts["reading_comparable"]
    strong = c.effect is not None and abs(c.effect) >= float(texts["strong_effect"])
    if c.diff > 0:
        return texts["reading_strongly_above" if strong else "reading_above"]
    return texts["reading_strongly_below" if strong else "reading_below"]
