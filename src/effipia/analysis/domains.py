"""Domains of estimation and the survey design every statistic shares.

A statistic is given for four domain sets (``DOMAIN_SETS``): the whole campaign
(``ensemble``), each survey group, each campus and each campus × survey group. Groups come
from the ``survey_groups`` nomenclature (a group without respondent still has its row, with
``n = 0``); campuses are those of the responses (plus any listed in ``campuses``); campus ×
group domains are the pairs with at least one respondent.

:class:`Design` carries what the kernel needs beside the answers: final weights, the PSU
(campus) when clustering is chosen, or the stratum (campus) when campuses are strata, the
calibration margins and the weights before calibration.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import polars as pl

from effipia import nomenclatures
from effipia.analysis.layout import DOMAIN_SETS, ENSEMBLE

__all__ = ["Design", "DomainSet", "as_design", "domain_sets"]


@dataclass(frozen=True)
class Design:
    """Survey design of a response frame (arrays aligned with its rows).

    ``weights``: final weights (``None`` = every respondent weighs 1); ``cluster``: PSU code
    per respondent (``None`` = respondents are the PSUs); ``calibration``: one integer level
    array per calibration margin (post-stratification cells or raking margins);
    ``design_weights``: weights before calibration (``None`` = 1); ``strata``: stratum code
    per respondent (campus as stratum, respondents as PSUs within it; exclusive with
    ``cluster``).
    """

    weights: np.ndarray | None = None
    cluster: np.ndarray | None = None
    calibration: tuple[np.ndarray, ...] = field(default=())
    design_weights: np.ndarray | None = None
    strata: np.ndarray | None = None

    def kernel_args(self) -> dict:
        """Keyword arguments for the kernel functions."""
        return {
            "weights": self.weights,
            "cluster": self.cluster,
            "calibration": list(self.calibration) or None,
            "design_weights": self.design_weights,
            "strata": self.strata,
        }


def as_design(weights=None, design: Design | None = None) -> Design:
    """The design a producer uses: ``design`` when given, else ``weights`` (a :class:`Design`,
    per-respondent weights, or ``None`` = unweighted)."""
    if design is not None:
        return design
    return weights if isinstance(weights, Design) else Design(weights=weights)


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
    groups = frame["category"].cast(pl.String) if "category" in frame.columns else pl.Series([None] * n, dtype=pl.String)
    extra = sorted(set(groups.drop_nulls().unique().to_list()) - set(group_codes) - {""})
    group_codes = group_codes + extra
    campus_col = frame["campus_id"].cast(pl.String) if "campus_id" in frame.columns else pl.Series([None] * n, dtype=pl.String)
    campus_codes = sorted((set(campus_col.drop_nulls().unique().to_list()) - {""}) | set(campuses or ()))
    g_idx = groups.replace_strict({g: i for i, g in enumerate(group_codes)}, default=-1, return_dtype=pl.Int64)
    c_idx = campus_col.replace_strict({c: i for i, c in enumerate(campus_codes)}, default=-1, return_dtype=pl.Int64)
    g_idx = g_idx.fill_null(-1).to_numpy()
    c_idx = c_idx.fill_null(-1).to_numpy()
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
