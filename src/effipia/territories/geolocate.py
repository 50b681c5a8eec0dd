"""Geolocation of the school partners of each campus.

A *school partner* is a partner of survey group ``lycee`` (or with a UAI and no group):
the report draws the territories from the secondary schools only. The UAI of any other
partner (a university, a CFA) is checked too, and reported if malformed. Each school is
matched on its UAI:

* malformed UAI or wrong check letter (rule in :mod:`effipia.registry.identifiers`):
  reported, not placed;
* UAI found in the user's Annuaire de l'éducation (when supplied): placed at its exact
  coordinates (``approximate`` false, ``source`` ``annuaire``);
* UAI found in the shipped list of lycées: placed at the centroid of its commune
  (``precision`` ``commune``, ``source`` ``centroide_commune``; the arrondissements of
  Paris, Lyon and Marseille read as their commune), or, when the commune code is not in
  the commune table, at its département's centroid (``precision`` ``departement``,
  ``source`` ``centroide_departement``);
* valid UAI found in neither: reported, and placed at the centroid of the partner's commune,
  or failing that of its commune's département, or of the département its UAI encodes
  (first three characters: ``035`` → 35, ``620``/``720`` → 2A/2B, ``971`` → 971).

Each school carries its ``precision`` (``exact``, ``commune``, ``departement``);
``approximate`` is true unless the position is exact.
* school partner without UAI: reported, not placed.

Every report is a :class:`effipia.errors.Problem` (column ``uai``); nothing is dropped
silently.
"""

from __future__ import annotations

import polars as pl

from effipia.errors import Problem
from effipia.registry.identifiers import is_valid_uai, normalize_uai
from effipia.reference import (
    commune_positions,
    departement_centroids,
    departement_of_commune,
    departements,
    lycees,
)

__all__ = ["PRECISIONS", "SCHOOL_COLUMNS", "departement_of_uai", "locate_schools", "school_partners"]

#: Precision of a position, from the finest: the Annuaire's coordinates, the commune's
#: centroid, the département's centroid.
PRECISIONS = ("exact", "commune", "departement")

#: Columns of the located-schools frame (``schools.csv`` writes the first ones of the contract).
SCHOOL_COLUMNS: dict[str, pl.DataType] = {
    "campus_id": pl.String,
    "partner_id": pl.String,
    "uai": pl.String,
    "name": pl.String,
    "commune": pl.String,
    "academie": pl.String,
    "x_l93": pl.Float64,
    "y_l93": pl.Float64,
    "approximate": pl.Boolean,
    "precision": pl.String,
    "type": pl.String,
    "commune_insee": pl.String,
    "departement": pl.String,
    "academie_code": pl.String,
    "region_code": pl.String,
    "region": pl.String,
    "source": pl.String,
}

_CORSICA = {"620": "2A", "720": "2B"}


def departement_of_uai(uai: str) -> str:
    """Département encoded in a UAI's first three characters (commune-code form)."""
    head = uai[:3]
    if head in _CORSICA:
        return _CORSICA[head]
    return head if head.startswith("97") else head[1:]


def _has_uai() -> pl.Expr:
    uai = pl.col("uai").cast(pl.String).str.strip_chars()
    return uai.is_not_null() & (uai != "")


def school_partners(partners: pl.DataFrame) -> pl.DataFrame:
    """Secondary schools: partners of survey group ``lycee``, and partners with a UAI but no group."""
    return partners.filter((pl.col("category") == "lycee") | (pl.col("category").is_null() & _has_uai()))


def _reference_rows(annuaire: pl.DataFrame | None) -> tuple[dict[str, dict], dict[str, dict]]:
    listed = {row["uai"]: row for row in lycees().iter_rows(named=True)}
    exact = {} if annuaire is None else {row["uai"]: row for row in annuaire.iter_rows(named=True)}
    return listed, exact


