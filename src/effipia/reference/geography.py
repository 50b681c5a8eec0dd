"""Reference geography: département → académie → région, boundaries, centroids, projections.

Codes: a *département code* is written as in the INSEE commune code (``"01"``, ``"2A"``,
``"971"``); the nomenclature table's three-character form (``"001"``, ``"02A"``) is
converted by :func:`departement_key`. Every distance and area is measured in projected
metres: Lambert-93 (:data:`LAMBERT93`) in metropolitan France, the overseas
département's own projection otherwise (:func:`metric_crs`).
"""

from __future__ import annotations

import unicodedata
from functools import cache

import polars as pl

from effipia import nomenclatures
from effipia.reference.files import reference_path

__all__ = [
    "LAMBERT93",
    "academie_neighbours",
    "academie_outlines",
    "boundaries",
    "departement_centroids",
    "departement_key",
    "departement_of_commune",
    "departements",
    "fold",
    "metric_crs",
    "overseas_crs",
]

#: Projected CRS for every distance and area (RGF93 / Lambert-93).
LAMBERT93 = "EPSG:2154"

_BOUNDARY_FILES = {"departements": "departements.geojson", "regions": "regions.geojson", "academies": "academies.geojson"}


def fold(text: object) -> str:
    """Comparison key of a name: accents removed, case folded, hyphens as spaces (``"Orléans-Tours"`` → ``"orleans tours"``)."""
    if text is None:
        return ""
    decomposed = unicodedata.normalize("NFKD", str(text))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().replace("-", " ").strip()


def departement_key(code: str | None) -> str | None:
    """Normalise a département code to the INSEE commune-code form (``"001"`` → ``"01"``, ``"02A"`` → ``"2A"``)."""
    if code is None:
        return None
    code = code.strip().upper()
    if len(code) == 3 and code.startswith("0"):
        return code[1:]
    if len(code) == 1 and code.isdigit():
        return "0" + code
    return code or None


def departement_of_commune(insee: str | None) -> str | None:
    """Département of an INSEE commune code: 3 characters overseas (``97x``), else 2 (``2A``/``2B`` included)."""
    if insee is None:
        return None
    insee = insee.strip().upper()
    if len(insee) != 5:
        return None
    return insee[:3] if insee.startswith("97") else insee[:2]


@cache
def departements() -> pl.DataFrame:
    """Département → académie → région table (one row per département with a code).

    Columns ``departement`` (commune-code form), ``departement_name``, ``academie_code``,
    ``academie``, ``region_code``, ``region``.
    """
    table = nomenclatures.load("departements_academies_regions")
    return (
        table.filter(pl.col("codeDepartement").is_not_null())
        .select(
            pl.col("codeDepartement").map_elements(departement_key, return_dtype=pl.String).alias("departement"),
            pl.col("libelleDepartement").alias("departement_name"),
            pl.col("codeAcademie").alias("academie_code"),
            pl.col("libelleAcademie").alias("academie"),
            pl.col("codeRegion").alias("region_code"),
            pl.col("libelleRegion").alias("region"),
        )
        .unique(subset="departement", keep="first", maintain_order=True)
    )


@cache
def _boundaries(level: str, path: str):
    import geopandas as gpd

    gdf = gpd.read_file(path)
    if gdf.crs is None:
        gdf = gdf.set_crs("EPSG:4326")
    if level == "departements":
        gdf = gdf.rename(columns={"nom": "name"})
        gdf["code"] = gdf["code"].map(departement_key)
        table = departements().to_pandas().set_index("departement")
        gdf["academie_code"] = gdf["code"].map(table["academie_code"])
        gdf["region_code"] = gdf["code"].map(table["region_code"])
    elif level == "regions":
        gdf = gdf.rename(columns={"nom": "name"})
    else:
        gdf = gdf.rename(columns={"code_academie": "code", "code_region_2016": "region_code"})
    keep = [c for c in ("code", "name", "academie_code", "region_code") if c in gdf.columns]
    return gdf[keep + ["geometry"]].to_crs(LAMBERT93)


