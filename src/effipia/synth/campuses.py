"""Campuses of a synthetic campaign: the 32 of the report's structure, then more at scale."""

from __future__ import annotations

import numpy as np
import polars as pl

from effipia.schema import CAMPUS_COLUMNS
from effipia.synth import sources

__all__ = ["make_campuses"]

_EFFECTS = ["quality", "resources", "engagement", "breadth"]


def make_campuses(n: int, rng: np.random.Generator) -> pl.DataFrame:
    """``n`` campuses in the registry layout plus ``home_departement`` and latent effects.

    The first 32 are the shipped structure table (durations, amounts, supports, regions and
    waves of the report, chapter 1) with their planted effects; campuses beyond 32 (national
    scale) are drawn from the same distributions, their territory from the lycée geography.
    """
    table = sources.campus_table().join(sources.campus_effects().drop("letter"), on="campus_id", how="left")
    if n <= table.height:
        return table.head(n)
    extra = _extra_campuses(n - table.height, table, rng)
    return pl.concat([table, extra], how="vertical_relaxed")


def _extra_campuses(m: int, table: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    lycees = sources.lycees()
    # territories weighted by their number of lycées: big académies host more campuses
    by_dep = lycees.group_by("departement", "academie", "region").len().sort("departement")
    picked = by_dep[rng.choice(by_dep.height, size=m, p=(by_dep["len"] / by_dep["len"].sum()).to_numpy())]
    start = table.height + 1
    ids = [f"CMQ{i:02d}" for i in range(start, start + m)]
    filiere = rng.choice(table["filiere"].to_numpy(), size=m)
    themes = sources.names()["themes"]
    low, high = int(table["pia_amount_eur"].min()), int(table["pia_amount_eur"].max())
    quality = rng.normal(0.0, 0.8, m)
    frame = pl.DataFrame(
        {
            "campus_id": ids,
            "filiere": filiere,
            "region": picked["region"],
            "academie": picked["academie"],
            "home_departement": picked["departement"],
            "year_created": rng.integers(2013, 2024, m),
            "excellence": (rng.uniform(size=m) < 0.6).astype(np.int64),
            "pia_wave": rng.integers(1, 6, m),
            "duration_years": rng.choice(table["duration_years"].to_numpy(), size=m),
            "pia_amount_eur": np.exp(rng.uniform(np.log(low), np.log(high), m)).astype(np.int64),
            "support_type": rng.choice(table["support_type"].to_numpy(), size=m),
            "quality": quality,
            "resources": 0.6 * quality + rng.normal(0.0, 0.5, m),
            "engagement": 0.5 * quality + rng.normal(0.0, 0.5, m),
            "breadth": rng.normal(0.0, 0.6, m),
        }
    ).with_columns(
        pl.format(
            "Campus des métiers et des qualifications {} — {} {}",
            pl.col("filiere").replace_strict(themes, default="").str.slice(0, 1).str.to_uppercase()
            + pl.col("filiere").replace_strict(themes, default="").str.slice(1),
            pl.col("academie"),
            pl.col("campus_id").str.slice(3),
        ).alias("name"),
        pl.lit(None, dtype=pl.String).alias("letter"),
    )
    return frame.select(list(CAMPUS_COLUMNS) + ["home_departement"] + _EFFECTS).cast(
        {name: dtype for name, dtype in CAMPUS_COLUMNS.items()}
    )
