"""Static maps for the reports (SVG and PNG), drawn from the shipped boundaries in Lambert-93.

Readable in black and white: départements in thin grey, académies (départements
dissolved by académie code) in thick black; on the national map each campus's territory is
the convex hull of its schools (slightly widened so that one or two schools still show),
hatched with a pattern of its own and labelled « lettre (identifiant) »; on a campus map
exact school positions are filled circles, positions at the commune's centroid hollow
circles, at the département's centre hollow squares, and the support establishment a
star. Every map's caption counts the positions of each precision. Overseas départements with schools
are drawn in insets of the national map, each in its own projection; an overseas campus's
map shows its département. The caption says how many schools could not be drawn.
"""

from __future__ import annotations

import itertools
import os
import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import polars as pl
from babel.numbers import format_decimal
from matplotlib.collections import LineCollection
from matplotlib.patches import PathPatch
from shapely.geometry import MultiPoint, box

from effipia.labels import campus_label, campus_labels
from effipia.reference import (
    LAMBERT93,
    academie_outlines,
    boundaries,
    departements,
    metric_crs,
    overseas_crs,
)

__all__ = ["METROPOLE", "OVERLAY_MAX", "campus_map", "national_map", "region_map", "territories_figure", "positions_text", "not_drawn"]

#: Lambert-93 box of metropolitan France (Corsica included), metres.
METROPOLE = box(50_000, 6_030_000, 1_250_000, 7_130_000)
_HATCHES = ["//", "\\\\", "||", "--", "++", "xx", "oo", "..", "**", "OO", "/o", "\\|", "-\\", "x.", "|*", "+o"]
_WIDEN_M = 6_000
_SVG_META = {"Date": None}
_PNG_DPI = 150

#: How a school is drawn by the precision of its position: legend text and marker style.
_MARKERS = {
    "exact": ("Lycée (position exacte)", {"marker": "o", "color": "black"}),
    "commune": ("Lycée (centre de la commune, position approchée)",
                {"marker": "o", "markerfacecolor": "white", "markeredgecolor": "black"}),
    "departement": ("Lycée (centre du département, position approchée)",
                    {"marker": "s", "markerfacecolor": "white", "markeredgecolor": "black"}),
}
_PRECISION_WORDS = {
    "exact": "exacte(s) (Annuaire de l'éducation)",
    "commune": "au centre de la commune",
    "departement": "au centre du département",
}


def _base(ax, bounds=None) -> None:
    deps = boundaries("departements")
    academies = academie_outlines()
    if bounds is not None:  # draw only what shows: much faster for a campus map
        frame = box(*bounds)
        deps = deps[deps.intersects(frame)]
        academies = academies[academies.intersects(frame)]
    ax.set_axis_off()
    ax.add_collection(LineCollection(_lines(deps.geometry), colors="#9a9a9a", linewidths=0.3))
    ax.add_collection(LineCollection(_lines(academies.geometry), colors="black", linewidths=0.9))
    if bounds is None:
        ax.autoscale_view()
    else:
        ax.set_xlim(bounds[0], bounds[2])
        ax.set_ylim(bounds[1], bounds[3])
    ax.set_aspect("equal")


def _lines(geometries) -> list:
    """Every ring of the (multi)polygons as a list of coordinates (for a LineCollection)."""
    rings = []
    for geom in geometries:
        for polygon in getattr(geom, "geoms", [geom]):
            rings += [list(polygon.exterior.coords)] + [list(r.coords) for r in polygon.interiors]
    return rings


def _metropolitan(frame: pl.DataFrame) -> tuple[pl.DataFrame, int]:
    xmin, ymin, xmax, ymax = METROPOLE.bounds
    inside = (
        pl.col("x_l93").is_between(xmin, xmax) & pl.col("y_l93").is_between(ymin, ymax)
    )
    located = frame.filter(pl.col("x_l93").is_not_null())
    kept = located.filter(inside)
    return kept, located.height - kept.height


def _save(fig, stem: Path) -> list[Path]:
    stem.parent.mkdir(parents=True, exist_ok=True)
    written = []
    with matplotlib.rc_context({"svg.hashsalt": "effipia", "svg.fonttype": "none"}):
        svg = stem.with_suffix(".svg")
        fig.savefig(svg, format="svg", metadata=_SVG_META, bbox_inches="tight")
        png = stem.with_suffix(".png")
        fig.savefig(png, format="png", dpi=_PNG_DPI, bbox_inches="tight")
        written += [svg, png]
    plt.close(fig)
    return written


