"""The whole statistics set of a campaign, and its French headline.

:func:`compute` takes plain frames (responses in the codebook layout; optionally partners,
invitations, campuses) and returns every statistic in the statistics-set layout
(:mod:`effipia.analysis.layout`): annex tables 3–8, registers, per-campus comparison,
response rates, and the statistics of the relations, model, effects and structure modules
(each exposes ``rows(responses, ...)``; a module not yet present is skipped). Disclosure
control (minimum count, secondary suppression) is applied last, to everything.
:func:`headline` gives the French lines ``effipia demo`` prints.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import polars as pl
from babel.numbers import format_decimal

from effipia.analysis.comparison import extreme_campuses
from effipia.labels import campus_labels, with_campus_letter
from effipia.analysis.disclosure import (
    DEFAULT_MIN_N,
    apply_min_count,
    secondary_suppression,
)
from effipia.analysis.domains import Design, domain_sets
from effipia.analysis.intervals import DEFAULT_SHARE_METHOD, SHARE_METHODS
from effipia.analysis.precision import Presentation, apply_outcomes, assess, load_presentation, precision_counts
from effipia.analysis.shares import restate_share_intervals
from effipia.csvsafe import write_csv
from effipia.analysis.layout import DOMAIN_SETS, ENSEMBLE, conform_rows, empty_rows
from effipia.analysis.producers import PRODUCERS, Inputs
from effipia.analysis.registers import load_rules
from effipia.analysis.tables import catalogue
from effipia.analysis.weights import METHODS, calibrate
from effipia import nomenclatures
from effipia.errors import EffipiaError, message
from effipia.results import Warning

__all__ = ["compute", "headline", "write_statistics"]

def compute(
    responses: pl.DataFrame,
    *,
    partners: pl.DataFrame | None = None,
    invitations: pl.DataFrame | None = None,
    campuses: pl.DataFrame | None = None,
    weights: str = "none",
    calibration: str = "poststratification",
    cluster: bool = False,
    strata: bool = False,
    min_n: int = DEFAULT_MIN_N,
    scoring: str | Path | None = None,
    domains: Sequence[str] = DOMAIN_SETS,
    include: Sequence[str] | None = None,
    model_controls: Sequence[str] | None = None,
    warnings: list[Warning] | None = None,
    ci: str = DEFAULT_SHARE_METHOD,
    presentation: str | Path | Presentation | None = None,
) -> pl.DataFrame:
    """Every statistic of a campaign (statistics-set layout, one row per statistic × item
    × answer × domain).

    ``weights``: ``"none"`` or ``"calibrated"`` (respondents calibrated to the invited
    population by ``calibration`` = ``"poststratification"`` on campus × group cells or
    ``"raking"`` on the campus and group margins; needs ``invitations``); ``cluster``: campus
    as PSU in the variance (refused with calibrated weights: the calibration constrains
    totals inside each campus, so the between-campus variance would be zero); ``strata``:
    campus as stratum, respondents as PSUs within it (the design to use with calibrated
    weights); ``min_n``: minimum count of the disclosure rule; ``scoring``: a
    user scoring-rules file (default: the shipped one); ``include``: only these producers
    (``tables``, ``registers``, ``comparison``, ``response_rate`` and the colleague modules);
    ``model_controls``: control variables of the relation-variety count model
    (:func:`effipia.analysis.model.fit`; default: the saturated profile model);
    ``warnings``: a list that receives what the set leaves out or weakens
    (:class:`effipia.results.Warning`: invited cells without respondents, campuses below
    ``min_n``, registers not answered, a model not fitted, a producer that could not run;
    and the counts of reliable / imprecise / unreliable estimates by statistic);
    ``ci``: interval of every share (``korn-graubard``, ``logit`` or ``wald``; means and
    scores always get a Student interval on the design degrees of freedom);
    ``presentation``: the presentation profile classing every share and register score
    (``default``, ``nchs`` or a TOML file; :mod:`effipia.analysis.precision`), applied after
    the disclosure rule. The producers are :data:`effipia.analysis.producers.PRODUCERS`.
    """
    if not isinstance(min_n, int) or isinstance(min_n, bool) or min_n < 1:
        raise EffipiaError("analysis.min_n_invalid", value=min_n)
    if weights not in ("none", "calibrated"):
        raise EffipiaError("analysis.unknown_weights", value=weights)
    if calibration not in METHODS:
        raise EffipiaError("analysis.unknown_method", value=calibration)
    if cluster and strata:
        raise EffipiaError("analysis.cluster_and_strata")
    if cluster and weights == "calibrated":
        raise EffipiaError("analysis.cluster_calibrated")
    if responses is None or responses.is_empty():
        raise EffipiaError("analysis.no_responses")
    if ci not in SHARE_METHODS:
        raise EffipiaError("analysis_precision.unknown_ci", value=ci, names=", ".join(SHARE_METHODS))
    profile = presentation if isinstance(presentation, Presentation) else load_presentation(presentation)
    wanted = set(include) if include is not None else None

    def on(name: str) -> bool:
        return wanted is None or name in wanted

    collected: list[Warning] = []
    if weights == "calibrated":
        if invitations is None or invitations.is_empty():
            raise EffipiaError("analysis.no_invitations")
        calibrated = calibrate(responses, invitations, method=calibration, strata=strata)
        design = calibrated.design
        groups = nomenclatures.labels("survey_groups") if calibrated.empty_cells else {}
        for campus, group in calibrated.empty_cells:
            collected.append(
                Warning.of("analysis_warnings.empty_calibration_cell", campus=campus, group=group, producer="weights",
                           group_label=groups.get(group, group))
            )
    else:
        campus_codes = None
        if cluster or strata:
            _, campus_codes = np.unique(responses["campus_id"].cast(pl.String).to_numpy().astype(str), return_inverse=True)
        design = Design(cluster=campus_codes if cluster else None, strata=campus_codes if strata else None)

    campus_ids = campuses["campus_id"].to_list() if campuses is not None and "campus_id" in campuses.columns else None
    sets = domain_sets(responses, domains, campuses=campus_ids)
    collected += _small_campuses(responses, campus_ids, min_n)
    titles = {name: spec.get("title") for name, spec in catalogue().items()}
    inputs = Inputs(
        responses=responses,
        partners=partners,
        invitations=invitations,
        campuses=campuses,
        design=design,
        sets=sets,
        min_n=min_n,
        titles=titles,
        scoring=scoring,
        model_controls=model_controls,
        warnings=collected,
        options={"ci": ci, "presentation": profile},
    )
    protected: list[pl.DataFrame] = []  # disclosure control already applied across domains
    others: list[pl.DataFrame] = []
    for producer in PRODUCERS:
        if not on(producer.name):
            continue
        reason = producer.unavailable(inputs)
        if reason is not None:
            inputs.warn(reason, producer=producer.name)
            continue
        produced = producer.run(inputs)
        if producer.protected:
            protected.append(produced)
        elif produced is not None and produced.height:
            others.append(conform_rows(produced))
    if warnings is not None:
        warnings.extend(w for w in collected if w not in warnings)
    protected = [p for p in protected if p.height]
    others = [p for p in others if p.height]
    if others:
        rest = pl.concat(others, how="diagonal_relaxed").with_columns(
            pl.col("group").fill_null(ENSEMBLE), pl.col("campus").fill_null(ENSEMBLE)
        )
        rest = conform_rows(rest.drop("domain")) if rest["domain"].null_count() else rest
        protected.append(secondary_suppression(apply_min_count(rest, min_n)))
    if not protected:
        return with_campus_letter(empty_rows(), campuses)
    # titles from the catalogue only where a producer left them empty (most parts carry
    # theirs: no look-up over millions of rows)
    fill_title = pl.coalesce(pl.col("title"), pl.col("statistic").replace_strict(titles, default=None)).alias("title")
    protected = [p.with_columns(fill_title) if p["title"].null_count() else p for p in protected]
    out = pl.concat(protected, how="diagonal_relaxed")
    if cluster:
        # with the campus as PSU, a campus or campus × group domain lies inside one PSU: its
        # design-based variance is zero by construction (R's survey gives 0 as well), so no
        # interval is given there rather than a zero-width one
        nested = pl.col("domain").is_in(["campus", "campus_group"])
        out = out.with_columns(
            [pl.when(nested).then(None).otherwise(pl.col(c)).alias(c) for c in ("se", "ci_low", "ci_high")]
        )
    if ci != DEFAULT_SHARE_METHOD:
        out = restate_share_intervals(out, ci)  # every share, whichever producer made it
    out = assess(out, profile)
    if warnings is not None:
        warnings.extend(_precision_warnings(out, profile))
    out = apply_outcomes(out, profile)
    # rows stay in production order: statistic, item (questionnaire order), domain set, domain;
    # the campus letter (« A ») after the contract columns, for the person reading the file
    return with_campus_letter(out, campuses)


def _precision_warnings(statistics: pl.DataFrame, profile: Presentation) -> list[Warning]:
    """One warning per assessed statistic: its counts of reliable, imprecise and unreliable
    estimates under ``profile`` (and whether the unreliable ones are published)."""
    action = message("analysis_precision.action_suppressed" if profile.suppresses("unreliable")
                     else "analysis_precision.action_marked")
    return [
        Warning.of("analysis_precision.counts", statistic=row["statistic"], producer="precision", profile=profile.name,
                   reliable=row["reliable"], imprecise=row["imprecise"], unreliable=row["unreliable"],
                   action=action if row["unreliable"] or row["imprecise"] else "")
        for row in precision_counts(statistics).iter_rows(named=True)
    ]


def _small_campuses(responses: pl.DataFrame, campus_ids: list[str] | None, min_n: int) -> list[Warning]:
    """One warning per campus domain with fewer than ``min_n`` respondents (its own figures
    are not published), in campus order; ``campus_ids``: the registry's campuses, else the
    respondents'."""
    counts = dict(responses.group_by("campus_id").len().iter_rows()) if "campus_id" in responses.columns else {}
    ids = campus_ids if campus_ids is not None else sorted(c for c in counts if c is not None)
    out = []
    for campus in ids:
        n = counts.get(campus, 0)
        if n == 0:
            out.append(Warning.of("analysis_warnings.campus_no_respondent", campus=campus, producer="disclosure"))
        elif n < min_n:
            out.append(Warning.of("analysis_warnings.campus_below_minimum", campus=campus, producer="disclosure",
                                  n=n, min_n=min_n))
    return out


