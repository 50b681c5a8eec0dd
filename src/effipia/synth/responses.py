"""Respondents and their answers (codebook wide layout), calibrated on the report.

Who answers: a fixed number per survey group (Tableau 2's « ensemble » column solved as a
mix of the groups), more often consortium members and partners concerned by the PIA.
What they answer: every item's marginal is allocated by quota from the published tables
(:mod:`effipia.synth.quota`), the answer of each respondent being decided by latent scores
(campus quality, respondent halo, non-response propensity, relation breadth) so that
campus spreads, correlations and the report's planted effects appear. Routing is built in:
an item is only filled for respondents the codebook asks it of.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import polars as pl
from scipy.optimize import nnls

from effipia.schema import RESPONSE_ID_COLUMNS
from effipia.synth import sources
from effipia.synth.partners import GROUPS
from effipia.synth.quota import assign_within, campus_table, gumbel, largest_remainder, ordinal, top_k

__all__ = ["group_shares", "member_shares", "select_respondents", "make_responses", "tableau_8_counts"]

NULL = -1
G = {name: i for i, name in enumerate(GROUPS)}


@cache
def group_shares() -> np.ndarray:
    """Respondent shares of the groups implied by Tableau 2 (« ensemble » as a mix of the groups).

    Non-negative least squares over the 16 rows with the shares constrained to sum to one.
    """
    rows = sources.published()["tableau_2"]["rows"].values()
    table = np.array([[row[g] for g in GROUPS] for row in rows], dtype=float)
    ensemble = np.array([row["ensemble"] for row in rows], dtype=float)
    penalty = 1000.0
    shares, _ = nnls(np.vstack([table, penalty * np.ones(len(GROUPS))]), np.append(ensemble, penalty))
    return shares / shares.sum()


@cache
def member_shares() -> dict[str, float]:
    """Share of respondents that are consortium members and/or concerned by the PIA, per group.

    For lycées, OF/CFA and higher education it follows from the count model of the report:
    a group's mean number of related categories (Tableau 2 column sum) is 1.8 (1 - s) + 6 s.
    """
    published = sources.published()
    model = published["relations"]
    rows = published["tableau_2"]["rows"].values()
    shares = dict(sources.calibration()["respondent_member_or_concerned"])
    for g in model["model_member_or_concerned_groups"]:
        mean = sum(row[g] for row in rows) / 100
        s = (mean - model["model_neither"]) / (model["model_member_or_concerned"] - model["model_neither"])
        shares[g] = float(np.clip(s, 0.0, 1.0))
    shares["autre"] = 0.0
    return shares


def select_respondents(partners: pl.DataFrame, engagement: np.ndarray, total: int, rng: np.random.Generator) -> np.ndarray:
    """Row indices (sorted) of the partners who answer: ``total`` split by :func:`group_shares`.

    Within a group, the number of respondents of each campus × membership stratum is fixed
    by quota (largest remainder): proportional to the stratum's partners, weighted by the
    campus's engagement and by :func:`member_shares` for members / concerned partners. The
    campus sizes of the sample therefore do not depend on the seed; who answers does.
    """
    group = partners["group_index"].to_numpy()
    campus = partners["campus_index"].to_numpy()
    mc = _member_or_concerned(partners)
    n_campus = int(campus.max()) + 1
    stratum = (group * n_campus + campus) * 2 + mc
    pool = np.bincount(stratum, minlength=len(GROUPS) * n_campus * 2).reshape(len(GROUPS), n_campus, 2)
    wanted = np.minimum(largest_remainder(group_shares(), total), pool.sum(axis=(1, 2)))
    quota = np.zeros_like(pool)
    weight_campus = np.exp(0.5 * engagement)[:, None]
    for g, name in enumerate(GROUPS):
        s = member_shares().get(name, 0.0)
        by_member = pool[g] * weight_campus
        totals = by_member.sum(axis=0)
        shares = np.where(totals > 0, by_member / np.where(totals > 0, totals, 1.0), 0.0) * np.array([1 - s, s])
        quota[g] = _capped_quota(shares, pool[g], int(wanted[g]))
    keys = gumbel(rng, group.size)
    rank = (
        pl.DataFrame({"stratum": stratum, "key": keys})
        .select(pl.col("key").rank("ordinal", descending=True).over("stratum"))
        .to_series()
        .to_numpy()
    )
    return np.flatnonzero(rank <= quota.ravel()[stratum])


def _capped_quota(shares: np.ndarray, capacity: np.ndarray, total: int) -> np.ndarray:
    """Largest-remainder counts proportional to ``shares``, none above ``capacity``, summing to ``total``."""
    quota = np.zeros(shares.shape, dtype=np.int64)
    remaining = min(total, int(capacity.sum()))
    open_cells = capacity > 0
    while remaining > 0 and open_cells.any():
        weights = np.where(open_cells, shares, 0.0)
        if weights.sum() <= 0:
            weights = np.where(open_cells, 1.0, 0.0)
        add = largest_remainder(weights.ravel(), remaining).reshape(shares.shape)
        add = np.minimum(add, capacity - quota)
        quota += add
        remaining -= int(add.sum())
        open_cells = quota < capacity
    return quota


def _member_or_concerned(frame: pl.DataFrame) -> np.ndarray:
    return (
        frame.select(
            (pl.col("category") != "autre")
            & ((pl.col("consortium") == 1) | (pl.col("pia_concerned") == 1)).fill_null(False)
        )
        .to_series()
        .to_numpy()
    )


@dataclass
class _Latent:
    """Latent scores: one value per respondent, except ``campus_*`` (one per campus)."""

    group: np.ndarray
    campus: np.ndarray
    mc: np.ndarray
    consortium: np.ndarray
    halo: np.ndarray
    na: np.ndarray
    dk: np.ndarray
    quality: np.ndarray
    engagement: np.ndarray
    n_campus: int
    campus_quality: np.ndarray
    campus_breadth: np.ndarray
    campus_resources: np.ndarray
    campus_nonresponse: np.ndarray


def make_responses(
    partners: pl.DataFrame,
    rows: np.ndarray,
    campuses: pl.DataFrame,
    columns: list[str],
    expectation_order: list[str],
    rng: np.random.Generator,
) -> pl.DataFrame:
    """Answers of the respondents ``rows`` of ``partners`` in the wide layout.

    ``columns`` are the questionnaire's item columns in order; ``expectation_order`` the
    workbook order of the expectation choices (names are written in that order).
    """
    cal = sources.calibration()["latent"]
    respondents = partners[rows]
    n = respondents.height
    campus = respondents["campus_index"].to_numpy()
    group = respondents["group_index"].to_numpy()
    mc = _member_or_concerned(respondents)
    consortium = (respondents["consortium"].fill_null(0).to_numpy() == 1) & (group != G["autre"])
    effects = {name: campuses[name].to_numpy() for name in ("quality", "resources", "engagement", "breadth")}
    na_shift = np.array([cal["na_group_shift"][g] for g in GROUPS])[group]
    # non-response depends on involvement: members / concerned partners, and for « autre »
    # (not asked) membership of the consortium as the directory records it
    in_consortium = respondents["consortium"].fill_null(0).to_numpy() == 1
    involved = mc | ((group == G["autre"]) & in_consortium)
    latent = _Latent(
        group=group,
        campus=campus,
        mc=mc,
        consortium=consortium,
        halo=cal["respondent_halo"] * rng.standard_normal(n),
        na=cal["na_respondent"] * rng.standard_normal(n)
        + cal["na_member_or_concerned"] * involved
        + na_shift,
        dk=cal["dk_respondent"] * rng.standard_normal(n) + cal["dk_member_or_concerned"] * involved,
        quality=effects["quality"][campus],
        engagement=effects["engagement"][campus],
        n_campus=campuses.height,
        campus_quality=effects["quality"],
        campus_breadth=effects["breadth"],
        campus_resources=effects["resources"],
        campus_nonresponse=-cal["na_campus_engagement"] * effects["engagement"] - cal["na_campus_quality"] * effects["quality"],
    )
    answers: dict[str, np.ndarray] = {}
    answers.update(_relations(latent, rng))
    answers.update(_registers(latent, rng))
    answers.update(_collaboration(latent, answers, rng))
    answers.update(_realisations(latent, rng))
    answers.update(_international(latent, rng))
    answers.update(_benefits(latent, answers, rng))
    expectations = _expectations(latent, expectation_order, rng)

    ids = respondents.select(
        pl.col("partner_id").alias("respondent_id"),
        "campus_id",
        "category",
        "partner_type",
        pl.when(pl.col("category") == "autre").then(None).otherwise(pl.col("consortium")).alias("consortium"),
        pl.when(pl.col("category") == "autre").then(None).otherwise(pl.col("pia_concerned")).alias("pia_concerned"),
    ).cast(RESPONSE_ID_COLUMNS)
    items = pl.DataFrame({name: values for name, values in answers.items()}).with_columns(
        pl.when(pl.col(name) == NULL).then(None).otherwise(pl.col(name)).cast(pl.Int64).alias(name) for name in answers
    )
    items = items.with_columns(pl.Series("expectations", expectations, dtype=pl.String))
    missing = [c for c in columns if c not in items.columns]
    if missing:
        raise KeyError(f"the generator does not produce these questionnaire items: {missing}")
    return pl.concat([ids, items.select(columns)], how="horizontal")


# --- blocks -------------------------------------------------------------------------------


def _standardise(x: np.ndarray) -> np.ndarray:
    sd = x.std()
    return (x - x.mean()) / sd if sd > 0 else x - x.mean()


def _relations(lat: _Latent, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """rel_1…rel_16 with Tableau 2's cells per group; rel_new (61 %)."""
    published = sources.published()
    rel_cal = sources.calibration()["relations"]
    model = published["relations"]
    n = lat.group.size
    contrast = np.log(model["model_member_or_concerned"] / model["model_neither"]) * rel_cal["contrast_boost"]
    has_effect = np.isin(lat.group, [G[g] for g in model["model_member_or_concerned_groups"]])
    member = (lat.mc & has_effect).astype(float)
    person = rel_cal["respondent_breadth"] * rng.standard_normal(n)
    skew = rel_cal.get("breadth_skew", 0.0)
    shaped = np.expm1(skew * lat.campus_breadth) / skew if skew else lat.campus_breadth
    campus_breadth = rel_cal["campus_breadth"] * shaped
    campus_member = contrast * rel_cal.get("campus_member_effect", 1.0)
    # a campus's mean count is mostly its mix of groups (companies relate to one category on
    # average, others to four or five): offset that mix so the campus spread follows breadth
    columns = np.array([sum(row[g] for row in published["tableau_2"]["rows"].values()) / 100 for g in GROUPS])
    sizes_all = np.bincount(lat.campus, minlength=lat.n_campus)
    expected = np.bincount(lat.campus, weights=columns[lat.group], minlength=lat.n_campus) / np.maximum(sizes_all, 1)
    overall = columns[lat.group].mean()
    campus_breadth = campus_breadth + rel_cal.get("composition_offset", 0.0) * np.log(overall / np.where(expected > 0, expected, overall))
    out: dict[str, np.ndarray] = {n_: np.zeros(n, dtype=np.int64) for n_ in published["tableau_2"]["rows"]}
    for g, name in enumerate(GROUPS):
        rows = np.flatnonzero(lat.group == g)
        if rows.size == 0:
            continue
        campus = lat.campus[rows]
        sizes = np.bincount(campus, minlength=lat.n_campus)
        # campuses of broader relations and with more members say « yes » more often…
        member_share = np.bincount(campus, weights=member[rows], minlength=lat.n_campus) / np.maximum(sizes, 1)
        log_odds = campus_breadth + campus_member * member_share
        for item, row in published["tableau_2"]["rows"].items():
            yes = int(round(row[name] / 100 * rows.size))
            table = campus_table(
                sizes, np.array([yes, rows.size - yes]), np.column_stack([log_odds, np.zeros(lat.n_campus)]), rng
            )
            # …and inside a campus, members / concerned partners and broad respondents first
            keys = contrast * member[rows] + person[rows] + gumbel(rng, rows.size)
            out[item][rows] = assign_within(campus, keys, table, np.array([1, 0]))
    count = np.sum([out[k] for k in published["tableau_2"]["rows"]], axis=0)
    keys = (
        rel_cal["rel_new_breadth"] * _standardise(count.astype(float))
        + rel_cal["rel_new_member"] * lat.mc
        + rel_cal["rel_new_noise"] * rng.standard_normal(n)
    )
    out["rel_new"] = top_k(keys, round(model["rel_new_percent"] / 100 * n)).astype(np.int64)
    return out