def _precision(frame: pl.DataFrame) -> pl.Series:
    """Precision of each located school (``exact``/``commune``/``departement``); frames
    without the column read ``approximate`` as département centres, as placed before."""
    if "precision" in frame.columns:
        return frame["precision"]
    return frame["approximate"].replace_strict({False: "exact", True: "departement"}, return_dtype=pl.String)


def positions_text(schools: pl.DataFrame) -> str:
    """« Positions : 3 exacte(s) (Annuaire de l'éducation), 420 au centre de la commune. »"""
    located = schools.filter(pl.col("x_l93").is_not_null())
    if located.height == 0:
        return ""
    counts = dict(_precision(located).value_counts().iter_rows())
    parts = [f"{format_decimal(counts[p], locale='fr_FR')} {words}" for p, words in _PRECISION_WORDS.items() if counts.get(p)]
    return " Positions : " + ", ".join(parts) + "."


def _caption(left_out: int, lines: str = "traits épais : académies", schools: pl.DataFrame | None = None) -> str:
    text = f"Établissements d'enseignement secondaire ; {lines}."
    if schools is not None:
        text += positions_text(schools)
    if not left_out:
        return text
    return f"{text} {format_decimal(left_out, locale='fr_FR')} établissement(s) hors métropole non représenté(s)."


#: Above this many campuses the national map is drawn as small multiples (one panel per campus).
OVERLAY_MAX = 8


def not_drawn(campuses: pl.DataFrame, schools: pl.DataFrame, layout: str | None = None) -> int:
    """Located schools the national map of ``campuses`` leaves out: outside metropolitan
    France, less those of overseas départements drawn in the overlay's insets (the grid
    has no inset)."""
    _, left_out = _metropolitan(schools)
    if (layout or ("overlay" if campuses.height <= OVERLAY_MAX else "grid")) == "grid":
        return left_out
    return left_out - sum(frame.height for frame in _overseas_points(schools).values())


def national_map(
    campuses: pl.DataFrame,
    schools: pl.DataFrame,
    supports: pl.DataFrame | None,
    stem: str | os.PathLike[str],
    layout: str | None = None,
) -> list[Path]:
    """Draw the territories of every campus; write ``stem``.svg and .png and return the paths.

    ``layout``: ``"overlay"`` (every campus on one map, hatched hulls) or ``"grid"`` (one small
    map per campus, as Illustration 2 of the report, readable however many campuses overlap);
    by default overlay up to :data:`OVERLAY_MAX` campuses, grid above.
    """
    return _save(territories_figure(campuses, schools, supports, layout=layout), Path(stem))


def territories_figure(
    campuses: pl.DataFrame,
    schools: pl.DataFrame,
    supports: pl.DataFrame | None,
    *,
    layout: str | None = None,
    simplify_m: float | None = None,
    titled: bool = True,
):
    """The national map of :func:`national_map` as an unsaved matplotlib figure (the national
    report inlines it as Illustration 2). ``simplify_m``: académie outlines of the grid
    simplified to that tolerance in metres (a small panel cannot show finer detail; the
    SVG shrinks accordingly); ``titled=False``: no title nor caption in the image (the
    report prints its own)."""
    if (layout or ("overlay" if campuses.height <= OVERLAY_MAX else "grid")) == "grid":
        return _grid_figure(campuses, schools, supports, simplify_m=simplify_m, titled=titled)
    return _overlay_figure(campuses, schools, supports, titled=titled)


