"""Helpers of the disclosure property tests: small campaigns, the subtraction audit, and the
search for leaked values in the outputs.

**Subtraction audit.** Within one statistic × item × answer, a cell's total (share × base,
or mean × base) adds up along the domain hierarchy: campus = Σ its campus × group cells,
group = Σ its campus × group cells, ensemble = Σ campuses = Σ groups — wherever the bases
``n`` add up exactly (a relation whose bases do not add up is not exact and is left out).
Published cells are known, suppressed non-empty cells are unknowns; a suppressed cell can
be recovered by subtracting published figures iff its unit vector lies in the row space of
the relations restricted to the unknowns (rank test). The audit works on the disclosure
pattern (which cells are suppressed, their bases) and is the same for every answer of a
domain, so it is run once per statistic × item.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass

import numpy as np
import polars as pl

ENSEMBLE = "ensemble"
KEY = ["statistic", "item", "answer", "group", "campus"]
VALUES = ("estimate", "se", "ci_low", "ci_high", "sd", "n_eff")


@dataclass(frozen=True)
class Drawn:
    """What Hypothesis drew for one campaign (printed on failure through ``note``)."""

    seed: int
    campuses: int
    partners: int
    min_n: int
    thin: tuple[int, ...]  # per campus: keep at most this many respondents (0: keep all)


def campaign(drawn: Drawn):
    """A synthetic campaign at tiny size, some campuses thinned below the minimum."""
    from effipia.synth import generate

    synthetic = generate(seed=drawn.seed, campuses=drawn.campuses, partners=drawn.partners, campaign="fuite")
    ids = synthetic.campuses["campus_id"].to_list()
    responses = synthetic.responses
    for campus, keep in zip(ids, drawn.thin, strict=False):
        if keep:
            mine = responses.filter(pl.col("campus_id") == campus).head(keep)
            responses = pl.concat([responses.filter(pl.col("campus_id") != campus), mine])
    return synthetic, responses


def cells(statistics: pl.DataFrame) -> pl.DataFrame:
    """One row per statistic × item × domain cell: ``n`` and ``suppressed`` (shared by answers)."""
    keys = ["statistic", "item", "domain", "group", "campus"]
    return statistics.select(*keys, "n", "suppressed").unique(keys, keep="first", maintain_order=True)


def _relations(part: pl.DataFrame) -> tuple[list[tuple[str, str, str]], list[tuple[tuple[str, str, str], list[tuple[str, str, str]]]]]:
    """Cells of one statistic × item and the exact relations margin = Σ children among them."""
    n = {(d, g, c): int(v or 0) for d, g, c, v in zip(part["domain"], part["group"], part["campus"], part["n"], strict=True)}
    cg = [k for k in n if k[0] == "campus_group"]
    relations = []
    for campus in {k[2] for k in cg}:
        relations.append((("campus", ENSEMBLE, campus), [k for k in cg if k[2] == campus]))
    for group in {k[1] for k in cg}:
        relations.append((("group", group, ENSEMBLE), [k for k in cg if k[1] == group]))
    ens = ("ensemble", ENSEMBLE, ENSEMBLE)
    relations.append((ens, [k for k in n if k[0] == "campus"]))
    relations.append((ens, [k for k in n if k[0] == "group"]))
    exact = [(m, ch) for m, ch in relations if m in n and ch and n[m] == sum(n[k] for k in ch)]
    return list(n), exact


def recoverable(statistics: pl.DataFrame, min_n: int) -> list[dict]:
    """Cells resting on fewer than ``min_n`` respondents that published margins reveal."""
    found = []
    table = cells(statistics)
    touched = table.filter(pl.col("suppressed")).select("statistic", "item").unique()
    table = table.join(touched, on=["statistic", "item"], how="semi", nulls_equal=True)
    for (statistic, item), part in table.partition_by(["statistic", "item"], as_dict=True, maintain_order=True).items():
        if part.height < 2:
            continue
        sup = {(d, g, c): bool(s) for d, g, c, s in zip(part["domain"], part["group"], part["campus"], part["suppressed"], strict=True)}
        n = {(d, g, c): int(v or 0) for d, g, c, v in zip(part["domain"], part["group"], part["campus"], part["n"], strict=True)}
        _, relations = _relations(part)
        unknown = [k for k in sup if sup[k] and n[k] > 0]
        if not unknown or not relations:
            continue
        pos = {k: i for i, k in enumerate(unknown)}
        rows = []
        for margin, children in relations:
            row = np.zeros(len(unknown))
            if margin in pos:
                row[pos[margin]] = 1.0
            for k in children:
                if k in pos:
                    row[pos[k]] -= 1.0
            if row.any():
                rows.append(row)
        if not rows:
            continue
        matrix = np.array(rows)
        rank = np.linalg.matrix_rank(matrix)
        for k in unknown:
            if n[k] >= min_n:
                continue  # withheld to protect another cell, not itself below the minimum
            probe = np.zeros(len(unknown))
            probe[pos[k]] = 1.0
            if np.linalg.matrix_rank(np.vstack([matrix, probe])) == rank:
                found.append({"statistic": statistic, "item": item, "domain": k[0], "group": k[1], "campus": k[2], "n": n[k]})
    return found


def below_minimum_with_values(statistics: pl.DataFrame, min_n: int) -> pl.DataFrame:
    """Rows with ``0 < n < min_n`` (or suppressed) that still carry a value."""
    small = (pl.col("n").is_not_null() & (pl.col("n") < min_n)) | pl.col("suppressed")
    carries = pl.any_horizontal(pl.col(c).is_not_null() for c in VALUES if c in statistics.columns)
    return statistics.filter(small & carries)


def french(value: float, digits: int) -> str:
    """A value as the reports print it: rounded, decimal comma."""
    rounded = round(value, digits)
    return f"{0.0 if rounded == 0 else rounded:.{digits}f}".replace(".", ",")


def numbers_in(text: str) -> set[str]:
    """Every number in ``text``, whole (not a piece of a longer one), comma or point."""
    return set(re.findall(r"(?<![\d.,])\d+(?:[.,]\d+)?(?![\d])", text))


def percents_in(text: str) -> set[str]:
    """Numbers printed as a percentage (« 19 % », narrow or ordinary no-break space)."""
    return set(re.findall(r"(?<![\d.,])(\d+(?:,\d+)?)[\u202f\u00a0 ]?%", text))


def log(record: dict) -> None:
    """One case for ``scripts/reliability_report.py`` (``RELIABILITY_LOG``)."""
    target = os.environ.get("RELIABILITY_LOG")
    if target:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"suite": "disclosure", **record}) + "\n")
