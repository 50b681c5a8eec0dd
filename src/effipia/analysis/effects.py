"""Declared effects of the funding: expectations, benefits, collaboration, international.

Report sections 2.3 (expectations by survey group), 5 (international block), 6.3
(collaboration against competition) and the conclusion (benefits and workload). Every share
goes through :func:`effipia.analysis.shares.share_rows`; this module only builds the
indicator columns the shares are taken of and chooses the bases:

* ``expectations`` — one indicator per choice (``exp_*``): 1 chosen, 0 offered to the
  respondent's group but not chosen, empty when not offered or no expectation given;
  the base of a choice is the respondents of a group that offers it (lists from the
  questionnaire's ``choice_filter``);
* ``benefits`` — ``benef_network``, ``benef_skills``, ``benef_notoriety``, ``workload_more``
  (code 1), base = respondents who answered;
* ``collab`` — the five ``collab5`` codes, « NA » (9) left out of the base (the published
  split 70 / 13 / 12 / 4 / 1 sums to 100);
* ``international`` — higher education: ``intl_strategy`` and ``intl_parcours`` (codes 1, 2,
  3, 9, base = every respondent asked), ``intl_pia_effect`` (codes 1–3 among those asked, NA
  left out); lycées: ``intl_known``, ``intl_below_expect`` (code 1), ``intl_contrib`` among
  every lycée that answered ``intl_known`` (the report's « 10 % y ont contribué ») and
  ``intl_contrib_aware`` among those who knew of actions (the routed question).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import polars as pl

from effipia import nomenclatures
from effipia.analysis.disclosure import DEFAULT_MIN_N
from effipia.analysis.domains import Design
from effipia.analysis.layout import DOMAIN_SETS, empty_rows
from effipia.analysis.relations import title
from effipia.analysis.shares import producers_rows, share_rows

__all__ = [
    "BENEFIT_ITEMS",
    "expectation_lists",
    "expectation_indicators",
    "expectations_rows",
    "top_expectations",
    "benefits_rows",
    "collab_rows",
    "international_rows",
    "rows",
]

BENEFIT_ITEMS: tuple[str, ...] = ("benef_network", "benef_skills", "benef_notoriety", "workload_more")


def _title(statistic: str) -> str:
    return title(statistic)


@cache
def expectation_lists() -> dict[str, tuple[tuple[str, str], ...]]:
    """Expectation choices offered to each survey group: ``{group: ((code, label), …)}``.

    Read from the shipped questionnaire (the ``expectations`` item and its choice filter).
    """
    from effipia.questionnaire import load_questionnaire

    q = load_questionnaire()
    return {
        g: tuple((c.code, c.label) for c in q.expectation_choices(g))
        for g in nomenclatures.codes("survey_groups")
    }


def _chosen_exprs(responses: pl.DataFrame, codes: Sequence[str]) -> tuple[pl.Expr, dict[str, pl.Expr]]:
    """Polars expressions: whether a respondent gave any expectation, and whether each
    choice was picked (tokens of the space-separated ``expectations`` in ``__tokens``, or
    split columns ``expectations/<choice>``)."""
    if "__tokens" in responses.columns:  # the tokens of ``expectations`` (expectation_indicators)
        tokens = pl.col("__tokens")
        return tokens.list.len() > 0, {c: tokens.list.contains(pl.lit(c)) for c in codes}
    split = {c: f"expectations/{c}" for c in codes if f"expectations/{c}" in responses.columns}
    if not split:
        return pl.lit(False), {c: pl.lit(False) for c in codes}
    answered = pl.any_horizontal([pl.col(col).is_not_null() for col in split.values()])
    return answered, {c: (pl.col(split[c]).cast(pl.Int64) == 1).fill_null(False) if c in split else pl.lit(False) for c in codes}


def expectation_indicators(responses: pl.DataFrame) -> pl.DataFrame:
    """``responses`` with one Int64 indicator column per expectation choice (``exp_*``).

    1 = chosen; 0 = offered to the respondent's group and not chosen; empty = not offered
    to the group, or no expectation given (empty ``expectations``). Split columns
    ``expectations/<choice>`` are read when the ``expectations`` column is absent.
    """
    lists = expectation_lists()
    codes = list(dict.fromkeys(code for group in lists.values() for code, _ in group))
    offering = {code: [g for g, choices in lists.items() if code in {c for c, _ in choices}] for code in codes}
    group = pl.col("category").cast(pl.String) if "category" in responses.columns else pl.lit(None, dtype=pl.String)
    frame = responses
    if "expectations" in responses.columns:  # split once, not once per choice
        frame = responses.with_columns(
            pl.col("expectations").cast(pl.String).fill_null("").str.extract_all(r"\S+").alias("__tokens")
        )
    answered, picked = _chosen_exprs(frame, codes)
    return frame.with_columns(
        pl.when(answered & group.is_in(offering[code]).fill_null(False))
        .then(picked[code].cast(pl.Int64))
        .otherwise(None)
        .cast(pl.Int64)
        .alias(code)
        for code in codes
    ).drop("__tokens", strict=False)


def _has_expectations(responses: pl.DataFrame) -> bool:
    return "expectations" in responses.columns or any(c.startswith("expectations/") for c in responses.columns)


def expectations_rows(
    responses: pl.DataFrame, *, weights=None, min_n: int = DEFAULT_MIN_N, domains: Sequence[str] = DOMAIN_SETS, sets=None
) -> pl.DataFrame:
    """Rows ``expectations``: share (percent) choosing each expectation (``item`` = choice code).

    The group domain gives the report's lists (section 2.3); the ensemble domain is the share
    among every respondent offered the choice.
    """
    if not _has_expectations(responses):
        return empty_rows()
    frame = expectation_indicators(responses)
    codes = list(dict.fromkeys(code for group in expectation_lists().values() for code, _ in group))
    out = share_rows(
        frame, codes, statistic="expectations", answers=[1], base="all", domains=domains,
        weights=weights, min_n=min_n, title=_title("expectations"), sets=sets,
    )
    # A choice not offered to a group has an empty base there: not a statistic of that group.
    return out.filter(pl.col("n") > 0)


def top_expectations(
    responses: pl.DataFrame, *, k: int = 4, weights=None, min_n: int = DEFAULT_MIN_N
) -> dict[str, list[tuple[str, str, float]]]:
    """The ``k`` most chosen expectations of each survey group, as ``(code, label, percent)``.

    Suppressed shares (fewer than ``min_n`` respondents in the group) are left out.
    """
    rows_ = expectations_rows(responses, weights=weights, min_n=min_n, domains=("group",))
    lists = expectation_lists()
    out: dict[str, list[tuple[str, str, float]]] = {}
    for group, choices in lists.items():
        labels = dict(choices)
        part = (
            rows_.filter((pl.col("group") == group) & ~pl.col("suppressed"))
            .sort(["estimate", "item"], descending=[True, False])
            .head(k)
        )
        if part.height:
            out[group] = [(r["item"], labels.get(r["item"], r["item"]), r["estimate"]) for r in part.iter_rows(named=True)]
    return out


def benefits_rows(
    responses: pl.DataFrame, *, weights=None, min_n: int = DEFAULT_MIN_N, domains: Sequence[str] = DOMAIN_SETS, sets=None
) -> pl.DataFrame:
    """Rows ``benefits``: share (percent) answering 1 to each benefit or workload item."""
    out = share_rows(
        responses, list(BENEFIT_ITEMS), statistic="benefits", answers=[1], base="all", domains=domains,
        weights=weights, min_n=min_n, title=_title("benefits"), sets=sets,
    )
    return out.filter(pl.col("n") > 0)  # company-only items have no base in the other groups


def collab_rows(
    responses: pl.DataFrame, *, weights=None, min_n: int = DEFAULT_MIN_N, domains: Sequence[str] = DOMAIN_SETS, sets=None
) -> pl.DataFrame:
    """Rows ``collab``: split (percent) of the five collaboration/competition answers, NA left out."""
    return share_rows(
        responses, ["collab"], statistic="collab", answers=[1, 2, 3, 4, 5], base="exclude_na", domains=domains,
        weights=weights, min_n=min_n, title=_title("collab"), sets=sets,
    )


def _intl_contrib_all(responses: pl.DataFrame) -> pl.Expr:
    if "intl_known" not in responses.columns:
        return pl.lit(None, dtype=pl.Int64)
    contrib = pl.col("intl_contrib") if "intl_contrib" in responses.columns else pl.lit(None, dtype=pl.Int64)
    return (
        pl.when(pl.col("intl_known").is_null())
        .then(None)
        .when(pl.col("intl_known") != 1)
        .then(0)
        .otherwise(contrib)  # knew of actions: contributed 1/0, empty = no answer
        .cast(pl.Int64)
    )


def international_rows(
    responses: pl.DataFrame, *, weights=None, min_n: int = DEFAULT_MIN_N, domains: Sequence[str] = DOMAIN_SETS, sets=None
) -> pl.DataFrame:
    """Rows ``international`` (report section 5); see the module docstring for the bases."""
    present = [c for c in ("intl_strategy", "intl_pia_effect", "intl_parcours", "intl_known", "intl_contrib",
                           "intl_below_expect") if c in responses.columns]
    if not present:
        return empty_rows()
    frame = responses.with_columns(_intl_contrib_all(responses).alias("__intl_contrib_all"))
    if "intl_contrib" in responses.columns:
        frame = frame.with_columns(pl.col("intl_contrib").alias("__intl_contrib_aware"))
    common = dict(statistic="international", weights=weights, min_n=min_n, domains=domains,
                  title=_title("international"), sets=sets)
    parts = [
        share_rows(frame, ["intl_strategy", "intl_parcours"], answers=[1, 2, 3, 9], base="all", **common),
        share_rows(frame, ["intl_pia_effect"], answers=[1, 2, 3], base="exclude_na", **common),
        share_rows(frame, ["intl_known", "intl_below_expect"], answers=[1], base="all", **common),
    ]
    if "intl_known" in responses.columns:
        parts.append(
            share_rows(frame, ["__intl_contrib_all"], answers=[1], base="all", **common).with_columns(
                pl.lit("intl_contrib").alias("item")
            )
        )
    if "intl_contrib" in responses.columns:
        parts.append(
            share_rows(frame, ["__intl_contrib_aware"], answers=[1], base="all", **common).with_columns(
                pl.lit("intl_contrib_aware").alias("item")
            )
        )
    out = pl.concat(parts)
    # Items asked of one group only: drop the domains where nobody was asked.
    return out.filter(pl.col("n") > 0)


def rows(
    responses: pl.DataFrame,
    *,
    partners: pl.DataFrame | None = None,
    campuses: pl.DataFrame | None = None,
    weights=None,
    design: Design | None = None,
    sets=None,
    min_n: int = DEFAULT_MIN_N,
) -> pl.DataFrame:
    """Every declared-effect statistic: ``expectations``, ``benefits``, ``collab``, ``international``.

    ``design`` (weights, clusters, calibration) takes precedence over ``weights``; ``sets``:
    precomputed domain sets. Blocks absent from the response frame produce no rows.
    """
    return producers_rows(
        (expectations_rows, benefits_rows, collab_rows, international_rows),
        responses, weights=weights, design=design, min_n=min_n, sets=sets,
    )
