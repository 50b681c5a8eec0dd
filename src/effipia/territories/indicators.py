"""Territory indicators of each campus, from its located schools (section 1.2 of the report).

All distances and areas are computed in projected metres, reported in km and km²: in
Lambert-93 (EPSG:2154), or, for a campus whose schools all lie in one overseas
département, in that département's legal projection (:func:`metric_crs`; Lambert-93
stretches distances there, by ≈ 1.9 at La Réunion). Coordinates exchanged between stages
stay in Lambert-93 (``x_l93``, ``y_l93``).

Support establishment (« établissement support ») — the rule, in order:

1. the first partner of the campus (in partner order) that is a consortium member
   (``consortium`` = 1) and whose ``partner_type`` or ``category`` equals the campus's
   ``support_type`` (or whose type label does); if no consortium member matches, the
   first partner that matches regardless of consortium;
2. it is placed where its school was placed when it is one of the located schools (same
   precision), otherwise at the centroid of its ``commune_insee`` (precision ``commune``),
   or of that commune's département (precision ``departement``);
3. when no partner matches or it cannot be placed, the support is placed at the centroid
   of the campus's académie (``academie`` given as code or name; outline = its
   départements dissolved; overseas académies from the académie boundaries), approximate;
4. otherwise the support is unknown and distances to it are empty.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import polars as pl

from effipia import nomenclatures
from effipia.reference import (
    LAMBERT93,
    commune_positions,
    academie_outlines,
    boundaries,
    departement_centroids,
    departement_of_commune,
    departements,
    fold,
    metric_crs,
)

__all__ = [
    "SUPPORT_COLUMNS",
    "TERRITORY_COLUMNS",
    "compare_territories",
    "distances_to_support",
    "locate_supports",
    "territory_indicators",
]

#: Columns of ``territories.csv`` (contract), then extras.
TERRITORY_COLUMNS: dict[str, pl.DataType] = {
    "campus_id": pl.String,
    "n_schools": pl.Int64,
    "n_departements": pl.Int64,
    "n_academies": pl.Int64,
    "n_regions": pl.Int64,
    "hull_area_km2": pl.Float64,
    "max_distance_km": pl.Float64,
    "mean_distance_to_support_km": pl.Float64,
    "n_approximate": pl.Int64,
    "campus_letter": pl.String,
    "precision": pl.String,  # coarsest position the indicators rest on: exact | commune | departement
}

#: Precisions from the finest; a campus's indicators are as precise as its coarsest position.
_PRECISION_ORDER = ("exact", "commune", "departement")

SUPPORT_COLUMNS: dict[str, pl.DataType] = {
    "campus_id": pl.String,
    "support_partner_id": pl.String,
    "support_x_l93": pl.Float64,
    "support_y_l93": pl.Float64,
    "support_approximate": pl.Boolean,
    "support_rule": pl.String,  # partenaire_etablissement | partenaire_commune | academie | inconnu
    "support_precision": pl.String,  # exact | commune | departement | academie
}


@cache
def _academie_centroids() -> dict[str, tuple[float, float]]:
    out: dict[str, tuple[float, float]] = {}
    academies = boundaries("academies")
    for code, geom in zip(academies["code"], academies.geometry, strict=True):
        out[code] = (geom.centroid.x, geom.centroid.y)
    outlines = academie_outlines()
    for code, geom in zip(outlines["academie_code"], outlines.geometry, strict=True):
        out[code] = (geom.centroid.x, geom.centroid.y)  # metropolitan: dissolved départements win
    return out


def _academie_code(value: str | None) -> str | None:
    if value is None or not str(value).strip():
        return None
    table = departements().select("academie_code", "academie").unique()
    value = str(value).strip()
    if value in set(table["academie_code"]):
        return value
    by_name = {fold(name): code for code, name in table.iter_rows()}
    return by_name.get(fold(value))


def _type_labels() -> dict[str, str]:
    return {fold(label): code for code, label in nomenclatures.labels("partner_types").items()}


def locate_supports(campuses: pl.DataFrame, partners: pl.DataFrame, schools: pl.DataFrame) -> pl.DataFrame:
    """Place the support establishment of every campus (rule in the module docstring).

    Returns one row per campus with :data:`SUPPORT_COLUMNS`.
    """
    centroids = {d: (x, y) for d, x, y in departement_centroids().iter_rows()}
    placed = {
        pid: (x, y, a, p)
        for pid, x, y, a, p in schools.select("partner_id", "x_l93", "y_l93", "approximate", "precision").iter_rows()
    }
    labels = _type_labels()
    by_campus: dict[str, list[dict]] = {}
    for p in partners.iter_rows(named=True):
        by_campus.setdefault(p["campus_id"], []).append(p)
    rows = []
    for campus in campuses.iter_rows(named=True):
        cid = campus["campus_id"]
        wanted = campus.get("support_type")
        wanted_code = labels.get(fold(wanted), wanted) if wanted else None
        row = {"campus_id": cid, "support_partner_id": None, "support_x_l93": None, "support_y_l93": None,
               "support_approximate": None, "support_rule": "inconnu", "support_precision": None}
        candidates = [
            p for p in by_campus.get(cid, [])
            if wanted_code and wanted_code in (p.get("partner_type"), p.get("category"))
        ]
        candidates.sort(key=lambda p: p.get("consortium") != 1)  # stable: consortium members first
        for p in candidates[:1]:
            row["support_partner_id"] = p["partner_id"]
            (commune,) = commune_positions([p.get("commune_insee")])
            if p["partner_id"] in placed and placed[p["partner_id"]][0] is not None:
                x, y, approximate, precision = placed[p["partner_id"]]
                row |= {"support_x_l93": x, "support_y_l93": y, "support_approximate": approximate,
                        "support_rule": "partenaire_etablissement", "support_precision": precision}
            elif commune is not None:
                row |= {"support_x_l93": commune[0], "support_y_l93": commune[1], "support_approximate": True,
                        "support_rule": "partenaire_commune", "support_precision": "commune"}
            elif departement_of_commune(p.get("commune_insee")) in centroids:
                x, y = centroids[departement_of_commune(p.get("commune_insee"))]
                row |= {"support_x_l93": x, "support_y_l93": y, "support_approximate": True,
                        "support_rule": "partenaire_commune", "support_precision": "departement"}
        if row["support_x_l93"] is None:
            code = _academie_code(campus.get("academie"))
            if code in _academie_centroids():
                x, y = _academie_centroids()[code]
                row |= {"support_x_l93": x, "support_y_l93": y, "support_approximate": True, "support_rule": "academie",
                        "support_precision": "academie"}
        rows.append(row)
    return pl.DataFrame(rows, schema=SUPPORT_COLUMNS) if rows else pl.DataFrame(schema=SUPPORT_COLUMNS)


@cache
def _transformer(crs: str):
    from pyproj import Transformer

    return Transformer.from_crs(LAMBERT93, crs, always_xy=True)


def _metric(xy: np.ndarray, crs: str) -> np.ndarray:
    """Lambert-93 points (n × 2) in ``crs`` metres."""
    if crs == LAMBERT93 or len(xy) == 0:
        return xy
    x, y = _transformer(crs).transform(xy[:, 0], xy[:, 1])
    return np.column_stack([x, y])


def distances_to_support(schools: pl.DataFrame, supports: pl.DataFrame) -> pl.DataFrame:
    """``schools`` with ``distance_to_support_km`` (straight line in the campus's metric CRS;
    empty when either point is unknown)."""
    support_xy = {c: (x, y) for c, x, y in supports.select("campus_id", "support_x_l93", "support_y_l93").iter_rows()}
    distances = np.full(schools.height, np.nan)
    campus_ids = schools["campus_id"].to_numpy()
    for cid in set(campus_ids.tolist()):
        sx, sy = support_xy.get(cid, (None, None))
        if sx is None:
            continue
        rows = np.flatnonzero(campus_ids == cid)
        mine = schools[rows]
        crs = metric_crs(mine["departement"].to_list())
        points = _metric(mine.select("x_l93", "y_l93").to_numpy().astype(float), crs)
        support = _metric(np.array([[sx, sy]], dtype=float), crs)[0]
        distances[rows] = np.hypot(points[:, 0] - support[0], points[:, 1] - support[1]) / 1000
    return schools.with_columns(pl.Series("distance_to_support_km", distances).fill_nan(None))


def _spread(points: np.ndarray) -> tuple[float | None, float | None]:
    """Convex-hull area (km²) and largest pairwise distance (km) of distinct points."""
    if len(points) == 0:
        return None, None
    from scipy.spatial.distance import pdist
    from shapely.geometry import MultiPoint

    unique = np.unique(points, axis=0)
    max_distance = float(pdist(unique).max()) / 1000 if len(unique) > 1 else 0.0
    area = MultiPoint([tuple(p) for p in unique]).convex_hull.area / 1e6  # 0 for a point or a segment
    return float(area), max_distance


def territory_indicators(
    campuses: pl.DataFrame, schools: pl.DataFrame, supports: pl.DataFrame | None = None
) -> pl.DataFrame:
    """One row per campus (every campus of ``campuses``, in order) with :data:`TERRITORY_COLUMNS`.

    ``schools`` is the located-schools frame (:func:`effipia.territories.geolocate.locate_schools`);
    a school partner listed twice in a campus (same UAI) counts once. ``supports`` comes from
    :func:`locate_supports`; without it the distance to the support is empty.

    ``precision`` marks indicators resting on approximate positions: ``exact`` when every
    school has its Annuaire coordinates, else the coarsest precision among them
    (``commune``: hull and distances between commune centroids; ``departement``: at least
    one school at its département's centre). ``campus_letter`` is the campus's ``letter``.
    """
    rows = []
    with_distance = distances_to_support(schools, supports) if supports is not None else None
    letters = campuses["letter"].to_list() if "letter" in campuses.columns else [None] * campuses.height
    for cid, letter in zip(campuses["campus_id"].to_list(), letters, strict=True):
        mine = schools.filter((pl.col("campus_id") == cid) & pl.col("x_l93").is_not_null())
        distinct = mine.unique(subset="uai", keep="first", maintain_order=True)
        crs = metric_crs(distinct["departement"].to_list())
        area, max_distance = _spread(_metric(distinct.select("x_l93", "y_l93").to_numpy().astype(float), crs))
        mean_support = None
        if with_distance is not None:
            d = with_distance.filter(pl.col("campus_id") == cid).unique(subset="uai", keep="first")["distance_to_support_km"]
            mean_support = d.mean() if d.drop_nulls().len() else None
        rows.append(
            {
                "campus_id": cid,
                "n_schools": distinct.height,
                "n_departements": distinct["departement"].drop_nulls().n_unique(),
                "n_academies": distinct["academie_code"].drop_nulls().n_unique(),
                "n_regions": distinct["region_code"].drop_nulls().n_unique(),
                "hull_area_km2": area,
                "max_distance_km": max_distance,
                "mean_distance_to_support_km": mean_support,
                "n_approximate": int(distinct["approximate"].sum() or 0),
                "campus_letter": letter,
                "precision": _coarsest(distinct["precision"].to_list() if "precision" in distinct.columns else []),
            }
        )
    return pl.DataFrame(rows, schema=TERRITORY_COLUMNS) if rows else pl.DataFrame(schema=TERRITORY_COLUMNS)


def _coarsest(precisions: list[str | None]) -> str | None:
    known = [p for p in precisions if p in _PRECISION_ORDER]
    return max(known, key=_PRECISION_ORDER.index) if known else None


def compare_territories(indicators: pl.DataFrame) -> pl.DataFrame:
    """Compare campuses: rank by spread and class each as concentrated, intermediate or spread.

    Adds ``rank_spread`` (1 = most spread, by ``max_distance_km``) and ``profile``:
    ``concentre`` (lower third of the campuses with schools), ``etendu`` (upper third),
    ``intermediaire`` otherwise; campuses with fewer than two schools have no profile.
    """
    measured = pl.col("max_distance_km").is_not_null() & (pl.col("n_schools") >= 2)
    ranked = indicators.with_columns(
        pl.when(measured).then(pl.col("max_distance_km")).rank("min", descending=True).cast(pl.Int64).alias("rank_spread")
    )
    values = ranked.filter(measured)["max_distance_km"]
    if values.len() == 0:
        return ranked.with_columns(pl.lit(None, dtype=pl.String).alias("profile"))
    low, high = values.quantile(1 / 3, "linear"), values.quantile(2 / 3, "linear")
    profile = (
        pl.when(~measured).then(None)
        .when(pl.col("max_distance_km") <= low).then(pl.lit("concentre"))
        .when(pl.col("max_distance_km") >= high).then(pl.lit("etendu"))
        .otherwise(pl.lit("intermediaire"))
    )
    return ranked.with_columns(profile.alias("profile"))
