"""Per-campus comparison of the registers (report section 6.3, Illustrations 6 and 7).

From the register rows of the statistics set (campus domain), :func:`comparison_rows`
adds, per register, each campus's rank (``register_rank``, 1 = highest score), and the
campus profile (``campus_profile``: plain mean of the profile registers' scores — dynamics,
leadership, resource satisfaction, use of resources, management — with its rank,
``campus_profile_rank``), and the balance of resource satisfaction against dissatisfaction
(``resources_balance``, Illustration 6). Suppressed campus scores are neither ranked nor
averaged.
:func:`extreme_campuses` names the campuses with the highest and lowest profiles.
"""

from __future__ import annotations


import polars as pl

from effipia.analysis.layout import ENSEMBLE, conform_rows, empty_rows

__all__ = ["PROFILE_REGISTERS", "comparison_rows", "extreme_campuses"]

#: Registers averaged into a campus profile (Illustration 7; dissatisfaction is its mirror).
PROFILE_REGISTERS: tuple[str, ...] = ("dyn", "lead", "res_level_sat", "res_use", "mgmt")


def comparison_rows(register_rows: pl.DataFrame, *, titles: dict[str, str] | None = None) -> pl.DataFrame:
    """Ranks per register and campus profiles from register rows (statistic ``register``)."""
    titles = titles or {}
    campus = register_rows.filter(
        (pl.col("statistic") == "register") & (pl.col("domain") == "campus") & ~pl.col("suppressed")
    ).filter(pl.col("estimate").is_not_null())
    if campus.is_empty():
        return empty_rows()
    ranks = campus.with_columns(
        pl.col("estimate").rank("min", descending=True).over("item").cast(pl.Float64).alias("estimate"),
        pl.len().over("item").cast(pl.Int64).alias("n"),
        pl.lit("register_rank").alias("statistic"),
        pl.lit("rank").alias("unit"),
        pl.lit(titles.get("register_rank")).cast(pl.String).alias("title"),
        pl.lit(None, dtype=pl.Float64).alias("ci_low"),
        pl.lit(None, dtype=pl.Float64).alias("ci_high"),
        pl.lit(None, dtype=pl.Float64).alias("se"),
    )
    profile = (
        campus.filter(pl.col("item").is_in(PROFILE_REGISTERS))
        .group_by("campus", maintain_order=True)  # campuses in register-row order: same file every run
        .agg(pl.col("estimate").mean(), pl.col("n").max(), pl.col("item").n_unique().alias("_k"))
        .filter(pl.col("_k") == pl.col("_k").max())
        .drop("_k")
    )
    profile = profile.with_columns(
        pl.lit("campus_profile").alias("statistic"),
        pl.lit("profile").alias("item"),
        pl.lit(ENSEMBLE).alias("group"),
        pl.lit("campus").alias("domain"),
        pl.lit("score").alias("unit"),
        pl.lit(titles.get("campus_profile")).cast(pl.String).alias("title"),
    )
    profile_rank = profile.with_columns(
        pl.col("estimate").rank("min", descending=True).cast(pl.Float64).alias("estimate"),
        pl.len().cast(pl.Int64).alias("n"),
        pl.lit("campus_profile_rank").alias("statistic"),
        pl.lit("rank").alias("unit"),
        pl.lit(titles.get("campus_profile_rank")).cast(pl.String).alias("title"),
    )
    parts = [conform_rows(ranks), conform_rows(profile), conform_rows(profile_rank)]
    balance = _resources_balance(campus, titles)
    if balance is not None:
        parts.append(balance)
    return pl.concat(parts, how="diagonal_relaxed")


def _resources_balance(campus: pl.DataFrame, titles: dict[str, str]) -> pl.DataFrame | None:
    """Illustration 6: satisfaction minus dissatisfaction per campus, and how many campuses
    have dissatisfaction dominating (``item = "dissat_dominates"``, ensemble row)."""
    sat = campus.filter(pl.col("item") == "res_level_sat").select("campus", "n", pl.col("estimate").alias("sat"))
    dis = campus.filter(pl.col("item") == "res_level_dissat").select("campus", pl.col("estimate").alias("dissat"))
    both = sat.join(dis, on="campus")
    if both.is_empty():
        return None
    title = titles.get("resources_balance")
    per_campus = both.select(
        pl.lit("resources_balance").alias("statistic"),
        pl.lit("sat_minus_dissat").alias("item"),
        pl.lit(ENSEMBLE).alias("group"),
        "campus",
        (pl.col("sat") - pl.col("dissat")).alias("estimate"),
        pl.col("n"),
        pl.lit("campus").alias("domain"),
        pl.lit("score").alias("unit"),
        pl.lit(title).cast(pl.String).alias("title"),
    )
    count = pl.DataFrame(
        {
            "statistic": ["resources_balance"],
            "item": ["dissat_dominates"],
            "group": [ENSEMBLE],
            "campus": [ENSEMBLE],
            "estimate": [float((both["dissat"] > both["sat"]).sum())],
            "n": [both.height],
            "domain": ["ensemble"],
            "unit": ["count"],
            "title": [title],
        },
        schema_overrides={"title": pl.String},
    )
    return pl.concat([conform_rows(per_campus), conform_rows(count)], how="diagonal_relaxed")


def extreme_campuses(statistics: pl.DataFrame, *, top: int = 5, bottom: int = 3) -> tuple[list[str], list[str]]:
    """``(highest, lowest)`` campus ids by profile (highest first; lowest, lowest first)."""
    prof = statistics.filter((pl.col("statistic") == "campus_profile") & pl.col("estimate").is_not_null())
    ordered = prof.sort(["estimate", "campus"], descending=[True, False])["campus"].to_list()
    return ordered[:top], list(reversed(ordered[-bottom:])) if bottom else []