def _overlay_figure(campuses: pl.DataFrame, schools: pl.DataFrame, supports: pl.DataFrame | None, *, titled: bool = True):
    """The overlay national map as an unsaved figure (every campus on one metropolitan map)."""
    kept, left_out = _metropolitan(schools)
    fig, ax = plt.subplots(figsize=(8.3, 8.6))
    _base(ax, METROPOLE.bounds)
    labels = campus_labels(campuses)
    hatches = itertools.cycle(_HATCHES)
    for cid in campuses["campus_id"]:
        points = kept.filter(pl.col("campus_id") == cid).select("x_l93", "y_l93").unique(maintain_order=True).rows()
        if not points:
            continue
        hull = MultiPoint(points).convex_hull.buffer(_WIDEN_M)
        xs, ys = hull.exterior.xy
        ax.fill(xs, ys, facecolor="none", edgecolor="black", linewidth=0.7, hatch=next(hatches))
        ax.plot(*zip(*points, strict=True), linestyle="none", marker="o", markersize=1.8, color="black")
        # The label sits just above the hull: an opaque label inside it would hide the
        # schools of a concentrated campus (a hull a few km wide).
        ax.annotate(
            labels.get(cid, cid), (hull.centroid.x, hull.bounds[3]), xytext=(0, 2), textcoords="offset points",
            fontsize=7, ha="center", va="bottom",
            bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "black", "linewidth": 0.4},
        )
    if supports is not None and supports.height:
        sup, _ = _metropolitan(supports.rename({"support_x_l93": "x_l93", "support_y_l93": "y_l93"}))
        if sup.height:
            ax.plot(sup["x_l93"], sup["y_l93"], linestyle="none", marker="*", markersize=7,
                    markerfacecolor="white", markeredgecolor="black", markeredgewidth=0.6, label="Établissement support")
            ax.legend(loc="upper left", fontsize=7, frameon=True)
    if titled:
        ax.set_title("Les « territoires » des campus", fontsize=11)
    overseas = _overseas_points(schools)
    for i, (dep, frame) in enumerate(overseas.items()):
        inset = fig.add_axes([0.03 + 0.16 * i, 0.05, 0.15, 0.15])
        _draw_overseas(inset, dep, frame, None, labels=labels)
        left_out -= frame.height
    if titled:
        fig.text(0.02, 0.01, _caption(left_out, schools=schools), fontsize=7)
    return fig


def _grid_figure(campuses: pl.DataFrame, schools: pl.DataFrame, supports: pl.DataFrame | None, *,
                 simplify_m: float | None = None, titled: bool = True):
    """Small multiples: one metropolitan panel per campus (académies, hatched hull, schools, support)."""
    import math

    kept, left_out = _metropolitan(schools)
    n = max(campuses.height, 1)
    ncols = math.ceil(math.sqrt(n))
    nrows = math.ceil(n / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(8.3, 8.3 * nrows / ncols * 1.08), squeeze=False)
    light = _light_outlines(simplify_m) if simplify_m else None
    outline = None if light is not None else _lines(academie_outlines().geometry)
    support_xy = {}
    if supports is not None:
        support_xy = {c: (x, y) for c, x, y in supports.select("campus_id", "support_x_l93", "support_y_l93").iter_rows()}
    rows = list(campuses.select("campus_id", "letter").iter_rows())
    for ax, (cid, letter) in itertools.zip_longest(axes.flat, rows, fillvalue=(None, None)):
        ax.set_axis_off()
        if cid is None:
            continue
        if light is not None:
            ax.add_patch(PathPatch(light, facecolor="none", edgecolor="#777777", linewidth=0.25))
        else:
            ax.add_collection(LineCollection(outline, colors="#777777", linewidths=0.25))
        points = kept.filter(pl.col("campus_id") == cid).select("x_l93", "y_l93").unique(maintain_order=True).rows()
        if points:
            hull = MultiPoint(points).convex_hull.buffer(_WIDEN_M * 2)
            xs, ys = hull.exterior.xy
            ax.fill(xs, ys, facecolor="#d9d9d9", edgecolor="black", linewidth=0.6, hatch="////")
            ax.plot(*zip(*points, strict=True), linestyle="none", marker="o", markersize=1.5, color="black")
        sx, sy = support_xy.get(cid, (None, None))
        if sx is not None and METROPOLE.contains(MultiPoint([(sx, sy)]).centroid):
            ax.plot([sx], [sy], linestyle="none", marker="*", markersize=6, markerfacecolor="white",
                    markeredgecolor="black", markeredgewidth=0.5)
        ax.set_xlim(METROPOLE.bounds[0], METROPOLE.bounds[2])
        ax.set_ylim(METROPOLE.bounds[1], METROPOLE.bounds[3])
        ax.set_aspect("equal")
        ax.set_title(f"{campus_label(letter, cid)} : {format_decimal(len(points), locale='fr_FR')}", fontsize=7, pad=1)
    if titled:
        fig.suptitle("Les « territoires » des campus", fontsize=11)
        caption = _caption(left_out, "traits : académies", schools) + " Après le campus : points distincts ; étoile : établissement support."
        fig.text(0.02, 0.005, caption, fontsize=6)
        fig.subplots_adjust(left=0.01, right=0.99, bottom=0.03, top=0.94, wspace=0.05, hspace=0.15)
    else:
        fig.subplots_adjust(left=0.01, right=0.99, bottom=0.01, top=0.97, wspace=0.05, hspace=0.15)
    return fig


