"""Commune centroids: where a school sits when only its commune is known.

``communes_centroides.csv`` (data/geo, provenance in its README) gives every commune of the
2018 code officiel géographique with the latitude / longitude of its polygon's centroid.
Paris, Lyon and Marseille are whole communes there (75056, 69123, 13055): a commune code of
one of their arrondissements (751xx, 6938x, 132xx, as the ministry's lists write them) is
read as its commune (:func:`commune_key`).
"""

from __future__ import annotations

from functools import cache

import polars as pl

from effipia.reference.files import reference_path
from effipia.reference.geography import LAMBERT93

__all__ = ["COMMUNES_FILE", "ARRONDISSEMENTS", "commune_centroids", "commune_key", "commune_positions"]

COMMUNES_FILE = "communes_centroides.csv"

#: Municipal arrondissement codes → their commune (INSEE: Paris 75101–75120, Lyon
#: 69381–69389, Marseille 13201–13216).
ARRONDISSEMENTS = {
    **{f"751{i:02d}": "75056" for i in range(1, 21)},
    **{f"6938{i}": "69123" for i in range(1, 10)},
    **{f"132{i:02d}": "13055" for i in range(1, 17)},
}


def commune_key(code: object) -> str | None:
    """The commune code a centroid is looked up under (``"75115"`` → ``"75056"``); ``None`` if empty."""
    if code is None:
        return None
    text = str(code).strip().upper()
    if not text:
        return None
    return ARRONDISSEMENTS.get(text, text)


@cache
def _centroids(path: str) -> pl.DataFrame:
    from pyproj import Transformer

    raw = pl.read_csv(path, infer_schema=False)
    lon = raw["longitude"].cast(pl.Float64).to_numpy()
    lat = raw["latitude"].cast(pl.Float64).to_numpy()
    x, y = Transformer.from_crs("EPSG:4326", LAMBERT93, always_xy=True).transform(lon, lat)
    return raw.select(
        pl.col("code_insee").alias("commune_insee"),
        pl.col("nom").alias("commune_name"),
        "departement",
        pl.Series("x_l93", x, dtype=pl.Float64),
        pl.Series("y_l93", y, dtype=pl.Float64),
    )


def commune_centroids() -> pl.DataFrame:
    """Every commune's centroid in Lambert-93 metres: ``commune_insee``, ``commune_name``,
    ``departement``, ``x_l93``, ``y_l93`` (overseas communes too: every position exchanged
    between stages is in Lambert-93; distances are measured in the local CRS)."""
    return _centroids(str(reference_path(COMMUNES_FILE)))


@cache
def _index(path: str) -> dict[str, tuple[float, float]]:
    frame = _centroids(path)
    return {c: (x, y) for c, x, y in frame.select("commune_insee", "x_l93", "y_l93").iter_rows()}


def commune_positions(codes) -> list[tuple[float, float] | None]:
    """Centroid of each commune code (arrondissements read as their commune); ``None`` when unknown."""
    index = _index(str(reference_path(COMMUNES_FILE)))
    return [index.get(commune_key(code)) if code is not None else None for code in codes]
