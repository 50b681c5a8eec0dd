"""Annex tables 3 to 8 of the report, exactly as published (``data/analysis/tables.toml``).

Same rows (the items of each block, in questionnaire order), columns (answer codes),
percentage bases (Tableau 5 leaves NA out; Tableau 8 is computed among the partners who
know of the realisation, its « Champ »), for every domain. :func:`table_rows` returns the
statistics-set rows; precision is the catalogue's ``decimals`` (reports round, the set does not).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from functools import cache
from importlib.resources import files

import numpy as np
import polars as pl

from effipia.analysis.disclosure import DEFAULT_MIN_N
from effipia.analysis.domains import Design, DomainSet, domain_sets
from effipia.analysis.layout import DOMAIN_SETS, empty_rows
from effipia.analysis.shares import share_rows

__all__ = ["table_specs", "table_items", "table_rows", "catalogue"]


@cache
def table_specs() -> dict[str, dict]:
    """The annex tables' specifications by statistic name."""
    text = (files("effipia") / "data" / "analysis" / "tables.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)["tables"]


@cache
def catalogue() -> dict[str, dict]:
    """Every statistic name → ``{title, unit, decimals}`` (``data/analysis/catalogue.toml``)."""
    text = (files("effipia") / "data" / "analysis" / "catalogue.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)["statistics"]


def table_items(columns: Sequence[str], prefix: str) -> list[str]:
    """Columns ``<prefix><k>`` (k an integer), in the frame's (questionnaire) order."""
    pattern = re.compile(re.escape(prefix) + r"\d+$")
    return [c for c in columns if pattern.match(c)]


def table_rows(
    frame: pl.DataFrame,
    *,
    tables: Sequence[str] | None = None,
    weights: np.ndarray | Design | None = None,
    domains: Sequence[str] = DOMAIN_SETS,
    sets: Sequence[DomainSet] | None = None,
    min_n: int = DEFAULT_MIN_N,
) -> pl.DataFrame:
    """Rows of the annex tables (all of them, or those named in ``tables``)."""
    specs = table_specs()
    dsets = list(sets) if sets is not None else domain_sets(frame, domains)
    parts = []
    for name in tables or specs:
        spec = specs[name]
        title = catalogue().get(name, {}).get("title")
        items = table_items(frame.columns, spec["prefix"])
        champ = spec.get("champ_prefix")
        for item in items:
            where = None
            if champ:
                condition = champ + item[len(spec["prefix"]) :]
                if condition not in frame.columns:
                    continue
                where = pl.col(condition) == 1
            parts.append(
                share_rows(
                    frame,
                    [item],
                    statistic=name,
                    answers=spec["answers"],
                    base=spec["base"],
                    weights=weights,
                    min_n=min_n,
                    title=title,
                    where=where,
                    sets=dsets,
                )
            )
    return pl.concat(parts) if parts else empty_rows()
