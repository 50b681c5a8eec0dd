"""The lycées of France (ministry IPS file): the list every stage places schools from."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import polars as pl

from effipia.reference.files import lycees_path
from effipia.reference.geography import departement_key, departements

__all__ = ["lycees"]


@cache
def _lycees(path: str) -> pl.DataFrame:
    raw = pl.read_csv(Path(path).read_bytes().removeprefix(b"\xef\xbb\xbf"), separator=";", infer_schema=False)
    frame = raw.select(
        pl.col("uai").str.strip_chars().str.to_uppercase(),
        pl.col("nom_de_l_etablissment").alias("name"),
        pl.col("type_de_lycee").alias("type"),
        pl.col("secteur").alias("sector"),
        pl.col("code_du_departement").map_elements(departement_key, return_dtype=pl.String).alias("departement"),
        pl.col("code_insee_de_la_commune").alias("commune_insee"),
        pl.col("nom_de_la_commune").alias("commune"),
    )
    return frame.join(departements().drop("departement_name"), on="departement", how="left")


def lycees() -> pl.DataFrame:
    """The lycées of France (LEGT, LP, LPO; ministry IPS file), joined to académie and région.

    Columns ``uai``, ``name``, ``type``, ``sector``, ``departement``, ``commune_insee``,
    ``commune``, ``academie_code``, ``academie``, ``region_code``, ``region``. The file is
    the user's newer list when there is one (:func:`effipia.reference.files.lycees_path`).
    """
    return _lycees(str(lycees_path()))
