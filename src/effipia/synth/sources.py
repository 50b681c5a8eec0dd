"""Package data the generator reads: published targets, calibration, campus table, lycées.

Everything is loaded with :mod:`importlib.resources` from ``effipia/data/synth`` (the
generator's calibration) and ``effipia/data/reference`` (published figures); the lycée list
comes from the reference stage (:mod:`effipia.reference`, so ``EFFIPIA_REFERENCE`` replaces it).
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib.resources import files
from typing import Any

import polars as pl

from effipia import reference

__all__ = ["calibration", "campus_effects", "campus_table", "lycees", "names", "partner_directory", "published"]

_SYNTH = files("effipia") / "data" / "synth"
_REFERENCE = files("effipia") / "data" / "reference"


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


def lycees() -> pl.DataFrame:
    """Real lycées of France, as :func:`effipia.reference.lycees` loads them: the
    ministry IPS file shipped in ``data/reference``, or the user's newer list in
    ``EFFIPIA_REFERENCE``. Lycées whose département has no académie are left out, and a UAI
    listed twice is kept once (first row).

    Columns ``uai``, ``name``, ``commune_insee``, ``commune``, ``departement`` (INSEE
    commune-code form, e.g. ``"01"``, ``"2A"``, ``"971"``), ``academie``, ``region``.
    """
    return (
        reference.lycees()
        .filter(pl.col("academie").is_not_null())
        .unique(subset="uai", keep="first", maintain_order=True)
        .select("uai", "name", "commune_insee", "commune", "departement", "academie", "region")
    )