def _printed_shares(printed: np.ndarray) -> np.ndarray:
    """Shares of a printed row whose rounded cells do not sum to 100: the gap is spread evenly.

    Each printed cell is the true share rounded, so spreading (100 - sum) evenly keeps every
    cell within half a point of what was printed; a proportional rescaling would not
    (Tableau 6's « temps des partenaires » row sums to 97).
    """
    adjusted = np.clip(printed + (100.0 - printed.sum()) / printed.size, 0.0, None)
    return adjusted / adjusted.sum()


def _slopes(codes: list[int]) -> np.ndarray:
    """Campus-effect slope of each answer code: +1 for the best substantive code down to -1
    for the worst; non-response codes (8, 9) get 0 (their campus effect is separate)."""
    substantive = [c for c in codes if c not in (8, 9)]
    ladder = np.linspace(1.0, -1.0, len(substantive)) if len(substantive) > 1 else np.zeros(1)
    slope = dict(zip(substantive, ladder, strict=True))
    return np.array([slope.get(c, 0.0) for c in codes])


def _scale_answers(
    lat: _Latent,
    item_rows: dict[str, dict[str, float]],
    campus_effect: np.ndarray,
    keys: np.ndarray,
    na: np.ndarray,
    rng: np.random.Generator,
    na_share: float | None = None,
) -> dict[str, np.ndarray]:
    """Answers of a block whose published rows give the share of every code (NA = 9, DK = 8).

    For each item, how many respondents of each campus give each code is fixed by
    :func:`~effipia.synth.quota.campus_table` (overall shares exact, campuses shifted by
    ``campus_effect`` towards the best or worst codes, and by their non-response
    propensity towards NA and « ne sait pas »); inside a campus, NA goes to the highest
    ``na`` keys, « ne sait pas » to the highest DK keys, and the substantive codes follow
    ``keys`` (respondent halo, group shift, noise). ``na_share``: share of NA to add when the
    published rows exclude NA (Tableau 5).
    """
    cal = sources.calibration()["latent"]
    n = keys.size
    sizes = np.bincount(lat.campus, minlength=lat.n_campus)
    out = {}
    for item, row in item_rows.items():
        codes = [int(c) for c in row]
        shares = _printed_shares(np.array([row[c] for c in row], dtype=float))
        if na_share is not None:
            shares = np.append(shares * (1 - na_share), na_share)
            codes.append(9)
        totals = largest_remainder(shares, n)
        nonresponse = np.array([c in (8, 9) for c in codes])
        log_seed = (
            np.log(np.maximum(shares, 1e-6))[None, :]
            + campus_effect[:, None] * _slopes(codes)[None, :]
            + lat.campus_nonresponse[:, None] * nonresponse[None, :]
        )
        table = campus_table(sizes, totals, log_seed, rng)
        values = np.full(n, NULL, dtype=np.int64)
        free = np.ones(n, dtype=bool)
        for code, propensity, noise in ((9, na, cal["na_item_noise"]), (8, lat.dk, cal["dk_item_noise"])):
            if code not in codes:
                continue
            j = codes.index(code)
            remaining = np.bincount(lat.campus[free], minlength=lat.n_campus)
            counts = np.column_stack([table[:, j], remaining - table[:, j]])
            local = propensity[free] + noise * rng.standard_normal(int(free.sum()))
            picked = assign_within(lat.campus[free], local, counts, np.array([1, 0])) == 1
            rows = np.flatnonzero(free)[picked]
            values[rows] = code
            free[rows] = False
        substantive = [j for j, c in enumerate(codes) if c not in (8, 9)]
        local = keys[free] + cal["item_noise"] * rng.standard_normal(int(free.sum()))
        values[free] = assign_within(
            lat.campus[free], local, table[:, substantive], np.array([codes[j] for j in substantive])
        )
        out[item] = values
    return out


