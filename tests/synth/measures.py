"""Measures computed directly with Polars on a response frame, for the tests."""

from __future__ import annotations

import polars as pl

#: Answer scores of the « midpoint » register rule, effipia's default scoring rule
#: (data/analysis/scoring.toml): it reproduces the report's three published register means
#: from the published tables alone (dynamics 74.3 vs 74, leadership 65.5 vs 65, management
#: 63.7 vs 63 — worked out by hand from Tableaux 3, 4, 7, percentages not rescaled).
YES_NO = {1: 100.0, 2: 0.0, 9: 50.0}
QUALITY = {1: 100.0, 2: 75.0, 3: 25.0, 4: 0.0, 8: 50.0, 9: 50.0}

DYN = [f"dyn_{k}" for k in range(1, 7)]
LEAD = [f"lead_{k}" for k in range(1, 11)]
MGMT = [f"mgmt_{k}" for k in range(1, 9)]
RES_LEVEL = [f"res_level_{k}" for k in range(1, 7)]
RES_USE = [f"res_use_{k}" for k in range(1, 4)]
REL = [f"rel_{k}" for k in range(1, 17)]


def share(frame: pl.DataFrame, item: str, code: int, exclude: tuple[int, ...] = ()) -> float:
    """Percentage of ``code`` among the non-empty answers of ``item`` (``exclude`` leaves the base)."""
    answers = frame[item].drop_nulls()
    answers = answers.filter(~answers.is_in(list(exclude)))
    return 100.0 * float((answers == code).sum()) / answers.len()


def midpoint_score(frame: pl.DataFrame, items: list[str], scores: dict[int, float], by: str | None = None) -> pl.DataFrame | float:
    """Mean answer score over respondents, then over items (per ``by`` group when given)."""
    scored = frame.select(
        *([by] if by else []),
        *[pl.col(i).replace_strict(scores, default=None, return_dtype=pl.Float64).alias(i) for i in items],
    )
    if by is None:
        return float(scored.select(pl.mean_horizontal(pl.all().mean())).item())
    return scored.group_by(by).agg(pl.col(items).mean()).select(by, pl.mean_horizontal(items).alias("score"))


def positive_share(frame: pl.DataFrame, items: list[str], positive: list[int], by: str) -> pl.DataFrame:
    """Per ``by`` group: share of ``positive`` codes among answers other than NA (9), averaged over items."""
    parts = frame.group_by(by).agg(
        [
            (pl.col(i).filter(pl.col(i) != 9).is_in(positive).mean() * 100).alias(i)
            for i in items
        ]
    )
    return parts.select(by, pl.mean_horizontal(items).alias("score"))
