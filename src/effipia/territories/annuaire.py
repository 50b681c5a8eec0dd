"""Reading the ministry's « Annuaire de l'éducation » (``fr-en-annuaire-education``) in its official layout.

The full national file is a download from the ministry's open-data portal (``;``-separated
in the portal export, ``,`` in some extracts); only its official column names are relied
on: ``Identifiant_de_l_etablissement``, ``latitude``, ``longitude`` (WGS 84) are required,
the name, type, commune and département columns are used when present.
"""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl

from effipia.errors import EffipiaError
from effipia.reference import LAMBERT93, departement_key

__all__ = ["ANNUAIRE_COLUMNS", "read_annuaire"]

#: Official column → effipia column.
ANNUAIRE_COLUMNS = {
    "Identifiant_de_l_etablissement": "uai",
    "Nom_etablissement": "name",
    "Type_etablissement": "type",
    "Code_commune": "commune_insee",
    "Nom_commune": "commune",
    "Code_departement": "departement",
    "latitude": "latitude",
    "longitude": "longitude",
}
_REQUIRED = ("Identifiant_de_l_etablissement", "latitude", "longitude")


def _decode(raw: bytes) -> str:
    raw = raw.removeprefix(b"\xef\xbb\xbf")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252")


def read_annuaire(path: str | os.PathLike[str]) -> pl.DataFrame:
    """Establishments of an Annuaire de l'éducation file with Lambert-93 coordinates.

    Returns columns ``uai``, ``name``, ``type``, ``commune_insee``, ``commune``,
    ``departement`` (commune-code form), ``x_l93``, ``y_l93``; rows without coordinates are
    left out (they cannot place anything). Raises :class:`EffipiaError` when the file is
    missing, unreadable or lacks the official identifier/latitude/longitude columns.
    """
    source = Path(path)
    if not source.is_file():
        raise EffipiaError("generic.file_not_found", path=str(source))
    text = _decode(source.read_bytes())
    header = text.split("\n", 1)[0]
    separator = ";" if header.count(";") > header.count(",") else ","
    try:
        raw = pl.read_csv(text.encode("utf-8"), separator=separator, infer_schema=False)
    except pl.exceptions.PolarsError as exc:
        raise EffipiaError("territories.annuaire_unreadable", path=str(source), detail=str(exc).splitlines()[0]) from None
    missing = [c for c in _REQUIRED if c not in raw.columns]
    if missing:
        raise EffipiaError("territories.annuaire_columns", path=str(source), columns=", ".join(missing))
    frame = raw.select(
        [
            (pl.col(src) if src in raw.columns else pl.lit(None, dtype=pl.String)).alias(dst)
            for src, dst in ANNUAIRE_COLUMNS.items()
        ]
    ).with_columns(
        pl.col("uai").str.strip_chars().str.to_uppercase(),
        pl.col("departement").map_elements(departement_key, return_dtype=pl.String),
        pl.col("latitude").str.replace(",", ".").cast(pl.Float64, strict=False),
        pl.col("longitude").str.replace(",", ".").cast(pl.Float64, strict=False),
    )
    frame = frame.filter(pl.col("latitude").is_not_null() & pl.col("longitude").is_not_null())
    frame = frame.unique(subset="uai", keep="first", maintain_order=True)
    x, y = _to_lambert93(frame["longitude"].to_numpy(), frame["latitude"].to_numpy())
    return frame.drop("latitude", "longitude").with_columns(
        pl.Series("x_l93", x, dtype=pl.Float64), pl.Series("y_l93", y, dtype=pl.Float64)
    )


def _to_lambert93(lon, lat):
    from pyproj import Transformer

    transformer = Transformer.from_crs("EPSG:4326", LAMBERT93, always_xy=True)
    return transformer.transform(lon, lat)
