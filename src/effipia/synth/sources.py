"""Package data the generator reads: published targets, calibration, campus table, lycées.

Everything is loaded with :mod:`importlib.resources` from ``effipia/data/synth`` (the
generator's calibration) and ``effipia/data/reference`` (published figures, lycée list).
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib.resources import files
from typing import Any

import polars as pl

from effipia import nomenclatures

__all__ = ["published", "calibration", "campus_table", "campus_effects", "partner_directory", "names", "lycees"]

_SYNTH = files("effipia") / "data" / "synth"
_REFERENCE = files("effipia") / "data" / "reference"
LYCEES_FILE = "lycees_ips_2021-2022.csv"


@cache
def published() -> dict[str, Any]:
    """Published figures of the Céreq 2024 report (``data/reference/published_cereq_2024.toml``)."""
    return tomllib.loads((_REFERENCE / "published_cereq_2024.toml").read_text(encoding="utf-8"))


@cache
def calibration() -> dict[str, Any]:
    """The generator's calibration (``data/synth/calibration.toml``)."""
    return tomllib.loads((_SYNTH / "calibration.toml").read_text(encoding="utf-8"))


@cache
def names() -> dict[str, Any]:
    """Word lists used to invent plausible partner names (``data/synth/names.toml``)."""
    return tomllib.loads((_SYNTH / "names.toml").read_text(encoding="utf-8"))


def _csv(name: str) -> pl.DataFrame:
    return pl.read_csv((_SYNTH / name).read_bytes(), infer_schema=False)


@cache
def campus_table() -> pl.DataFrame:
    """The 32 campuses with the published structure (registry columns + ``home_departement``)."""
    int_columns = ["year_created", "excellence", "pia_wave", "duration_years", "pia_amount_eur"]
    return _csv("campuses.csv").with_columns(pl.col(int_columns).cast(pl.Int64))


@cache
def campus_effects() -> pl.DataFrame:
    """Latent campus effects (standardised) of the 32 campuses, keyed by ``campus_id``."""
    return _csv("campus_effects.csv").with_columns(
        pl.col("quality", "resources", "engagement", "breadth").cast(pl.Float64)
    )


@cache
def partner_directory() -> pl.DataFrame:
    """Number of partners per campus and survey group in the default campaign."""
    return _csv("partner_directory.csv").with_columns(pl.exclude("campus_id").cast(pl.Int64))


def _departement_key(code: str) -> str:
    code = code.strip().upper()
    return code[1:] if len(code) == 3 and code.startswith("0") else code


@cache
def lycees() -> pl.DataFrame:
    """Real lycées of France (ministry IPS file 2021-2022 shipped in ``data/reference``).

    Columns ``uai``, ``name``, ``commune_insee``, ``commune``, ``departement`` (INSEE
    commune-code form, e.g. ``"01"``, ``"2A"``, ``"971"``), ``academie``, ``region``.
    """
    raw = (_REFERENCE / LYCEES_FILE).read_bytes().removeprefix(b"\xef\xbb\xbf")
    table = pl.read_csv(raw, separator=";", infer_schema=False)
    geography = (
        nomenclatures.load("departements_academies_regions")
        .filter(pl.col("codeDepartement").is_not_null())
        .select(
            pl.col("codeDepartement").map_elements(_departement_key, return_dtype=pl.String).alias("departement"),
            pl.col("libelleAcademie").alias("academie"),
            pl.col("libelleRegion").alias("region"),
        )
        .unique(subset="departement", keep="first", maintain_order=True)
    )
    return (
        table.select(
            pl.col("uai").str.strip_chars().str.to_uppercase(),
            pl.col("nom_de_l_etablissment").alias("name"),
            pl.col("code_insee_de_la_commune").alias("commune_insee"),
            pl.col("nom_de_la_commune").alias("commune"),
            pl.col("code_du_departement").map_elements(_departement_key, return_dtype=pl.String).alias("departement"),
        )
        .join(geography, on="departement", how="inner")
        .unique(subset="uai", keep="first", maintain_order=True)
    )