def boundaries(level: str):
    """Boundaries of ``level`` (``departements``, ``regions``, ``academies``) as a GeoDataFrame in Lambert-93.

    Columns ``code``, ``name`` (and ``academie_code``, ``region_code`` for départements).
    Départements are metropolitan only (IGN simplified file); regions include overseas.
    """
    if level not in _BOUNDARY_FILES:
        raise KeyError(f"unknown boundary level: {level}")
    return _boundaries(level, str(reference_path(_BOUNDARY_FILES[level]))).copy()


@cache
def _outlines(path: str):
    deps = boundaries("departements")
    return deps.dissolve(by="academie_code", as_index=False)[["academie_code", "geometry"]]


def academie_outlines():
    """Académie outlines drawn as the départements dissolved by académie code (metropolitan, Lambert-93)."""
    return _outlines(str(reference_path(_BOUNDARY_FILES["departements"]))).copy()


@cache
def _centroids(dep_path: str, reg_path: str) -> pl.DataFrame:
    deps = boundaries("departements")
    rows = {code: geom for code, geom in zip(deps["code"], deps.geometry, strict=True)}
    # Overseas départements are absent from the départements file; each is a region of its own.
    overseas = departements().filter(pl.col("departement").str.starts_with("97"))
    regions = boundaries("regions").set_index("code")
    for dep, region in overseas.select("departement", "region_code").iter_rows():
        if dep not in rows and region in regions.index:
            rows[dep] = regions.loc[region, "geometry"]
    return pl.DataFrame(
        {
            "departement": list(rows),
            "x_l93": [g.centroid.x for g in rows.values()],
            "y_l93": [g.centroid.y for g in rows.values()],
        }
    )


def departement_centroids() -> pl.DataFrame:
    """Centroid of each département's shipped boundary, in Lambert-93 metres (``departement``, ``x_l93``, ``y_l93``).

    Overseas départements take their region's outline (one département per region).
    """
    return _centroids(str(reference_path("departements.geojson")), str(reference_path("regions.geojson")))


@cache
def _overseas(path: str) -> dict[str, str]:
    table = pl.read_csv(path, infer_schema=False)
    return {dep: f"EPSG:{epsg}" for dep, epsg in table.select("departement", "epsg").iter_rows()}


def overseas_crs() -> dict[str, str]:
    """Projected CRS of each overseas département (``"974"`` → ``"EPSG:2975"``), from ``overseas_crs.csv``."""
    return _overseas(str(reference_path("overseas_crs.csv")))


def metric_crs(departements_of_points) -> str:
    """CRS in which to measure distances between points of these départements.

    Lambert-93 (EPSG:2154) is defined for metropolitan France; when every point lies in
    overseas départements sharing one local projection (e.g. 974 → RGR92 / UTM 40S), that
    projection is used instead. Mixed metropolitan and overseas points use Lambert-93.
    """
    local = overseas_crs()
    chosen = {local.get(d, LAMBERT93) for d in departements_of_points if d}
    return chosen.pop() if len(chosen) == 1 else LAMBERT93


#: Two académies are neighbours when their outlines come closer than this (the shipped
#: départements are simplified: shared borders do not always touch exactly).
NEIGHBOUR_GAP_M = 2_000


@cache
def _neighbours(path: str) -> dict[str, frozenset[str]]:
    outlines = academie_outlines()
    codes = outlines["academie_code"].tolist()
    grown = outlines.geometry.buffer(NEIGHBOUR_GAP_M / 2).tolist()
    out: dict[str, set[str]] = {code: set() for code in codes}
    for i, a in enumerate(codes):
        for j in range(i + 1, len(codes)):
            if grown[i].intersects(grown[j]):
                out[a].add(codes[j])
                out[codes[j]].add(a)
    return {code: frozenset(found) for code, found in out.items()}


def academie_neighbours() -> dict[str, frozenset[str]]:
    """Neighbouring académies of each metropolitan académie, by code (``"14"`` Rennes →
    Nantes, Caen). Overseas académies and Corse have none (not in the mapping or empty)."""
    return _neighbours(str(reference_path(_BOUNDARY_FILES["departements"])))
