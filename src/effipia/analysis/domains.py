"""Domains of estimation and the survey design every statistic shares.

A statistic is given for four domain sets (``DOMAIN_SETS``): the whole campaign
(``ensemble``), each survey group, each campus and each campus × survey group. Groups come
from the ``survey_groups`` nomenclature (a group without respondent still has its row, with
``n = 0``); campuses are those of the responses (plus any listed in ``campuses``); campus ×
group domains are the pairs with at least one respondent.

:class:`Design` carries what the kernel needs beside the answers: final weights, the PSU
(campus) when clustering is chosen, the calibration margins and the weights before
calibration.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import polars as pl

from effipia import nomenclatures
from effipia.analysis.layout import DOMAIN_SETS, ENSEMBLE

__all__ = ["Design", "DomainSet", "domain_sets"]


@dataclass(frozen=True)
class Design:
    """Survey design of a response frame (arrays aligned with its rows).

    ``weights``: final weights (``None`` = every respondent weighs 1); ``cluster``: PSU code
    per respondent (``None`` = respondents are the PSUs); ``calibration``: one integer level
    array per calibration margin (post-stratification cells or raking margins);
    ``design_weights``: weights before calibration (``None`` = 1).
    """

    weights: np.ndarray | None = None
    cluster: np.ndarray | None = None
    calibration: tuple[np.ndarray, ...] = field(default=())
    design_weights: np.ndarray | None = None

    def kernel_args(self) -> dict:
        """Keyword arguments for the kernel functions."""
        return {
            "weights": self.weights,
            "cluster": self.cluster,
            "calibration": list(self.calibration) or None,
            "design_weights": self.design_weights,
        }


@dataclass(frozen=True)
class DomainSet:
    """One domain set: the domain index of every respondent and the labels of each domain."""

    name: str
    index: np.ndarray  #: domain of each respondent, in [0, len(groups))
    groups: list[str]  #: survey group of each domain (or ``ensemble``)
    campuses: list[str]  #: campus of each domain (or ``ensemble``)
    #: campus × group set only: position of each pair's campus / group in the campus / group sets
    pair_campus: np.ndarray | None = None
    pair_group: np.ndarray | None = None

    @property
    def size(self) -> int:
        return len(self.groups)

    @cached_property
    def group_labels(self) -> pl.Series:
        """``groups`` as a Polars Series (built once, gathered for every statistic)."""
        return pl.Series("group", self.groups, dtype=pl.String)

    @cached_property
    def campus_labels(self) -> pl.Series:
        """``campuses`` as a Polars Series."""
        return pl.Series("campus", self.campuses, dtype=pl.String)


def domain_sets(
    frame: pl.DataFrame,
    names: Sequence[str] = DOMAIN_SETS,
    *,
    campuses: Iterable[str] | None = None,
) -> list[DomainSet]:
    """Build the requested domain sets for the respondents of ``frame``."""
    n = frame.height
    group_codes = nomenclatures.codes("survey_groups")
    groups = frame["category"].fill_null("").to_list() if "category" in frame.columns else [""] * n
    extra = sorted({g for g in groups if g and g not in group_codes})
    group_codes = group_codes + extra
    campus_list = frame["campus_id"].fill_null("").to_list() if "campus_id" in frame.columns else [""] * n
    campus_codes = sorted({c for c in campus_list if c} | set(campuses or ()))
    g_pos = {g: i for i, g in enumerate(group_codes)}
    c_pos = {c: i for i, c in enumerate(campus_codes)}
    g_idx = np.array([g_pos.get(g, -1) for g in groups], dtype=np.int64)
    c_idx = np.array([c_pos.get(c, -1) for c in campus_list], dtype=np.int64)
    out: list[DomainSet] = []
    for name in names:
        if name == "ensemble":
            out.append(DomainSet(name, np.zeros(n, dtype=np.int64), [ENSEMBLE], [ENSEMBLE]))
        elif name == "group":
            out.append(DomainSet(name, g_idx, group_codes, [ENSEMBLE] * len(group_codes)))
        elif name == "campus":
            out.append(DomainSet(name, c_idx, [ENSEMBLE] * len(campus_codes), campus_codes))
        elif name == "campus_group":
            pair = np.where((g_idx >= 0) & (c_idx >= 0), c_idx * len(group_codes) + g_idx, -1)
            present, inverse = np.unique(pair[pair >= 0], return_inverse=True)
            index = np.full(n, -1, dtype=np.int64)
            index[pair >= 0] = inverse
            out.append(
                DomainSet(
                    name,
                    index,
                    [group_codes[p % len(group_codes)] for p in present],
                    [campus_codes[p // len(group_codes)] for p in present],
                    pair_campus=(present // len(group_codes)).astype(np.int64),
                    pair_group=(present % len(group_codes)).astype(np.int64),
                )
            )
        else:
            raise ValueError(f"unknown domain set: {name}")
    return out