def write_statistics(statistics: pl.DataFrame, out_dir: str | Path) -> tuple[Path, Path]:
    """Write ``statistics.parquet`` and ``statistics.csv`` (UTF-8, comma) into ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    parquet, csv = out / "statistics.parquet", out / "statistics.csv"
    statistics.write_parquet(parquet)
    flat = statistics.with_columns(pl.col("suppressed").cast(pl.String))
    # CSV holds scalar columns only (a producer's list or struct extra would not fit)
    flat = flat.select([c for c, t in flat.schema.items() if t.is_numeric() or t in (pl.String, pl.Boolean)])
    write_csv(flat, csv)  # effipia.csvsafe: labels never run as formulas
    return parquet, csv


def _fr(x: float, digits: int = 0) -> str:
    return format_decimal(round(x, digits), format="#,##0" + ("." + "0" * digits if digits else ""), locale="fr_FR")


def _value(stats: pl.DataFrame, statistic: str, item: str, answer: str | None = None) -> float | None:
    cond = (
        (pl.col("statistic") == statistic)
        & (pl.col("item") == item)
        & (pl.col("domain") == "ensemble")
        & pl.col("estimate").is_not_null()
    )
    if answer is not None:
        cond &= pl.col("answer") == answer
    hit = stats.filter(cond)
    return None if hit.is_empty() else float(hit["estimate"][0])


def headline(statistics: pl.DataFrame, *, campuses: pl.DataFrame | None = None) -> list[str]:
    """French lines of the headline figures: the five registers, the collaboration split,
    the campuses with the highest and lowest profiles, each as « lettre (identifiant) »
    (:func:`effipia.labels.campus_label`) when ``campuses`` gives its letter."""
    lines = []
    rules = load_rules()
    scores = []
    for name in ("dyn", "lead", "res_level_sat", "res_level_dissat", "res_use", "mgmt"):
        value = _value(statistics, "register", name)
        if value is not None and name in rules:
            scores.append(message("analysis.headline_register", title=rules[name].title, value=_fr(value)))
    if scores:
        lines.append(message("analysis.headline_registers"))
        lines += ["  " + s for s in scores]
    collab = [(a, _value(statistics, "collab", "collab", a)) for a in ("1", "2", "3", "4", "5")]
    if any(v is not None for _, v in collab):
        parts = [message(f"analysis.collab_{a}", value=_fr(v)) for a, v in collab if v is not None]
        lines.append(message("analysis.headline_collab", parts=" ; ".join(parts)))
    high, low = extreme_campuses(statistics)
    if high:
        letters = campus_labels(campuses) if campuses is not None and "campus_id" in campuses.columns else {}
        lines.append(
            message(
                "analysis.headline_campuses",
                high=", ".join(letters.get(c, c) for c in high),
                low=", ".join(letters.get(c, c) for c in low),
            )
        )
    return lines

