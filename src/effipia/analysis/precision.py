"""Presentation rules: which estimates are precise enough to publish as they are.

Every share and every register score of the statistics set is classed ``reliable``,
``imprecise`` or ``unreliable`` (column ``precision``) by the tests of the NCHS *Data
Presentation Standards for Proportions* (Parker et al. 2017), with the rule that decided in
``precision_reason`` (``n_eff``, ``width``, ``relative_width``, ``df`` or empty). The
thresholds, and what each class does in the published tables (``footnote`` or
``suppress``), live in a profile file (``data/analysis/presentation/<name>.toml``):
``default`` (imprecise and unreliable estimates printed with a marker and a footnote) and
``nchs`` (the standard as published: unreliable estimates suppressed). A user's TOML file of
the same layout can be given instead (``effipia compute --presentation FILE``).

Tests, in the standard's order, for a share ``p`` (for a score ``s``: ``p = s/100``) with
its 95 % interval of width ``W`` points, base ``n``, ``n_eff = min(n, p(1-p)/SE²)`` (``n`` at
0 % or 100 %) and design degrees of freedom ``df``:

1. ``n_eff`` below ``unreliable_if_n_eff_below`` → unreliable (``n_eff``);
2. at 0 % or 100 %, the width tests are skipped; the estimate is imprecise (``n_eff``: its
   effective size is not estimable) when ``imprecise_if_boundary``;
3. ``W ≤ reliable_if_width_at_most`` → passes the width tests;
4. ``W ≥ unreliable_if_width_at_least`` → unreliable (``width``);
5. ``100 W / p`` above ``unreliable_if_relative_width_above`` → unreliable (``relative_width``);
6. ``df`` below ``imprecise_if_df_below`` → imprecise (``df``);
7. ``100 W / (1-p)`` above ``imprecise_if_complement_relative_width_above`` → imprecise
   (``relative_width``: the complementary share would fail test 5).

The first failing test gives the class and reason; an unreliable test outranks every
imprecise one. Rows the rules do not assess (counts, means, ranks, rows suppressed by the
disclosure rule, rows without an SE) keep ``precision`` empty.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import polars as pl

from effipia.errors import EffipiaError

__all__ = [
    "CLASSES",
    "REASONS",
    "DEFAULT_PROFILE",
    "Rules",
    "Presentation",
    "shipped_profiles",
    "load_presentation",
    "assess",
    "apply_outcomes",
    "precision_counts",
]

#: Values of the ``precision`` column, best first.
CLASSES: tuple[str, ...] = ("reliable", "imprecise", "unreliable")
#: Values of ``precision_reason`` (empty for a reliable estimate).
REASONS: tuple[str, ...] = ("n_eff", "width", "relative_width", "df")
DEFAULT_PROFILE = "default"
_OUTCOMES = ("footnote", "suppress")
_VALUES = ("estimate", "se", "ci_low", "ci_high", "sd")


@dataclass(frozen=True)
class Rules:
    """Thresholds of one family of estimates (``[proportions]`` or ``[scores]``)."""

    unreliable_if_n_eff_below: float = 30.0
    reliable_if_width_at_most: float = 5.0
    unreliable_if_width_at_least: float = 30.0
    unreliable_if_relative_width_above: float = 130.0
    imprecise_if_complement_relative_width_above: float = 130.0
    imprecise_if_df_below: float = 8.0
    imprecise_if_boundary: bool = True


@dataclass(frozen=True)
class Presentation:
    """A presentation profile: thresholds per family, the outcome, marker and footnote of
    each class (``imprecise``, ``unreliable``)."""

    name: str
    label: str
    proportions: Rules
    scores: Rules
    outcomes: Mapping[str, str]
    markers: Mapping[str, str]
    footnotes: Mapping[str, str]

    def suppresses(self, precision: str) -> bool:
        """Whether estimates of class ``precision`` are withheld from publication."""
        return self.outcomes.get(precision) == "suppress"

    def marker(self, precision: str | None) -> str:
        """The sign printed after a published estimate of class ``precision`` (« † »…)."""
        return self.markers.get(precision or "", "") if precision and not self.suppresses(precision) else ""

    def footnote(self, precision: str | None) -> str:
        """The French footnote explaining class ``precision`` (empty for ``reliable``)."""
        return self.footnotes.get(precision or "", "")


def shipped_profiles() -> dict[str, Path]:
    """The shipped profiles by name (``default``, ``nchs``)."""
    folder = files("effipia").joinpath("data", "analysis", "presentation")
    return {entry.name.removesuffix(".toml"): entry for entry in sorted(folder.iterdir(), key=lambda e: e.name)
            if entry.name.endswith(".toml")}


def _rules(raw: Mapping, where: str) -> Rules:
    known = Rules.__dataclass_fields__
    unknown = sorted(set(raw) - set(known))
    if unknown:
        raise ValueError(f"[{where}] unknown key(s): {', '.join(unknown)}")
    values = {}
    for key, value in raw.items():
        if key == "imprecise_if_boundary":
            if not isinstance(value, bool):
                raise ValueError(f"[{where}] {key} must be true or false")
        elif isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise ValueError(f"[{where}] {key} must be a number ≥ 0")
        values[key] = value
    return Rules(**values)


def load_presentation(name_or_path: str | Path | None = None) -> Presentation:
    """A presentation profile: a shipped one by name (``default`` when ``None``, ``nchs``)
    or a user's TOML file of the same layout. Raises ``EffipiaError`` (French) on an unknown
    name or a malformed file."""
    name_or_path = DEFAULT_PROFILE if name_or_path is None else name_or_path
    shipped = shipped_profiles()
    key = str(name_or_path)
    if key in shipped:
        source = shipped[key]
    else:
        source = Path(name_or_path)
        if not source.is_file():
            raise EffipiaError("analysis_precision.unknown_profile", value=key, names=", ".join(shipped))
    try:
        raw = tomllib.loads(source.read_text(encoding="utf-8"))
        outcomes = dict(raw.get("outcomes", {}))
        bad = [f"{k} = {v}" for k, v in outcomes.items() if k not in CLASSES[1:] or v not in _OUTCOMES]
        if bad:
            raise ValueError("[outcomes] " + ", ".join(bad) + " (imprecise / unreliable = footnote | suppress)")
        meta = raw.get("profile", {})
        return Presentation(
            name=str(meta.get("name", source.stem if isinstance(source, Path) else key)),
            label=str(meta.get("label", "")),
            proportions=_rules(raw.get("proportions", {}), "proportions"),
            scores=_rules(raw.get("scores", raw.get("proportions", {})), "scores"),
            outcomes={"imprecise": "footnote", "unreliable": "footnote", **outcomes},
            markers={str(k): str(v) for k, v in raw.get("markers", {}).items()},
            footnotes={str(k): str(v) for k, v in raw.get("footnotes", {}).items()},
        )
    except (tomllib.TOMLDecodeError, ValueError, TypeError) as exc:
        raise EffipiaError("analysis_precision.bad_profile", path=key, detail=str(exc)) from None


def _classify(rules: Rules, e: pl.Expr, width: pl.Expr, n_eff: pl.Expr, df: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """``(precision, reason)`` expressions of one family (``e`` the estimate in percent or
    score points 0–100, ``width`` in the same points; relative widths in % of ``e``)."""
    edge = (e <= 0.0) | (e >= 100.0)
    small = width <= rules.reliable_if_width_at_most
    widths = ~edge & ~small  # the width tests apply
    tests = [  # (condition, class, reason), in the standard's order
        (n_eff < rules.unreliable_if_n_eff_below, "unreliable", "n_eff"),
        (widths & (width >= rules.unreliable_if_width_at_least), "unreliable", "width"),
        (widths & (100.0 * width / e > rules.unreliable_if_relative_width_above), "unreliable", "relative_width"),
        (df.cast(pl.Float64).fill_null(float("inf")) < rules.imprecise_if_df_below, "imprecise", "df"),
        (widths & (100.0 * width / (100.0 - e) > rules.imprecise_if_complement_relative_width_above), "imprecise",
         "relative_width"),
    ]
    if rules.imprecise_if_boundary:
        tests.append((edge, "imprecise", "n_eff"))
    precision = pl.when(tests[0][0]).then(pl.lit(tests[0][1]))
    reason = pl.when(tests[0][0]).then(pl.lit(tests[0][2]))
    for condition, klass, why in tests[1:]:
        precision = precision.when(condition).then(pl.lit(klass))
        reason = reason.when(condition).then(pl.lit(why))
    return precision.otherwise(pl.lit("reliable")), reason.otherwise(pl.lit(""))


def assess(statistics: pl.DataFrame, presentation: Presentation | str | Path | None = None) -> pl.DataFrame:
    """``statistics`` with ``precision`` and ``precision_reason`` set by the profile's rules
    for every published share (``unit = "percent"`` with an ``n_eff``, i.e. made by the
    kernel) and register score (``unit = "score"``); other rows get them empty. Nothing is
    suppressed here (:func:`apply_outcomes` does it)."""
    profile = presentation if isinstance(presentation, Presentation) else load_presentation(presentation)
    if statistics.is_empty():
        return statistics
    assessable = (
        pl.col("n_eff").is_not_null()
        & pl.col("estimate").is_not_null()
        & pl.col("ci_low").is_not_null()
        & pl.col("ci_high").is_not_null()
        & ~pl.col("suppressed").fill_null(False)
    )
    width = pl.col("ci_high") - pl.col("ci_low")
    e = pl.col("estimate")
    share_class, share_reason = _classify(profile.proportions, e, width, pl.col("n_eff"), pl.col("df"))
    score_class, score_reason = _classify(profile.scores, e, width, pl.col("n_eff"), pl.col("df"))
    is_share = pl.col("unit") == "percent"
    is_score = pl.col("unit") == "score"
    return statistics.with_columns(
        pl.when(assessable & is_share).then(share_class).when(assessable & is_score).then(score_class)
        .otherwise(pl.lit(None, dtype=pl.String)).alias("precision"),
        pl.when(assessable & is_share).then(share_reason).when(assessable & is_score).then(score_reason)
        .otherwise(pl.lit(None, dtype=pl.String)).alias("precision_reason"),
    )


def apply_outcomes(statistics: pl.DataFrame, presentation: Presentation | str | Path | None = None) -> pl.DataFrame:
    """Suppress (flag ``suppressed``, empty the values) the estimates whose class the profile
    withholds (``nchs``: ``unreliable``); ``precision`` keeps saying why. Other classes are
    published; the reports print the profile's marker and footnote beside them."""
    profile = presentation if isinstance(presentation, Presentation) else load_presentation(presentation)
    withheld = [c for c in CLASSES[1:] if profile.suppresses(c)]
    if not withheld or statistics.is_empty():
        return statistics
    hit = pl.col("precision").is_in(withheld).fill_null(False)
    return statistics.with_columns(
        [pl.when(hit).then(None).otherwise(pl.col(c)).alias(c) for c in _VALUES if c in statistics.columns]
        + [(pl.col("suppressed").fill_null(False) | hit).alias("suppressed")]
    )


def precision_counts(statistics: pl.DataFrame) -> pl.DataFrame:
    """Counts of ``reliable`` / ``imprecise`` / ``unreliable`` estimates by statistic
    (columns ``statistic, reliable, imprecise, unreliable``), statistics in first-row order;
    only statistics with assessed rows."""
    assessed = statistics.filter(pl.col("precision").is_not_null())
    if assessed.is_empty():
        return pl.DataFrame(schema={"statistic": pl.String, **{c: pl.Int64 for c in CLASSES}})
    return assessed.group_by("statistic", maintain_order=True).agg(
        [(pl.col("precision") == c).sum().cast(pl.Int64).alias(c) for c in CLASSES]
    )