def _light_outlines(tolerance: float):
    """The académie borders as one matplotlib path, for small panels: every border drawn
    once (a border shared by two académies is one line, not two rings), simplified to
    ``tolerance`` metres, islands smaller than a square of 4 × ``tolerance`` left out."""
    from matplotlib.path import Path as MplPath
    from shapely import line_merge, unary_union

    smallest = (4 * tolerance) ** 2
    polygons = [part for geom in academie_outlines().geometry for part in getattr(geom, "geoms", [geom]) if part.area >= smallest]
    borders = line_merge(unary_union([polygon.boundary for polygon in polygons])).simplify(tolerance)
    vertices, codes = [], []
    for line in getattr(borders, "geoms", [borders]):
        coords = list(line.coords)
        if len(coords) >= 2:
            vertices += coords
            codes += [MplPath.MOVETO] + [MplPath.LINETO] * (len(coords) - 1)
    return MplPath(vertices, codes)


def _overseas_points(schools: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """Located schools of each overseas département with a projection of its own (sorted by code)."""
    local = overseas_crs()
    located = schools.filter(pl.col("x_l93").is_not_null() & pl.col("departement").is_in(list(local)))
    return {dep: located.filter(pl.col("departement") == dep) for dep in sorted(set(located["departement"]))}


def _draw_overseas(ax, dep: str, frame: pl.DataFrame, support: tuple[float, float] | None, labels=None) -> None:
    """Draw one overseas département in its own projection: outline, schools, support, campus labels."""
    import geopandas as gpd

    crs = metric_crs([dep])
    place = departements().filter(pl.col("departement") == dep).row(0, named=True)
    regions = boundaries("regions")
    outline = gpd.GeoSeries(regions[regions["code"] == place["region_code"]].geometry, crs=LAMBERT93).to_crs(crs)
    ax.set_axis_off()
    ax.add_collection(LineCollection(_lines(outline), colors="black", linewidths=0.8))
    ax.autoscale_view()
    ax.set_aspect("equal")
    transform = _to(crs)
    precision = _precision(frame)
    for kind, (label, style) in _MARKERS.items():
        part = frame.filter(precision == kind)
        if part.height:
            x, y = transform.transform(part["x_l93"].to_numpy(), part["y_l93"].to_numpy())
            ax.plot(x, y, linestyle="none", markersize=3 if labels else 7, label=label, **style)
    if labels:
        for cid in sorted(set(frame["campus_id"])):
            part = frame.filter(pl.col("campus_id") == cid)
            x, y = transform.transform(part["x_l93"].mean(), part["y_l93"].mean())
            ax.annotate(labels.get(cid, cid), (x, y), xytext=(4, 4), textcoords="offset points", fontsize=6)
    else:
        stacked = frame.group_by("x_l93", "y_l93", maintain_order=True).len("n").filter(pl.col("n") > 1)
        for x_l93, y_l93, n in stacked.iter_rows():
            x, y = transform.transform(x_l93, y_l93)
            ax.annotate(f"× {n}", (x, y), xytext=(6, 6), textcoords="offset points", fontsize=8)
    if support is not None:
        x, y = transform.transform(*support)
        ax.plot([x], [y], linestyle="none", marker="*", markersize=13, markerfacecolor="white", markeredgecolor="black",
                label="Établissement support")
    if labels:
        ax.set_title(place["departement_name"], fontsize=7)
    else:
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.01), ncol=2, fontsize=7, frameon=True)


def _to(crs: str):
    from pyproj import Transformer

    return Transformer.from_crs(LAMBERT93, crs, always_xy=True)


