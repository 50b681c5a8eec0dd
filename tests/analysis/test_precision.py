"""Presentation rules (NCHS 2017 thresholds, data/analysis/presentation/*.toml): each rule
just below, at and just above its threshold, on rows built by hand; then the profiles in
``compute()`` and ``effipia compute``.

A row is given by its estimate ``e`` (percent), interval ``[lo, hi]`` (width ``hi - lo``
points), ``n_eff`` and ``df``; the expected class follows the standard's steps
(docs/analysis.md): n_eff < 30 → unreliable; width ≤ 5 → no width test; width ≥ 30 →
unreliable; 100·width/e > 130 → unreliable; df < 8 → imprecise; 100·width/(100 - e) > 130
→ imprecise; 0 % or 100 % → imprecise.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from effipia.analysis import compute
from effipia.analysis.layout import conform_rows
from effipia.analysis.precision import apply_outcomes, assess, load_presentation, precision_counts
from effipia.errors import EffipiaError


def _rows(cases: list[tuple[float, float, float, float, int]], unit: str = "percent") -> pl.DataFrame:
    """Rows ``(estimate, ci_low, ci_high, n_eff, df)``."""
    return conform_rows(
        pl.DataFrame(
            {
                "statistic": ["t"] * len(cases),
                "item": [f"c{i}" for i in range(len(cases))],
                "answer": ["1"] * len(cases),
                "group": ["ensemble"] * len(cases),
                "campus": ["ensemble"] * len(cases),
                "estimate": [c[0] for c in cases],
                "n": [100] * len(cases),
                "ci_low": [c[1] for c in cases],
                "ci_high": [c[2] for c in cases],
                "suppressed": [False] * len(cases),
                "unit": [unit] * len(cases),
                "n_eff": [c[3] for c in cases],
                "df": [c[4] for c in cases],
            }
        )
    )


def _classes(cases, profile: str = "default", unit: str = "percent") -> list[tuple[str, str]]:
    out = assess(_rows(cases, unit), profile)
    return list(zip(out["precision"], out["precision_reason"], strict=True))


RELIABLE = ("reliable", "")


@pytest.mark.parametrize("unit", ["percent", "score"])
def test_effective_size_threshold(unit: str) -> None:
    # e = 50, width 4 (narrow), df 99: only n_eff decides; threshold « below 30 »
    cases = [(50.0, 48.0, 52.0, n_eff, 99) for n_eff in (29.99, 30.0, 30.01)]
    assert _classes(cases, unit=unit) == [("unreliable", "n_eff"), RELIABLE, RELIABLE]


def test_small_width_skips_the_relative_test() -> None:
    # e = 2 %: widths 4.99, 5, 5.01; relative width 100·w/2 ≈ 250 % would fail step 4,
    # which applies only above 5 points
    cases = [(2.0, 0.0, w, 500.0, 99) for w in (4.99, 5.0, 5.01)]
    assert _classes(cases) == [RELIABLE, RELIABLE, ("unreliable", "relative_width")]


def test_absolute_width_threshold() -> None:
    # e = 50: widths 29.99, 30, 30.01 (relative width ≤ 61 %: only step 3 can fail)
    cases = [(50.0, 35.0, 35.0 + w, 500.0, 99) for w in (29.99, 30.0, 30.01)]
    assert _classes(cases) == [RELIABLE, ("unreliable", "width"), ("unreliable", "width")]


def test_relative_width_threshold() -> None:
    # e = 10: widths 12.99, 13, 13.01 → relative 129.9 %, 130 %, 130.1 % (« above 130 % »);
    # the complement's relative width 100·13/90 = 14 % passes
    cases = [(10.0, 4.0, 4.0 + w, 500.0, 99) for w in (12.99, 13.0, 13.01)]
    assert _classes(cases) == [RELIABLE, RELIABLE, ("unreliable", "relative_width")]


def test_complement_relative_width_threshold() -> None:
    # e = 90: the complement 10 % with widths 12.99, 13, 13.01 → 129.9 %, 130 %, 130.1 %:
    # presented with a footnote above the threshold (NCHS « footnote percent - complement »)
    cases = [(90.0, 83.0, 83.0 + w, 500.0, 99) for w in (12.99, 13.0, 13.01)]
    assert _classes(cases) == [RELIABLE, RELIABLE, ("imprecise", "relative_width")]


def test_degrees_of_freedom_threshold() -> None:
    # narrow interval, large n_eff: df 7, 8, 9 (« below 8 » → statistical review)
    cases = [(50.0, 48.0, 52.0, 500.0, df) for df in (7, 8, 9)]
    assert _classes(cases) == [("imprecise", "df"), RELIABLE, RELIABLE]


def test_boundary_shares() -> None:
    # 0 % and 100 %: n_eff = n; the width tests are not applied (the exact interval's
    # relative width is infinite at 0), the estimate is flagged for review; n_eff < 30 still
    # suppresses
    cases = [(0.0, 0.0, 11.6, 30.0, 29), (100.0, 88.4, 100.0, 30.0, 29), (0.0, 0.0, 26.5, 12.0, 11)]
    assert _classes(cases) == [("imprecise", "n_eff"), ("imprecise", "n_eff"), ("unreliable", "n_eff")]


def test_unreliable_outranks_imprecise() -> None:
    # df 3 (imprecise) but n_eff 10 (unreliable): the unreliable test decides
    assert _classes([(50.0, 10.0, 90.0, 10.0, 3)]) == [("unreliable", "n_eff")]


def test_unassessed_rows_stay_empty() -> None:
    rows = _rows([(50.0, 48.0, 52.0, 500.0, 99), (3.0, 2.0, 4.0, 500.0, 99)])
    rows = rows.with_columns(pl.Series("unit", ["count", "percent"]), pl.Series("suppressed", [False, True]))
    out = assess(rows)
    assert out["precision"].to_list() == [None, None]  # a count, and a row under the disclosure rule


def test_profiles_differ_only_in_outcomes() -> None:
    cases = [(50.0, 48.0, 52.0, 29.0, 99), (50.0, 48.0, 52.0, 500.0, 5), (50.0, 48.0, 52.0, 500.0, 99)]
    default = apply_outcomes(assess(_rows(cases), "default"), "default")
    nchs = apply_outcomes(assess(_rows(cases), "nchs"), "nchs")
    assert default["precision"].to_list() == nchs["precision"].to_list() == ["unreliable", "imprecise", "reliable"]
    # default: nothing withheld for precision; nchs: the unreliable estimate is suppressed
    assert default["suppressed"].to_list() == [False, False, False]
    assert nchs["suppressed"].to_list() == [True, False, False]
    assert nchs["estimate"].to_list() == [None, 50.0, 50.0]
    assert precision_counts(nchs).row(0) == ("t", 1, 1, 1)
    profile = load_presentation("default")
    assert (profile.marker("imprecise"), profile.marker("unreliable"), profile.marker("reliable")) == ("†", "‡", "")
    assert load_presentation("nchs").marker("unreliable") == ""  # withheld: nothing printed


def test_user_profile_file(tmp_path: Path) -> None:
    path = tmp_path / "strict.toml"
    path.write_text('[outcomes]\nimprecise = "suppress"\n[proportions]\nimprecise_if_df_below = 10\n', encoding="utf-8")
    out = apply_outcomes(assess(_rows([(50.0, 48.0, 52.0, 500.0, 9)]), path), path)
    assert (out["precision"][0], out["precision_reason"][0], out["suppressed"][0]) == ("imprecise", "df", True)
    bad = tmp_path / "bad.toml"
    bad.write_text('[proportions]\nmax_width = 30\n', encoding="utf-8")
    with pytest.raises(EffipiaError, match="max_width"):
        load_presentation(bad)
    with pytest.raises(EffipiaError, match="default, nchs"):
        load_presentation("introuvable")


@pytest.fixture(scope="module")
def campaign():
    from effipia.synth import generate

    return generate(seed=3)


def test_compute_profiles_and_counts(campaign) -> None:
    warnings: list = []
    kw = dict(partners=campaign.partners, invitations=campaign.invitations, campuses=campaign.campuses,
              include=["tables", "registers", "comparison"])
    default = compute(campaign.responses, warnings=warnings, **kw)
    shares = default.filter((pl.col("unit") == "percent") & ~pl.col("suppressed"))
    scores = default.filter((pl.col("statistic") == "register") & ~pl.col("suppressed"))
    # every published share and register score is classed, with a reason when not reliable
    assert shares["precision"].null_count() == 0 and scores["precision"].null_count() == 0
    flagged = default.filter(pl.col("precision").is_in(["imprecise", "unreliable"]))
    assert flagged.height > 0 and (flagged["precision_reason"] != "").all()
    assert set(default["precision_reason"].drop_nulls()) <= {"", "n_eff", "width", "relative_width", "df"}
    # the counts by statistic are warnings of the result, one per assessed statistic
    counts = {w.statistic: dict(w.params) for w in warnings if w.code == "analysis_precision.counts"}
    expected = precision_counts(default)
    assert set(counts) == set(expected["statistic"])
    for row in expected.iter_rows(named=True):
        assert (counts[row["statistic"]]["reliable"], counts[row["statistic"]]["unreliable"]) == (row["reliable"], row["unreliable"])
    # nchs: the same classes, unreliable estimates withheld and never ranked
    nchs = compute(campaign.responses, presentation="nchs", **kw)
    joined = default.join(nchs, on=["statistic", "item", "answer", "group", "campus"], suffix="_nchs")
    agree = joined.filter(pl.col("statistic").is_in(["tableau_3", "register"]))
    assert (agree["precision"].fill_null("-") == agree["precision_nchs"].fill_null("-")).all()
    unreliable = nchs.filter(pl.col("precision") == "unreliable")
    assert unreliable.height > 0 and unreliable["suppressed"].all() and unreliable["estimate"].null_count() == unreliable.height
    withheld = set(nchs.filter((pl.col("statistic") == "register") & (pl.col("domain") == "campus")
                               & (pl.col("precision") == "unreliable"))["campus"])
    ranked = nchs.filter((pl.col("statistic") == "register_rank"))
    for row in ranked.iter_rows(named=True):
        score = nchs.filter((pl.col("statistic") == "register") & (pl.col("item") == row["item"])
                            & (pl.col("campus") == row["campus"]) & (pl.col("group") == "ensemble"))
        assert score["precision"][0] != "unreliable", row
    assert withheld  # campuses of 20 to 30 respondents: most campus scores fail n_eff ≥ 30


def test_compute_interval_method(campaign) -> None:
    kw = dict(include=["tables"])
    kg = compute(campaign.responses, **kw)
    wald = compute(campaign.responses, ci="wald", **kw)
    key = ["statistic", "item", "answer", "group", "campus"]
    both = kg.join(wald, on=key, suffix="_w").filter(pl.col("estimate").is_not_null())
    z = 1.959963984540054
    assert ((both["ci_low_w"] - (both["estimate"] - z * both["se"]).clip(0, 100)).abs() < 1e-9).all()
    assert (both["ci_low"] != both["ci_low_w"]).any()
    with pytest.raises(EffipiaError, match="korn-graubard, logit, wald"):
        compute(campaign.responses, ci="exact", **kw)


def test_cli_options(campaign, tmp_path: Path) -> None:
    from effipia.cli import app
    from effipia.store import Store

    url = f"sqlite:///{tmp_path / 'effipia.db'}"
    store = Store(url)
    try:
        campaign.write_to(store)
    finally:
        store.close()
    runner = CliRunner()
    run = runner.invoke(app, ["--db", url, "compute", "--out", str(tmp_path / "out"), "--ci", "logit", "--presentation", "nchs"])
    assert run.exit_code == 0, run.output
    assert "Précision (nchs) :" in run.output
    assert "(les peu fiables ne sont pas publiées)" in run.output  # the counts, as warnings
    warnings = pl.read_csv(tmp_path / "out" / "warnings.csv")
    assert (warnings["code"] == "analysis_precision.counts").sum() > 5
    stats = pl.read_parquet(tmp_path / "out" / "statistics.parquet")
    assert {"df", "n_eff", "precision", "precision_reason"} <= set(stats.columns)
    bad = runner.invoke(app, ["--db", url, "compute", "--out", str(tmp_path / "bad"), "--presentation", "stricte"])
    assert bad.exit_code != 0
    assert "Règles de présentation inconnues : « stricte »" in bad.output