def _register_key(lat: _Latent, shift: dict[str, float], rng: np.random.Generator) -> np.ndarray:
    """Respondent key of a register: halo + group shift + register-specific noise."""
    cal = sources.calibration()["latent"]
    group_shift = np.array([shift[g] for g in GROUPS])[lat.group]
    return group_shift + lat.halo + cal["register_specific"] * rng.standard_normal(lat.group.size)


def _registers(lat: _Latent, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Tableaux 3 to 7 (dynamics, leadership, resources level and use, management)."""
    published = sources.published()
    cal = sources.calibration()["latent"]
    shift = cal["group_shift"]
    n = lat.group.size
    scale = cal["register_campus"]
    skew = cal["register_skew"]
    jitter = cal["campus_jitter"]

    def campus(register: str, effect: np.ndarray) -> np.ndarray:
        # (exp(s q) - 1) / s: s > 0 stretches the best campuses, s < 0 the worst ones
        s = skew[register]
        shaped = np.expm1(s * effect) / s if s else effect
        return scale[register] * shaped + jitter * rng.standard_normal(effect.size)

    block_na = lambda: lat.na + 0.3 * rng.standard_normal(n)  # noqa: E731 — one draw per block
    q, r = lat.campus_quality, lat.campus_resources
    blocks = [
        ("tableau_3", campus("dyn", q), shift, None),
        ("tableau_4", campus("lead", q), shift, None),
        ("tableau_5", campus("res_level", r), shift, sources.calibration()["resources"]["res_level_na"]),
        ("tableau_6", campus("res_use", 0.5 * (q + r)), shift, None),
        ("tableau_7", campus("mgmt", q), cal["mgmt_group_shift"], None),
    ]
    out = {}
    for table, effect, group_shift, na_share in blocks:
        keys = _register_key(lat, group_shift, rng)
        out.update(_scale_answers(lat, published[table]["rows"], effect, keys, block_na(), rng, na_share))
    return out


def _collaboration(lat: _Latent, answers: dict[str, np.ndarray], rng: np.random.Generator) -> dict[str, np.ndarray]:
    """collab: overall split 70/13/12/4/1, code 1 at 60 % among OF/CFA and 79 % in higher education."""
    published = sources.published()["collaboration"]
    n = lat.group.size
    split = published["ensemble"]
    by_group = published["code_1_by_group"]
    total_1 = split["1"] / 100 * n
    fixed = {G[g]: share / 100 for g, share in by_group.items()}
    fixed_n = sum(share * (lat.group == g).sum() for g, share in fixed.items())
    others = ~np.isin(lat.group, list(fixed))
    other_share = np.clip((total_1 - fixed_n) / max(int(others.sum()), 1), 0.0, 1.0)
    dyn = np.mean([answers[f"dyn_{k}"] == 1 for k in range(1, 7)], axis=0)
    keys = _standardise(dyn) + 0.4 * lat.quality + 0.8 * rng.standard_normal(n)
    values = np.full(n, NULL, dtype=np.int64)
    for g in range(len(GROUPS)):
        members = lat.group == g
        share = fixed.get(g, other_share)
        values[top_k(keys, round(share * members.sum()), members)] = 1
    rest = values == NULL
    counts = largest_remainder([split[c] for c in ("2", "3", "4", "5")], int(rest.sum()))
    values[rest] = ordinal(keys[rest], [2, 3, 4, 5], counts)
    return {"collab": values}


def tableau_8_counts(percent: float, target: float, eligible: int) -> tuple[int, int]:
    """(knowers, attributing to the PIA) reproducing ``percent`` best, knowers near ``target``.

    Among denominators within ±25 % of ``target`` (and at most ``eligible``), the one whose
    best numerator gives the published two-decimal percentage, else the closest one.
    """
    low = max(1, int(np.floor(target * 0.8)))
    high = max(low, min(eligible, int(np.ceil(target * 1.25))))
    candidates = np.arange(low, high + 1)
    numerators = np.round(percent / 100 * candidates)
    error = np.abs(np.round(100 * numerators / candidates, 2) - percent)
    best = np.lexsort((np.abs(candidates - target), error))[0]
    return int(candidates[best]), int(numerators[best])


def _realisations(lat: _Latent, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """real_known_k for the four groups (k = 6: companies), real_pia_k among knowers (Tableau 8)."""
    published = sources.published()["tableau_8"]["rows"]
    cal = sources.calibration()["realisations"]
    n = lat.group.size
    eligible_all = lat.group != G["autre"]
    out = {}
    pia = {}
    for k, row in enumerate(published.values(), start=1):
        known_item = f"real_known_{k}"
        eligible = (lat.group == G["entreprise"]) if k == 6 else eligible_all
        default_base = cal["eligible_default_6"] if k == 6 else cal["eligible_default"]
        target = cal["known"][known_item] * eligible.sum() / default_base
        d, a = tableau_8_counts(float(row["1"]), target, int(eligible.sum()))
        affinity = np.ones(n)
        for g, table in cal["affinity"].items():
            if isinstance(table, dict) and known_item in table:
                affinity[lat.group == G[g]] = table[known_item]
        keys = (
            np.log(affinity)
            + cal["member_or_concerned"] * lat.mc
            + cal["campus_engagement"] * lat.engagement
            + gumbel(rng, n)
        )
        knows = top_k(keys, d, eligible)
        known = np.where(eligible, 0, NULL)
        known[knows] = 1
        out[known_item] = known
        attributes = top_k(0.5 * lat.quality + lat.halo + rng.standard_normal(n), a, knows)
        values = np.where(knows, 0, NULL)
        values[attributes] = 1
        pia[f"real_pia_{k}"] = values
    out.update(pia)
    return out


def _international(lat: _Latent, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Section 5: higher education (extent3 items) and lycées (bin items)."""
    published = sources.published()["international"]
    cal = sources.calibration()["international"]
    n = lat.group.size
    sup = lat.group == G["superieur"]
    lyc = lat.group == G["lycee"]
    key = 0.5 * lat.quality + lat.halo + 0.7 * rng.standard_normal(n)
    out = {name: np.full(n, NULL, dtype=np.int64) for name in ("intl_strategy", "intl_pia_effect", "intl_parcours", "intl_known", "intl_contrib", "intl_below_expect")}

    def extent(name: str, shares: dict[str, float], among: np.ndarray) -> None:
        m = int(among.sum())
        codes = [int(c) for c in shares]
        counts = dict(zip(codes, largest_remainder(list(shares.values()), m), strict=True))
        values = np.full(m, NULL, dtype=np.int64)
        free = np.ones(m, dtype=bool)
        if 9 in counts:
            chosen = top_k(lat.na[among] + 0.5 * rng.standard_normal(m), counts[9], free)
            values[chosen] = 9
            free &= ~chosen
        local = key[among] + 0.5 * rng.standard_normal(m)
        ordered = sorted(c for c in codes if c != 9)
        values[free] = ordinal(local[free], ordered, np.array([counts[c] for c in ordered]))
        out[name][among] = values

    strategy = {k: v / 100 for k, v in published["intl_strategy"].items()} | cal["intl_strategy"]
    extent("intl_strategy", strategy, sup)
    has_strategy = sup & np.isin(out["intl_strategy"], [1, 2])
    extent("intl_pia_effect", {k: v / 100 for k, v in published["intl_pia_effect"].items()}, has_strategy)
    parcours = {k: v / 100 for k, v in published["intl_parcours"].items()} | cal["intl_parcours"]
    extent("intl_parcours", parcours, sup)

    m = int(lyc.sum())
    knows = top_k(lat.engagement + lat.mc + gumbel(rng, n), round(published["intl_known"]["1"] / 100 * m), lyc)
    out["intl_known"][lyc] = 0
    out["intl_known"][knows] = 1
    contrib = top_k(lat.mc + gumbel(rng, n), round(published["intl_contrib"]["1"] / 100 * m), knows)
    out["intl_contrib"][knows] = 0
    out["intl_contrib"][contrib] = 1
    below = top_k(-key + gumbel(rng, n), round(published["intl_below_expect"]["1"] / 100 * m), lyc)
    out["intl_below_expect"][lyc] = 0
    out["intl_below_expect"][below] = 1
    return out


def _benefits(lat: _Latent, answers: dict[str, np.ndarray], rng: np.random.Generator) -> dict[str, np.ndarray]:
    """benef_network (47 %), workload_more (25 %); companies: benef_skills, benef_notoriety."""
    published = sources.published()["benefits"]
    cal = sources.calibration()["benefits"]
    n = lat.group.size
    count = np.sum([answers[f"rel_{k}"] for k in range(1, 17)], axis=0).astype(float)
    network_key = 0.7 * _standardise(count) + 0.25 * lat.quality + 0.5 * lat.halo + 0.7 * rng.standard_normal(n)
    out = {"benef_network": top_k(network_key, round(published["benef_network"] / 100 * n)).astype(np.int64)}
    companies = lat.group == G["entreprise"]
    m = int(companies.sum())
    for name in ("benef_skills", "benef_notoriety"):
        values = np.where(companies, 0, NULL)
        chosen = top_k(0.5 * lat.quality + lat.halo + rng.standard_normal(n), round(cal[name] * m), companies)
        values[chosen] = 1
        out[name] = values
    workload_key = cal["workload_member"] * (lat.mc.astype(float) + 0.5 * lat.consortium) + cal["workload_noise"] * rng.standard_normal(n)
    out["workload_more"] = top_k(workload_key, round(published["workload_more"] / 100 * n)).astype(np.int64)
    return out


def _expectations(lat: _Latent, order: list[str], rng: np.random.Generator) -> pl.Series:
    """Up to four expectations per respondent, shares per group from section 2.3 and calibration."""
    published = sources.published()["expectations"]
    cal = sources.calibration()["expectations"]
    limit = published["max_choices"]
    n = lat.group.size
    chosen = np.zeros((n, len(order)), dtype=bool)
    for name in GROUPS:
        if name not in cal and name not in published:
            continue
        members = lat.group == G[name]
        m = int(members.sum())
        rates = {**cal.get(name, {}), **{k: v / 100 for k, v in published.get(name, {}).items()}}
        taken = np.zeros(n, dtype=int)
        for choice, rate in sorted(rates.items(), key=lambda kv: -kv[1]):
            j = order.index(choice)
            # respondents who already hold fewer choices are preferred, so capacity is never short
            keys = gumbel(rng, n) - 0.5 * taken
            pick = top_k(keys, round(rate * m), members & (taken < limit))
            chosen[pick, j] = True
            taken += pick
    frame = pl.DataFrame({choice: chosen[:, j] for j, choice in enumerate(order)})
    text = pl.concat_str([pl.when(pl.col(c)).then(pl.lit(c)) for c in order], separator=" ", ignore_nulls=True)
    asked = pl.Series(lat.group != G["autre"])
    # « autre » is not asked (routing): empty; so is a respondent with no choice
    return frame.select(pl.when(asked & (text != "")).then(text).alias("expectations"))["expectations"]
