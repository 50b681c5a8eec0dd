"""Partner directory of a synthetic campaign (registry layout) and its invitations.

Lycées are real (UAI, name, commune), drawn around each campus's anchor in its own
académie (:mod:`effipia.synth.territory`, from a random stream of its own);
companies get a NAF sous-classe, a Sirene size class and a valid SIRET; other partners get
invented but plausible names. Consortium membership reproduces Illustration 3's shares.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import polars as pl

from effipia import nomenclatures
from effipia.schema import INVITATION_COLUMNS, PARTNER_COLUMNS
from effipia.synth import sources
from effipia.synth.identifiers import random_sirets
from effipia.synth.quota import allocate, gumbel, largest_remainder, top_k
from effipia.synth.territory import draw_territories

__all__ = ["GROUPS", "directory_counts", "make_partners", "make_invitations"]

#: Survey groups in nomenclature order.
GROUPS = nomenclatures.codes("survey_groups")



def directory_counts(campuses: pl.DataFrame, partners_per_campus: int | None) -> np.ndarray:
    """Partners per campus and group, shape (campuses, groups).

    Default: the shipped directory (32 campuses); campuses beyond it, or every campus when
    ``partners_per_campus`` is given, split that number by the directory's group shares.
    """
    directory = sources.partner_directory()
    shares = directory.select(GROUPS).sum().to_numpy().ravel().astype(float)
    per_campus = partners_per_campus or int(round(shares.sum() / directory.height))
    known = dict(zip(directory["campus_id"], directory.select(GROUPS).to_numpy(), strict=True))
    rows = []
    for campus_id in campuses["campus_id"]:
        if partners_per_campus is None and campus_id in known:
            rows.append(known[campus_id])
        else:
            rows.append(largest_remainder(shares, per_campus))
    return np.asarray(rows, dtype=np.int64).reshape(len(rows), len(GROUPS))


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _consortium(group: np.ndarray, rng: np.random.Generator, campus: np.ndarray) -> np.ndarray:
    """Consortium flags with Illustration 3's composition (higher education 22 %, companies 21 %, secondary 19 %)."""
    cal = sources.calibration()["consortium"]
    published = sources.published()["structure"]["consortium_percent"]
    size = int(round(cal["share_of_partners"] * group.size))
    rest = 1.0 - (published["superieur_recherche"] + published["entreprises"] + published["secondaire"]) / 100
    shares = {
        "superieur": published["superieur_recherche"] / 100,
        "entreprise": published["entreprises"] / 100,
        "lycee": published["secondaire"] / 100,
        "of_cfa": rest * cal["rest_split"]["of_cfa"],
        "autre": rest * cal["rest_split"]["autre"],
    }
    wanted = largest_remainder([shares[g] for g in GROUPS], size)
    member = np.zeros(group.size, dtype=bool)
    # campuses differ in consortium size: a campus-level propensity spreads membership unevenly
    campus_effect = rng.normal(0.0, 0.5, campus.max() + 1)[campus]
    keys = campus_effect + gumbel(rng, group.size)
    for g, count in enumerate(wanted):
        member |= top_k(keys, count, group == g)
    return member