def campus_map(
    campus: dict, schools: pl.DataFrame, support: dict | None, stem: str | os.PathLike[str]
) -> list[Path]:
    """Draw the schools of one campus (``campus``: a row of the campus frame); write ``stem``.svg and .png."""
    mine = schools.filter(pl.col("campus_id") == campus["campus_id"])
    kept, left_out = _metropolitan(mine)
    fig, ax = plt.subplots(figsize=(7, 7))
    overseas = _overseas_points(mine)
    if kept.height == 0 and overseas:  # an overseas campus: its own département, its own projection
        dep, frame = max(overseas.items(), key=lambda item: item[1].height)
        sup = None
        if support and support.get("support_x_l93") is not None:
            sup = (support["support_x_l93"], support["support_y_l93"])
        _draw_overseas(ax, dep, frame, sup)
        ax.set_title(_campus_title(campus, frame.height), fontsize=10)
        fig.text(0.02, 0.01, _caption(mine.filter(pl.col("x_l93").is_not_null()).height - frame.height, schools=frame),
                 fontsize=7)
        return _save(fig, Path(stem))
    points = kept.select("x_l93", "y_l93").rows()
    sup_point = None
    if support and support.get("support_x_l93") is not None:
        candidate = (support["support_x_l93"], support["support_y_l93"])
        if METROPOLE.contains(MultiPoint([candidate]).centroid):
            sup_point = candidate
    extent_points = points + ([sup_point] if sup_point else [])
    if extent_points:
        minx, miny, maxx, maxy = MultiPoint(extent_points).bounds
        half = max(maxx - minx, maxy - miny, 60_000) / 2 + 40_000
        cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
        bounds = (cx - half, cy - half, cx + half, cy + half)
    else:
        bounds = METROPOLE.bounds
    _base(ax, bounds)
    precision = _precision(kept)
    for kind, (label, style) in _MARKERS.items():
        part = kept.filter(precision == kind)
        if part.height:
            ax.plot(part["x_l93"], part["y_l93"], linestyle="none", markersize=5 if kind == "exact" else 7,
                    label=label, **style)
    stacked = kept.group_by("x_l93", "y_l93", maintain_order=True).len("n").filter(pl.col("n") > 1)
    for x, y, n in stacked.iter_rows():  # schools sharing a position (same commune or département centre)
        ax.annotate(f"× {n}", (x, y), xytext=(6, 6), textcoords="offset points", fontsize=8)
    if sup_point:
        ax.plot([sup_point[0]], [sup_point[1]], linestyle="none", marker="*", markersize=13, markerfacecolor="white",
                markeredgecolor="black", label="Établissement support")
    if kept.height or sup_point:  # below the map: never hides a school
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.01), ncol=2, fontsize=7, frameon=True)
    ax.set_title(_campus_title(campus, kept.height), fontsize=10)
    fig.text(0.02, 0.01, _caption(left_out, schools=kept), fontsize=7)
    return _save(fig, Path(stem))


def _campus_title(campus: dict, n_schools: int) -> str:
    """« A (CMQ06) : 23 établissement(s) », the campus name on a second line."""
    head = f"{campus_label(campus.get('letter'), campus['campus_id'])} : {format_decimal(n_schools, locale='fr_FR')} établissement(s)"
    return f"{head}\n{textwrap.fill(campus['name'], 70)}" if campus.get("name") else head


def region_map(region_counts: pl.DataFrame, stem: str | os.PathLike[str], title: str = "Campus par région") -> list[Path]:
    """Metropolitan regions shaded by number of campuses (grey levels, the number written in
    each region); ``region_counts`` has ``region`` (names) and ``n``. Writes ``stem``.svg and .png."""
    from effipia.territories.characterise import normalise_region

    regions = boundaries("regions")
    regions = regions[regions.geometry.intersects(METROPOLE)].copy()
    names = normalise_region(pl.Series(regions["name"].tolist())).to_list()
    counts = dict(region_counts.select("region", "n").iter_rows())
    regions["n"] = [counts.get(name, 0) for name in names]
    top = max(regions["n"].max(), 1)
    fig, ax = plt.subplots(figsize=(7.5, 7.5))
    for geom, n in zip(regions.geometry, regions["n"], strict=True):
        grey = str(round(1 - 0.7 * n / top, 3))  # 1 = white (none) … 0.3 = dark grey (most)
        ax.add_patch(PathPatch(_path(geom), facecolor=grey, edgecolor="black", linewidth=0.8))
        point = geom.representative_point()
        ax.annotate(format_decimal(n, locale="fr_FR"), (point.x, point.y), ha="center", va="center", fontsize=10,
                    bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "edgecolor": "black", "linewidth": 0.4})
    ax.set_xlim(METROPOLE.bounds[0], METROPOLE.bounds[2])
    ax.set_ylim(METROPOLE.bounds[1], METROPOLE.bounds[3])
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.set_title(title, fontsize=11)
    fig.text(0.02, 0.01, "Nombre de campus par région (plus le gris est foncé, plus il y en a).", fontsize=7)
    return _save(fig, Path(stem))


def _path(geom):
    """A matplotlib path of a (multi)polygon, holes included."""
    from matplotlib.path import Path as MplPath

    polygons = getattr(geom, "geoms", [geom])
    vertices, codes = [], []
    for polygon in polygons:
        for ring in [polygon.exterior, *polygon.interiors]:
            coords = list(ring.coords)
            vertices += coords
            codes += [MplPath.MOVETO] + [MplPath.LINETO] * (len(coords) - 2) + [MplPath.CLOSEPOLY]
    return MplPath(vertices, codes)
