"""The analysis category of a partner (Figure 1, Illustration 3): the one rule.

A partner's analysis category (nomenclature ``consortium_categories``) comes from its
``partner_type`` (nomenclature ``partner_types``); failing that, from its survey group
(``category``) when every type of that group shares one analysis category (lycée →
secondaire, entreprise → entreprises…); else it is unknown. The store computes it once
when partners are written (``analysis_category`` column of ``Store.partners()``) and
analysis uses that stored value.
"""

from __future__ import annotations

import polars as pl

from effipia import nomenclatures

__all__ = ["analysis_categories", "category_rule"]


def category_rule() -> tuple[dict[str, str], dict[str, str]]:
    """``(by partner type, by survey group)``: the two look-ups of the rule, from ``partner_types``."""
    types = nomenclatures.load("partner_types")
    by_type = dict(zip(types["code"], types["analysis_category"], strict=True))
    by_group: dict[str, str] = {}
    for (group,), part in types.group_by("survey_group", maintain_order=True):
        categories = set(part["analysis_category"])
        if len(categories) == 1:
            by_group[group] = categories.pop()
    return by_type, by_group


def _text(frame: pl.DataFrame, column: str) -> pl.Expr:
    return pl.col(column).cast(pl.String) if column in frame.columns else pl.lit(None, dtype=pl.String)


def analysis_categories(partners: pl.DataFrame) -> pl.Series:
    """Analysis category of each partner (``consortium_categories`` codes), null when unknown.

    ``partners`` needs neither column: a frame without ``partner_type`` (or ``category``)
    is read as if it were empty.
    """
    by_type, by_group = category_rule()
    return partners.select(
        pl.coalesce(
            _text(partners, "partner_type").replace_strict(by_type, default=None, return_dtype=pl.String),
            _text(partners, "category").replace_strict(by_group, default=None, return_dtype=pl.String),
        ).alias("analysis_category")
    ).to_series()