def make_partners(
    campuses: pl.DataFrame,
    counts: np.ndarray,
    rng: np.random.Generator,
    territory_rng: np.random.Generator | None = None,
) -> pl.DataFrame:
    """The partner directory in the registry layout (``schema.PARTNER_COLUMNS``).

    ``territory_rng`` draws the territories (which lycées, which communes; ``rng`` when not
    given), so that changing the territory rule leaves every other draw unchanged. Extra
    columns kept for the response model: ``campus_index``, ``group_index``.
    """
    cal = sources.calibration()
    n_campus, n_group = counts.shape
    campus = np.repeat(np.repeat(np.arange(n_campus), n_group), counts.ravel())
    group = np.repeat(np.tile(np.arange(n_group), n_campus), counts.ravel())
    n = campus.size
    lycees, territories = draw_territories(campuses, counts[:, GROUPS.index("lycee")], territory_rng or rng)
    chosen = [t.lycees for t in territories]
    pools = [t.pool for t in territories]

    member = _consortium(group, rng, campus)
    concerned_p = np.where(member, cal["consortium"]["pia_concerned_member"], cal["consortium"]["pia_concerned_nonmember"])
    concerned = rng.uniform(size=n) < concerned_p

    # every partner takes a commune from its campus's pool of nearby lycées; lycées their own
    size = sources.calibration()["territories"]["pool"]
    pool_index = np.stack([np.resize(p, size) for p in pools])
    lycee_row = pool_index[campus, rng.integers(0, size, n)]
    is_lycee = group == GROUPS.index("lycee")
    lycee_row[is_lycee] = np.concatenate(chosen)

    partner_type = _partner_types(group, campus, rng)
    frame = pl.DataFrame(
        {
            "campus_index": campus,
            "group_index": group,
            "partner_type": partner_type,
            "consortium": member.astype(np.int64),
            "pia_concerned": concerned.astype(np.int64),
            "lycee_row": lycee_row,
        }
    )
    frame = frame.with_columns(
        pl.format("P{}", pl.int_range(1, n + 1).cast(pl.String).str.zfill(7)).alias("partner_id"),
        pl.col("group_index").replace_strict(dict(enumerate(GROUPS)), return_dtype=pl.String).alias("category"),
        pl.col("campus_index").replace_strict(
            dict(enumerate(campuses["campus_id"].to_list())), return_dtype=pl.String
        ).alias("campus_id"),
        # « autre » partners are not asked whether they are concerned by the PIA
    ).with_columns(
        pl.when(pl.col("category") == "autre").then(None).otherwise(pl.col("pia_concerned")).alias("pia_concerned"),
    )
    geo = lycees.select(
        pl.int_range(pl.len(), dtype=pl.Int64).alias("lycee_row"),
        pl.col("uai").alias("lycee_uai"),
        pl.col("name").alias("lycee_name"),
        "commune_insee",
        pl.col("commune").str.to_titlecase().alias("city"),
    )
    frame = frame.join(geo, on="lycee_row", how="left", maintain_order="left")
    frame = _companies(frame, campuses, rng)
    frame = _names(frame, campuses, rng)
    return frame.with_columns(
        pl.when(pl.col("category") == "lycee").then(pl.col("lycee_uai")).alias("uai"),
        _emails(campuses),
    )


def _partner_types(group: np.ndarray, campus: np.ndarray, rng: np.random.Generator) -> pl.Series:
    weights = sources.calibration()["partner_types"]
    vocabulary = ["lycee", "entreprise", "rectorat", "region"] + [t for g in weights.values() for t in g]
    vocabulary = list(dict.fromkeys(vocabulary))
    code = {name: i for i, name in enumerate(vocabulary)}
    types = np.zeros(group.size, dtype=np.int64)
    for g, name in enumerate(GROUPS):
        rows = np.flatnonzero(group == g)
        if name in ("lycee", "entreprise"):
            types[rows] = code[name]
            continue
        options = np.array([code[t] for t in weights[name]])
        probs = np.asarray(list(weights[name].values()), dtype=float)
        types[rows] = options[rng.choice(len(options), size=rows.size, p=probs / probs.sum())]
        if name == "autre":
            # each campus's first two « autre » partners are its rectorat and its Région
            first = np.ones(rows.size, dtype=bool)
            first[1:] = campus[rows][1:] != campus[rows][:-1]
            second = np.zeros(rows.size, dtype=bool)
            second[1:] = first[:-1] & (campus[rows][1:] == campus[rows][:-1])
            types[rows[first]] = code["rectorat"]
            types[rows[second]] = code["region"]
    return pl.Series("partner_type", types).replace_strict(dict(enumerate(vocabulary)), return_dtype=pl.String)


