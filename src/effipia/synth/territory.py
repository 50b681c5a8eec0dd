"""Territories of synthetic campuses: which real lycées each campus enrols (rule in
``data/synth/calibration.toml`` ``[territories]`` and ``data/synth/README.md``).

Each campus gets a *profile* (concentrated, département, académie, région; allotted in
the calibrated shares so that every seed has both concentrated and spread campuses) and an
*anchor* (a lycée of its home département, standing for the support establishment's
place). Its lycées are drawn without replacement from its own académie, nearest to the
anchor first with Gumbel noise (``key = -distance / scale + G``); a région-wide campus may
take up to ``max_outside_share`` of them in the neighbouring académies of its région, and a
few campuses take one or two lycées in a neighbouring académie. Distances are between
commune centroids (:mod:`effipia.reference.communes`), in Lambert-93 kilometres.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from effipia.reference import academie_neighbours, commune_positions, departement_centroids
from effipia.synth import sources
from effipia.synth.quota import gumbel, largest_remainder

__all__ = ["Territory", "draw_territories", "lycee_table"]


@dataclass(frozen=True)
class Territory:
    """What was drawn for one campus: its profile, its anchor lycée, its lycées and the pool
    of lycées whose communes its other partners take (indices into :func:`lycee_table`)."""

    profile: str
    anchor: int
    lycees: np.ndarray
    pool: np.ndarray


def lycee_table() -> pl.DataFrame:
    """The generator's lycées (:func:`effipia.synth.sources.lycees`) with ``academie_code``
    and their commune centroid ``x_l93``, ``y_l93`` (département centroid when the commune
    is unknown)."""
    from effipia.reference import departements

    lycees = sources.lycees()
    codes = dict(departements().select("academie", "academie_code").unique().iter_rows())
    centroids = {d: (x, y) for d, x, y in departement_centroids().iter_rows()}
    positions = commune_positions(lycees["commune_insee"].to_list())
    xy = [p or centroids.get(d, (np.nan, np.nan)) for p, d in zip(positions, lycees["departement"], strict=True)]
    return lycees.with_columns(
        pl.col("academie").replace_strict(codes, default=None, return_dtype=pl.String).alias("academie_code"),
        pl.Series("x_l93", [p[0] for p in xy], dtype=pl.Float64),
        pl.Series("y_l93", [p[1] for p in xy], dtype=pl.Float64),
    )


def _profiles(n: int, shares: dict[str, float], rng: np.random.Generator) -> np.ndarray:
    counts = largest_remainder(list(shares.values()), n)
    return rng.permutation(np.repeat(np.asarray(list(shares)), counts))


def draw_territories(
    campuses: pl.DataFrame, n_lycees: np.ndarray, rng: np.random.Generator
) -> tuple[pl.DataFrame, list[Territory]]:
    """Draw every campus's territory; return the lycée table and one :class:`Territory` per campus.

    ``campuses`` needs ``home_departement``, ``academie`` (name) and ``region``;
    ``n_lycees[i]`` is the number of lycées campus ``i`` enrols. Within a campus no two
    lycées share a name (homonymous lycées exist: directors list names).
    """
    cal = sources.calibration()["territories"]
    lycees = lycee_table()
    dep = lycees["departement"].to_numpy()
    aca = lycees["academie_code"].to_numpy()
    reg = lycees["region"].to_numpy()
    xy = lycees.select("x_l93", "y_l93").to_numpy() / 1000.0  # km
    _, name_code = np.unique(lycees["name"].to_numpy(), return_inverse=True)
    neighbours = academie_neighbours()
    codes = dict(zip(lycees["academie"], lycees["academie_code"], strict=True))
    n = campuses.height
    profiles = _profiles(n, cal["profiles"], rng)
    rows = list(campuses.select("home_departement", "academie", "region").iter_rows())
    own_codes = [codes.get(academie) for _, academie, _ in rows]
    # a few campuses reach a neighbouring académie (only where there is one)
    reachable = np.flatnonzero([bool(neighbours.get(c)) for c in own_codes])
    reaching = rng.permutation(reachable)[: int(round(cal["neighbour_share"] * n))]
    outside_n = np.zeros(n, dtype=np.int64)
    outside_n[reaching] = rng.choice(np.asarray(cal["neighbour_lycees"]), size=reaching.size)
    territories = []
    for i, (home, _academie, region) in enumerate(rows):
        home = home.lstrip("0").zfill(2) if home.isdigit() else home
        own = own_codes[i]
        at_home = np.flatnonzero(dep == home)
        anchor = int(at_home[rng.integers(0, at_home.size)]) if at_home.size else int(np.flatnonzero(aca == own)[0])
        distance = np.hypot(*(xy - xy[anchor]).T)
        profile = str(profiles[i])
        noise = gumbel(rng, distance.size)
        key = -distance / cal["scale_km"][profile] + noise
        if profile == "departement":
            key = key + np.where(dep == home, 0.0, np.log(cal["departement_outside_weight"]))
        total = int(n_lycees[i])
        cap = int(np.floor(cal["max_outside_share"] * total))
        reach = int(min(outside_n[i], cap))
        near = neighbours.get(own, frozenset())
        # the région's other académies, when they neighbour the own one (région profile only)
        same_region = {a for a in near if (reg[aca == a] == region).any()} if profile == "region" else set()
        in_own = aca == own
        eligible = in_own | np.isin(aca, list(same_region))
        chosen = _take(key, eligible, in_own, total - reach, cap - reach, name_code)
        if chosen.size < total - reach:  # an académie too small for its campus: nearest others complete it
            rest = np.ones(distance.size, dtype=bool)
            rest[chosen] = False
            fill = _take(key, rest & ~np.isin(name_code, name_code[chosen]), rest, total - reach - chosen.size,
                         total, name_code)
            chosen = np.concatenate([chosen, fill])
        if reach:
            outside_key = -distance / cal["neighbour_scale_km"] + noise
            taken = np.zeros(distance.size, dtype=bool)
            taken[chosen] = True
            others = np.isin(aca, list(near)) & ~taken & ~np.isin(name_code, name_code[chosen])
            extra = _take(outside_key, others, others, reach, reach, name_code)
            chosen = np.concatenate([chosen, extra])
        pool = np.flatnonzero(in_own)[np.argsort(-key[in_own], kind="stable")][: cal["pool"]]
        territories.append(Territory(profile=profile, anchor=anchor, lycees=chosen, pool=pool))
    return lycees, territories


def _take(key: np.ndarray, eligible: np.ndarray, own: np.ndarray, count: int, outside_max: int, names: np.ndarray) -> np.ndarray:
    """The ``count`` eligible lycées of highest key, at most ``outside_max`` of them not
    ``own``, one per name; in key order."""
    order = np.flatnonzero(eligible)[np.argsort(-key[eligible], kind="stable")]
    picked, seen, outside = [], set(), 0
    for j in order:
        if len(picked) == count:
            break
        if names[j] in seen or (not own[j] and outside >= outside_max):
            continue
        seen.add(names[j])
        outside += not own[j]
        picked.append(j)
    return np.asarray(picked, dtype=np.int64)
