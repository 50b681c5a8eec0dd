"""The interactive map of the schools of every campus: one HTML file that works offline.

Leaflet 1.9.4 (``effipia/static/leaflet``) and the boundaries are inlined, so the page
opens from ``file://`` with no network: the base layer is the shipped départements and
académies (simplified). Web tiles are added only when the caller passes a tile URL
(``https://…/{z}/{x}/{y}.png``). The page has a filter by campus and by filière and a
popup per school (name, UAI, commune, académie, campus, exact or approximate position).
"""

from __future__ import annotations

import json
import os
import re
from functools import cache
from importlib.resources import files
from pathlib import Path

import polars as pl
from jinja2 import Environment, PackageLoader, select_autoescape

from effipia import nomenclatures
from effipia.errors import EffipiaError
from effipia.labels import campus_label
from effipia.reference import LAMBERT93, boundaries

__all__ = ["check_tiles", "interactive_map", "render_interactive_map"]

_SIMPLIFY_M = 800  # boundary simplification for the page (Lambert-93 metres)
_DECIMALS = 4  # ≈ 10 m in latitude: enough for a national map, keeps the page small
_TILE_URL = re.compile(r"^https://\S*\{z\}\S*\{x\}\S*\{y\}\S*$")


def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("effipia", "templates"), autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True, lstrip_blocks=True,
    )


def _round(obj):
    if isinstance(obj, float):
        return round(obj, _DECIMALS)
    if isinstance(obj, (list, tuple)):
        return [_round(v) for v in obj]
    return obj


def _geojson(gdf) -> dict:
    simplified = gdf.copy()
    simplified["geometry"] = simplified.geometry.simplify(_SIMPLIFY_M, preserve_topology=True)
    data = json.loads(simplified.to_crs("EPSG:4326").to_json(drop_id=True))
    for feature in data["features"]:
        feature["geometry"]["coordinates"] = _round(feature["geometry"]["coordinates"])
    return data


@cache
def _base_layers() -> tuple[str, str]:
    deps = boundaries("departements")[["code", "name", "geometry"]]
    metro = deps.merge(boundaries("departements")[["code", "academie_code"]], on="code").dissolve(
        by="academie_code", as_index=False
    )[["academie_code", "geometry"]]
    overseas = boundaries("academies")
    overseas = overseas[~overseas["code"].isin(metro["academie_code"])].rename(columns={"code": "academie_code"})
    import pandas as pd

    academies = pd.concat([metro, overseas[["academie_code", "geometry"]]], ignore_index=True)
    academies = academies.set_geometry("geometry").set_crs(LAMBERT93, allow_override=True)
    return _script_json(_geojson(deps)), _script_json(_geojson(academies))


def _script_json(value) -> str:
    """JSON safe inside a <script> element (no "</" can close it)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).replace("<", "\\u003c")


@cache
def _leaflet() -> tuple[str, str]:
    folder = files("effipia") / "static" / "leaflet"
    css = (folder / "leaflet.css").read_text(encoding="utf-8")
    # Image URLs of controls effipia does not use would be requests from file://: drop them.
    css = re.sub(r"url\(images/[^)]*\)", "none", css)
    return (folder / "leaflet.js").read_text(encoding="utf-8"), css


def _to_wgs84(frame: pl.DataFrame, x: str, y: str) -> tuple[list[float], list[float]]:
    from pyproj import Transformer

    transformer = Transformer.from_crs(LAMBERT93, "EPSG:4326", always_xy=True)
    lon, lat = transformer.transform(frame[x].to_numpy(), frame[y].to_numpy())
    return [round(v, 6) for v in lat], [round(v, 6) for v in lon]


def _filiere_label(value: str | None, labels: dict[str, str]) -> str:
    if value is None or not str(value).strip():
        return "Filière non renseignée"
    return labels.get(value, value)


def check_tiles(tiles: str | None) -> None:
    """Raise a French error unless ``tiles`` is ``None`` or an https URL template with {z}, {x}, {y}."""
    if tiles is not None and not _TILE_URL.match(tiles):
        raise EffipiaError("territories.tiles_url", url=tiles)


def render_interactive_map(
    campuses: pl.DataFrame,
    schools: pl.DataFrame,
    supports: pl.DataFrame | None = None,
    tiles: str | None = None,
    title: str = "Établissements d'enseignement secondaire des campus",
) -> str:
    """HTML text of the interactive map (see the module docstring).

    ``tiles``: URL template of web tiles (``https://…/{z}/{x}/{y}.png``); ``None`` keeps
    the page fully offline.
    """
    check_tiles(tiles)
    labels = nomenclatures.labels("filieres", label_column="filiere")
    campus_rows = []
    for row in campuses.iter_rows(named=True):
        campus_rows.append(
            {
                "id": row["campus_id"],
                "label": " – ".join(v for v in (campus_label(row.get("letter"), row["campus_id"]), row.get("name")) if v),
                "filiere": _filiere_label(row.get("filiere"), labels),
            }
        )
    located = schools.filter(pl.col("x_l93").is_not_null())
    lat, lon = _to_wgs84(located, "x_l93", "y_l93") if located.height else ([], [])
    school_rows = [
        {
            "campus": r["campus_id"], "uai": r["uai"], "name": r["name"] or r["uai"], "commune": r["commune"] or "",
            "academie": r["academie"] or "", "approximate": bool(r["approximate"]),
            "precision": r.get("precision") or ("departement" if r["approximate"] else "exact"), "lat": la, "lon": lo,
        }
        for r, la, lo in zip(located.iter_rows(named=True), lat, lon, strict=True)
    ]
    support_rows = []
    if supports is not None:
        placed = supports.filter(pl.col("support_x_l93").is_not_null())
        if placed.height:
            slat, slon = _to_wgs84(placed, "support_x_l93", "support_y_l93")
            support_rows = [
                {"campus": r["campus_id"], "approximate": bool(r["support_approximate"]), "lat": la, "lon": lo}
                for r, la, lo in zip(placed.iter_rows(named=True), slat, slon, strict=True)
            ]
    departements_json, academies_json = _base_layers()
    leaflet_js, leaflet_css = _leaflet()
    data = {"campuses": campus_rows, "schools": school_rows, "supports": support_rows, "tiles": tiles}
    template = _environment().get_template("map/interactive.html.j2")
    return template.render(
        title=title, leaflet_js=leaflet_js, leaflet_css=leaflet_css, data=data,
        departements_json=departements_json, academies_json=academies_json,
        filieres=sorted({c["filiere"] for c in campus_rows}),
    )


def interactive_map(
    campuses: pl.DataFrame,
    schools: pl.DataFrame,
    supports: pl.DataFrame | None,
    path: str | os.PathLike[str],
    tiles: str | None = None,
) -> Path:
    """Write the interactive map to ``path`` (UTF-8 HTML) and return it."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_interactive_map(campuses, schools, supports, tiles=tiles), encoding="utf-8")
    return out