def _companies(frame: pl.DataFrame, campuses: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    """NAF sous-classe, Sirene size class and SIRET of the company partners."""
    cal = sources.calibration()["companies"]
    rows = np.flatnonzero(frame["category"].to_numpy() == "entreprise")
    m = rows.size
    if m == 0:
        return frame.with_columns(pl.lit(None, dtype=pl.String).alias(c) for c in ("naf", "size_class", "siret"))
    campus = frame["campus_index"].to_numpy()[rows]
    filiere = campuses["filiere"].to_numpy()[campus]
    naf = nomenclatures.load("naf_hierarchy").filter(pl.col("niveau") == "sous-classe")
    divisions_of = cal["filiere_divisions"]

    # sections: exact shares overall, companies leaning to their campus's filière sections
    sections = list(cal["naf_sections"])
    section_of_division = dict(zip(naf["division"], naf["section"], strict=False))
    affinity = np.zeros((m, len(sections)))
    for f, divisions in divisions_of.items():
        liked = {section_of_division.get(d) for d in divisions}
        cols = [j for j, s in enumerate(sections) if s in liked]
        affinity[np.ix_(filiere == f, cols)] = cal["filiere_section_affinity"]
    scores = affinity + gumbel(rng, (m, len(sections)))
    section = np.asarray(sections)[allocate(scores, largest_remainder(list(cal["naf_sections"].values()), m))]

    codes = np.empty(m, dtype=object)
    naf_section = naf["section"].to_numpy()
    naf_division = naf["division"].to_numpy()
    naf_code = naf["code"].to_numpy()
    for s in np.unique(section):
        in_section = naf_section == s
        for f in np.unique(filiere[section == s]):
            target = np.flatnonzero((section == s) & (filiere == f))
            w = np.where(np.isin(naf_division[in_section], divisions_of.get(f, [])), cal["filiere_division_weight"], 1.0)
            codes[target] = rng.choice(naf_code[in_section], size=target.size, p=w / w.sum())

    # size: exact group shares overall, campuses leaning to SMEs or to large companies
    groups = list(cal["size_groups"])
    lean = rng.normal(0.0, cal["campus_size_affinity_sd"], campuses.height)[campus]
    bigness = np.array([-1.0, -0.3, 0.5, 1.0])  # TPE, PME, ETI, GE
    scores = lean[:, None] * bigness[None, :] + gumbel(rng, (m, len(groups)))
    size_group = np.asarray(groups)[allocate(scores, largest_remainder(list(cal["size_groups"].values()), m))]
    classes = nomenclatures.load("sirene_size_classes")
    class_group = dict(zip(classes["code_tefen"], classes["taille_lbb"], strict=True))
    size_class = np.empty(m, dtype=object)
    for g in groups:
        target = np.flatnonzero(size_group == g)
        options = np.asarray([c for c in cal["size_classes"] if class_group[c] == g])
        w = np.asarray([cal["size_classes"][c] for c in options])
        size_class[target] = rng.choice(options, size=target.size, p=w / w.sum())

    extra = pl.DataFrame(
        {
            "row": rows,
            "naf": codes.astype(str),
            "naf_section": section,
            "size_class": size_class.astype(str),
            "siret": random_sirets(rng, m),
        }
    )
    return (
        frame.with_row_index("row")
        .with_columns(pl.col("row").cast(pl.Int64))
        .join(extra.with_columns(pl.col("row").cast(pl.Int64)), on="row", how="left", maintain_order="left")
        .drop("row")
    )


def _names(frame: pl.DataFrame, campuses: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    """Lycées keep their real name; other partners get a name from ``names.toml`` templates."""
    words = sources.names()
    n = frame.height
    surnames = np.asarray(words["surnames"])
    campus = frame["campus_index"].to_numpy()
    frame = frame.with_columns(
        pl.Series("surname", surnames[rng.integers(0, surnames.size, n)]),
        pl.Series("surname2", surnames[rng.integers(0, surnames.size, n)]),
        pl.Series("theme", np.asarray([words["themes"].get(f, "") for f in campuses["filiere"]])[campus]),
        pl.Series("academie", campuses["academie"].to_numpy()[campus]),
        pl.Series("region", campuses["region"].to_numpy()[campus]),
        pl.Series("pick", rng.integers(0, 1 << 30, n)),
    )
    trades = words["trades"]
    section = frame["naf_section"].fill_null("").to_numpy()
    trade = np.empty(n, dtype=object)
    for s in np.unique(section):
        options = np.asarray(trades.get(s, trades["default"]))
        target = np.flatnonzero(section == s)
        trade[target] = options[rng.integers(0, options.size, target.size)]
    frame = frame.with_columns(pl.Series("trade", trade.astype(str)))
    legal = np.asarray(words["legal_forms"])

    company_patterns = words["company_patterns"]
    templates = {**words["labels"], "entreprise": [p + " {legal}" for p in company_patterns]}
    frame = frame.with_columns(
        pl.Series("legal", legal[rng.integers(0, legal.size, n)]),
        pl.int_range(pl.len(), dtype=pl.Int64).alias("row"),
    )
    pieces = [frame.filter(pl.col("category") == "lycee").select("row", pl.col("lycee_name").alias("name"))]
    for partner_type, options in templates.items():
        subset = frame.filter((pl.col("partner_type") == partner_type) & (pl.col("category") != "lycee"))
        for j, template in enumerate(options):
            fields = re.findall(r"\{(\w+)\}", template)
            expr = pl.format(re.sub(r"\{\w+\}", "{}", template), *[pl.col(f) for f in fields])
            pieces.append(subset.filter((pl.col("pick") % len(options)) == j).select("row", expr.alias("name")))
    names = pl.concat(pieces)
    return (
        frame.join(names, on="row", how="left", maintain_order="left")
        .with_columns(
            pl.when(pl.col("category") == "lycee")
            .then(pl.col("name"))
            .otherwise(pl.col("name").str.replace_all(r"\bde ([AEIOUYÂÉÈÊÎÔ])", "d'${1}"))
            .fill_null(pl.format("Partenaire {}", pl.col("partner_id")))
            .alias("name")
        )
        # invented names may repeat inside a campus: number the repeats (« … (2) »)
        .with_columns(pl.int_range(1, pl.len() + 1).over("campus_index", "name").alias("repeat"))
        .with_columns(
            pl.when((pl.col("repeat") > 1) & (pl.col("category") != "lycee"))
            .then(pl.format("{} ({})", pl.col("name"), pl.col("repeat")))
            .otherwise(pl.col("name"))
            .alias("name")
        )
        .drop("repeat")
        .drop("row")
    )


def _emails(campuses: pl.DataFrame) -> pl.Expr:
    """Undeliverable but well-formed addresses (reserved ``.example`` domain, RFC 2606)."""
    academie_slug = {a: _slug(a) for a in campuses["academie"].unique().to_list()}
    return (
        pl.when(pl.col("category") == "lycee")
        .then(
            pl.format(
                "ce.{}@ac-{}.example",
                pl.col("lycee_uai").str.to_lowercase(),
                pl.col("academie").replace_strict(academie_slug, default="academie"),
            )
        )
        .otherwise(pl.format("contact.{}@{}.example", pl.col("partner_id").str.to_lowercase(), pl.col("partner_type").str.replace_all("_", "-")))
        .alias("email")
    )


def make_invitations(partners: pl.DataFrame, responded: np.ndarray, rng: np.random.Generator) -> pl.DataFrame:
    """One invitation per partner with a unique random token (32 hex digits); respondents are « submitted »."""
    n = partners.height
    raw = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    hexdigits = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
    chars = np.empty((n, 32), dtype=np.uint8)
    chars[:, 0::2] = hexdigits[raw >> 4]
    chars[:, 1::2] = hexdigits[raw & 15]
    tokens = chars.view("S32").ravel().astype("<U32")
    status_weights = sources.calibration()["invitations"]["nonrespondent_status"]
    options = np.asarray(list(status_weights))
    probs = np.asarray(list(status_weights.values()), dtype=float)
    status = options[rng.choice(len(options), size=n, p=probs / probs.sum())].astype(object)  # object: "submitted" is longer than the drawn codes
    status[responded] = "submitted"
    return pl.DataFrame(
        {
            "partner_id": partners["partner_id"],
            "campus_id": partners["campus_id"],
            "category": partners["category"],
            "token": tokens,
            "status": status,
        }
    ).select(list(INVITATION_COLUMNS))


def registry_frame(partners: pl.DataFrame) -> pl.DataFrame:
    """The partner frame restricted to ``schema.PARTNER_COLUMNS``."""
    return partners.select(list(PARTNER_COLUMNS)).cast(PARTNER_COLUMNS)