def locate_schools(
    partners: pl.DataFrame, annuaire: pl.DataFrame | None = None, file: str = "partenaires"
) -> tuple[pl.DataFrame, list[Problem]]:
    """Place every school partner; return the located schools and the problems met.

    ``partners`` is a registry frame (:data:`effipia.schema.PARTNER_COLUMNS`); ``annuaire``
    is the output of :func:`effipia.territories.annuaire.read_annuaire` or ``None``.
    The frame has :data:`SCHOOL_COLUMNS`, one row per placed school partner, in partner order.
    """
    listed, exact = _reference_rows(annuaire)
    geo = {row["departement"]: row for row in departements().iter_rows(named=True)}
    centroids = {d: (x, y) for d, x, y in departement_centroids().iter_rows()}
    rows: list[dict] = []
    problems: list[Problem] = []
    schools = school_partners(partners)
    # Other partners with a UAI (a university, a CFA…) are not part of the territory, but a
    # malformed UAI is still reported.
    others = partners.filter(_has_uai() & ~pl.col("partner_id").is_in(schools["partner_id"].implode()))
    for pid, raw in others.select("partner_id", "uai").iter_rows():
        if not is_valid_uai(normalize_uai(raw)):
            problems.append(Problem.at(file, None, "uai", "territories.uai_invalid", uai=str(raw), partner=pid))
    for partner in schools.iter_rows(named=True):
        pid = partner["partner_id"]
        raw = partner.get("uai")
        if raw is None or not str(raw).strip():
            problems.append(Problem.at(file, None, "uai", "territories.uai_missing", partner=pid))
            continue
        uai = normalize_uai(raw)
        if not is_valid_uai(uai):
            problems.append(Problem.at(file, None, "uai", "territories.uai_invalid", uai=str(raw), partner=pid))
            continue
        ref = listed.get(uai)
        found = exact.get(uai)
        row = {"campus_id": partner["campus_id"], "partner_id": pid, "uai": uai}
        if found is not None:
            base = {**(ref or {}), **{k: v for k, v in found.items() if v is not None}}
            dep = base.get("departement") or departement_of_commune(base.get("commune_insee"))
            row |= _describe(base, dep, geo, partner) | {
                "x_l93": found["x_l93"], "y_l93": found["y_l93"], "approximate": False, "precision": "exact",
                "source": "annuaire",
            }
        else:
            if ref is None:
                problems.append(Problem.at(file, None, "uai", "territories.uai_unknown", uai=uai, partner=pid))
                base = {"commune_insee": partner.get("commune_insee")}
                dep = departement_of_commune(partner.get("commune_insee")) or departement_of_uai(uai)
            else:
                base = ref
                dep = ref["departement"] or departement_of_commune(ref["commune_insee"])
            described = _describe(base, dep, geo, partner)
            (position,) = commune_positions([described["commune_insee"]])
            if position is not None:
                (x, y), precision = position, "commune"
            else:
                (x, y), precision = centroids.get(dep, (None, None)), "departement"
                precision = precision if x is not None else None
            row |= described | {
                "x_l93": x, "y_l93": y, "approximate": True, "precision": precision,
                "source": f"centroide_{precision}",
            }
        rows.append(row)
    frame = pl.DataFrame(rows, schema=SCHOOL_COLUMNS) if rows else pl.DataFrame(schema=SCHOOL_COLUMNS)
    return frame, problems


def _describe(base: dict, dep: str | None, geo: dict[str, dict], partner: dict) -> dict:
    """Descriptive columns of one school: official name first, then the partner's own."""
    place = geo.get(dep, {})
    return {
        "name": base.get("name") or partner.get("name"),
        "type": base.get("type"),
        "commune_insee": base.get("commune_insee") or partner.get("commune_insee"),
        "commune": base.get("commune"),
        "departement": dep,
        "academie_code": place.get("academie_code"),
        "academie": place.get("academie"),
        "region_code": place.get("region_code"),
        "region": place.get("region"),
    }
