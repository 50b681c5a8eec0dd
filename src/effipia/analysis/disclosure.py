"""Disclosure control: the minimum-count rule and secondary suppression.

Primary rule: a cell resting on fewer than ``min_n`` respondents (default 5, configurable)
is flagged ``suppressed`` and its values (``estimate``, ``se``, ``ci_low``, ``ci_high``) are
emptied, so that no report can print them. Its ``n`` stays: the count is not the secret.

Secondary rule: counts of a statistic × item are additive along the domain hierarchy
(campus × group cells sum to the campus and to the group margins; campuses and groups sum to
the ensemble), and a share times its base is a count, so a lone suppressed cell in a margin
could be recovered by subtraction. Wherever a margin holds exactly one suppressed non-empty
child, the smallest other non-empty child is suppressed too, until no margin has a lone one.
"""

from __future__ import annotations

import numpy as np
import polars as pl

__all__ = ["DEFAULT_MIN_N", "apply_min_count", "secondary_suppression"]

DEFAULT_MIN_N = 5
_VALUES = ("estimate", "se", "ci_low", "ci_high")


def apply_min_count(rows: pl.DataFrame, min_n: int = DEFAULT_MIN_N) -> pl.DataFrame:
    """Primary suppression: flag rows with ``n < min_n`` and empty their values."""
    flag = pl.col("suppressed").fill_null(False) | (pl.col("n").is_not_null() & (pl.col("n") < min_n))
    return _blank(rows.with_columns(flag.alias("suppressed")))


def _blank(rows: pl.DataFrame) -> pl.DataFrame:
    return rows.with_columns(
        pl.when(pl.col("suppressed")).then(None).otherwise(pl.col(c)).alias(c) for c in _VALUES if c in rows.columns
    )


def _protect(n: np.ndarray, sup: np.ndarray) -> np.ndarray:
    """One margin family: rows of ``n``/``sup`` are margins, columns their children."""
    sup = sup.copy()
    nonempty = n > 0
    while True:
        lone = ((sup & nonempty).sum(axis=1) == 1)
        if not lone.any():
            return sup
        candidates = np.where(nonempty & ~sup, n, np.iinfo(np.int64).max)
        pick = candidates.argmin(axis=1)
        rows = np.flatnonzero(lone & (candidates.min(axis=1) < np.iinfo(np.int64).max))
        if rows.size == 0:
            return sup
        sup[rows, pick[rows]] = True


def secondary_suppression(rows: pl.DataFrame) -> pl.DataFrame:
    """Extend suppression so that no suppressed cell can be recovered by subtraction.

    Works per ``statistic × item`` on the domain-level counts ``n`` (shared by the answer
    rows of a domain): campus × group cells within campus and group margins, then campuses
    and groups within the ensemble. Rows of other layouts (no ``domain``) are left alone.
    """
    if rows.is_empty():
        return rows
    cells = (
        rows.group_by("statistic", "item", "domain", "group", "campus", maintain_order=True)
        .agg(pl.col("n").max(), pl.col("suppressed").any())
        .with_row_index("_cell")
    )
    newly: set[int] = set()
    for _key, part in cells.group_by("statistic", "item", maintain_order=True):
        by_dom = {d: part.filter(pl.col("domain") == d) for d in ("group", "campus", "campus_group")}
        cg = by_dom["campus_group"]
        state = {int(i): bool(s) for i, s in zip(part["_cell"], part["suppressed"], strict=True)}
        changed = True
        while changed:
            changed = False
            families = []
            if cg.height:
                campuses = sorted(set(cg["campus"]))
                groups = sorted(set(cg["group"]))
                ci = {c: i for i, c in enumerate(campuses)}
                gi = {g: i for i, g in enumerate(groups)}
                ids = np.full((len(campuses), len(groups)), -1)
                for cell, c, g in zip(cg["_cell"], cg["campus"], cg["group"], strict=True):
                    ids[ci[c], gi[g]] = cell
                families += [ids, ids.T]
            for dom in ("group", "campus"):
                if by_dom[dom].height:
                    families.append(by_dom[dom]["_cell"].to_numpy()[None, :])
            n_of = dict(zip(part["_cell"].to_list(), part["n"].fill_null(0).to_list(), strict=True))
            for ids in families:
                n = np.where(ids >= 0, np.vectorize(lambda i: n_of.get(int(i), 0))(ids), 0).astype(np.int64)
                sup = np.where(ids >= 0, np.vectorize(lambda i: state.get(int(i), False))(ids), False).astype(bool)
                new = _protect(n, sup)
                for cell in ids[new & ~sup]:
                    state[int(cell)] = True
                    newly.add(int(cell))
                    changed = True
    if not newly:
        return rows
    marked = cells.filter(pl.col("_cell").is_in(sorted(newly))).select(
        "statistic", "item", "domain", "group", "campus", pl.lit(True).alias("_secondary")
    )
    out = rows.join(marked, on=["statistic", "item", "domain", "group", "campus"], how="left", nulls_equal=True)
    out = out.with_columns((pl.col("suppressed") | pl.col("_secondary").fill_null(False)).alias("suppressed")).drop(
        "_secondary"
    )
    return _blank(out)
