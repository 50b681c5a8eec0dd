"""compute() options, errors, weights, and the ``effipia compute`` command."""

from __future__ import annotations

import re

import polars as pl
import pytest
from typer.testing import CliRunner

from effipia.analysis import compute
from effipia.analysis.weights import calibrate, response_rate_rows
from effipia.errors import EffipiaError, message


def _invitations(counts: dict[tuple[str, str], int]) -> pl.DataFrame:
    rows = [(c, g) for (c, g), k in counts.items() for _ in range(k)]
    return pl.DataFrame(rows, schema=["campus_id", "category"], orient="row").with_row_index("partner_id").with_columns(
        pl.col("partner_id").cast(pl.String)
    )


INVITED = {("A", "entreprise"): 4, ("A", "lycee"): 6, ("B", "lycee"): 3, ("C", "of_cfa"): 2, ("C", "autre"): 5}


def test_poststratified_weights_by_hand(tiny: pl.DataFrame) -> None:
    cal = calibrate(tiny, _invitations(INVITED), method="poststratification")
    # invited / respondents per cell: A·ent 4/2, A·lyc 6/2, B·lyc 3/1, C·of 2/1
    assert cal.design.weights.tolist() == [2.0, 2.0, 3.0, 3.0, 3.0, 2.0]
    # C·autre was invited (5) but nobody answered: listed, not represented
    assert cal.empty_cells == [("C", "autre")]


def test_raked_weights_meet_margins(tiny: pl.DataFrame) -> None:
    cal = calibrate(tiny, _invitations(INVITED), method="raking")
    w = pl.Series(cal.design.weights)
    frame = tiny.with_columns(w.alias("w"))
    # margins of the covered cells (C·autre has no respondent): campuses A 4+6 = 10, B 3,
    # C 2; groups entreprise 4, lycée 6+3 = 9, of_cfa 2
    by_campus = dict(frame.group_by("campus_id").agg(pl.col("w").sum()).iter_rows())
    by_group = dict(frame.group_by("category").agg(pl.col("w").sum()).iter_rows())
    assert by_campus == pytest.approx({"A": 10, "B": 3, "C": 2}, rel=1e-9)
    assert by_group == pytest.approx({"entreprise": 4, "lycee": 9, "of_cfa": 2}, rel=1e-9)


def test_respondents_outside_the_invited_population_are_named(tiny: pl.DataFrame) -> None:
    # A·lycée (r3, r4) and B·lycée (r5) have respondents but no invitation: calibration cannot
    # represent them; both cells are named with their respondent counts, for either method
    invited = {k: v for k, v in INVITED.items() if k[1] != "lycee"}
    for method in ("poststratification", "raking"):
        with pytest.raises(EffipiaError) as info:
            calibrate(tiny, _invitations(invited), method=method)
        assert info.value.code == "analysis.uninvited_cells"
        text = str(info.value)
        assert "A × lycee : 2 répondant(s) ; B × lycee : 1 répondant(s)" in text
        assert "aucun partenaire n'est invité" in text


def test_campus_clusters_give_no_interval_inside_a_campus(tiny: pl.DataFrame) -> None:
    stats = compute(tiny, cluster=True, min_n=1, include=["tables", "registers"])
    # campus as PSU: campus A (4 respondents) is one PSU, its domain total of linearised
    # values is its whole PSU total, which is 0 (Σ (y - R_A) over A) → variance 0 by
    # construction: no interval is written there, and none in campus × group cells
    inside = stats.filter(pl.col("domain").is_in(["campus", "campus_group"]) & ~pl.col("suppressed"))
    assert inside.height > 0
    assert inside.select(pl.col("se", "ci_low", "ci_high").null_count()).row(0) == (inside.height,) * 3
    # across campuses the interval stays: tableau_3 dyn_1 code 1, ensemble, base with NA
    # r1 r2 r3 r4 (A) and r6 (C), R = 3/5; campus totals of y - R over the base: A 2 - 4 · 0.6
    # = -0.4, B 0 (r5 empty), C 1 - 0.6 = 0.4; mean 0, Σ (T - mean)² = 0.32; with G = 3 PSUs,
    # SE = sqrt(3/2 · 0.32) / 5
    one = stats.filter((pl.col("statistic") == "tableau_3") & (pl.col("answer") == "1") & (pl.col("domain") == "ensemble"))
    assert one["se"][0] == pytest.approx(100 * (1.5 * 0.32) ** 0.5 / 5, abs=1e-9)
    assert one["ci_low"][0] is not None


def test_response_rates_by_hand(tiny: pl.DataFrame) -> None:
    rows = response_rate_rows(tiny, _invitations(INVITED), min_n=1)
    get = lambda g, c: rows.filter((pl.col("group") == g) & (pl.col("campus") == c)).row(0, named=True)  # noqa: E731
    # 6 respondents of 20 invited → 30 %; lycée 3 of 9; campus C 1 of 7; C·autre 0 of 5
    assert get("ensemble", "ensemble")["estimate"] == pytest.approx(30.0)
    assert get("lycee", "ensemble")["estimate"] == pytest.approx(100 * 3 / 9)
    assert get("ensemble", "C")["estimate"] == pytest.approx(100 / 7)
    assert (get("autre", "C")["estimate"], get("autre", "C")["n"]) == (0.0, 5)


def test_compute_weighted_and_errors(tiny: pl.DataFrame) -> None:
    stats = compute(tiny, invitations=_invitations(INVITED), weights="calibrated", min_n=1, include=["tables", "registers"])
    # no annex table item in tiny but dyn_ and mgmt_: tableau_3 dyn_1 and tableau_7
    dyn = stats.filter((pl.col("statistic") == "tableau_3") & (pl.col("answer") == "1") & (pl.col("domain") == "ensemble"))
    # weighted base: r1 2 + r2 2 + r3 3 + r4 3 + r6 2 = 12; code 1: r1 2 + r4 3 + r6 2 = 7
    assert dyn["estimate"][0] == pytest.approx(100 * 7 / 12)
    with pytest.raises(EffipiaError) as info:
        compute(tiny, weights="calibrated")
    assert info.value.code == "analysis.no_invitations"
    with pytest.raises(EffipiaError) as info:
        compute(tiny, min_n=0)
    assert str(info.value) == message("analysis.min_n_invalid", value=0)
    with pytest.raises(EffipiaError):
        compute(tiny, weights="bogus")


def test_cli_compute(tmp_path) -> None:
    from effipia.cli import app
    from effipia.store import Store
    from effipia.synth import generate

    campaign = generate(3, campuses=6)
    url = f"sqlite:///{tmp_path / 'e.db'}"
    store = Store(url)
    store.write_campaign(
        "c1",
        campuses=campaign.campuses,
        partners=campaign.partners,
        invitations=campaign.invitations,
        responses=campaign.responses,
    )
    store.close()
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["--db", url, "compute", "--out", str(out), "--weights", "calibrated"])
    assert result.exit_code == 0, result.output
    assert "statistiques calculées" in result.output
    csv = pl.read_csv(out / "statistics.csv", infer_schema=False)
    assert {"tableau_3", "register", "response_rate"} <= set(csv["statistic"])
    # the same headline as « effipia demo »: headline(statistics, campuses=store campuses),
    # with the campuses' publication letters, not their ids
    from effipia.analysis import headline

    store = Store(url)
    campuses = store.campuses()
    store.close()
    lines = headline(pl.read_parquet(out / "statistics.parquet"), campuses=campuses)
    campus_line = next(line for line in lines if line.startswith("Campus aux profils"))
    named = dict(re.findall(r"(\w+) \(([^)]+)\)", campus_line.split(": ", 1)[1]))  # « lettre (identifiant) »
    assert named and all(dict(campuses.select("letter", "campus_id").iter_rows())[k] == v for k, v in named.items())
    assert all(f"  {line}" in result.output for line in lines)
    # campus as cluster with calibrated weights: refused in French; as stratum: SEs > 0
    refused = CliRunner().invoke(app, ["--db", url, "compute", "--out", str(out), "--weights", "calibrated", "--cluster"])
    assert refused.exit_code == 1 and "--strata" in refused.output
    strata = CliRunner().invoke(app, ["--db", url, "compute", "--out", str(out), "--weights", "calibrated", "--strata"])
    assert strata.exit_code == 0, strata.output
    ensemble = pl.read_parquet(out / "statistics.parquet").filter(
        (pl.col("statistic") == "register") & (pl.col("domain") == "ensemble")
    )
    assert ensemble.height and (ensemble["se"] > 0).all()
    # errors come out in French with exit code 1
    bad = CliRunner().invoke(app, ["--db", url, "compute", "--out", str(out), "--campaign", "nope"])
    assert bad.exit_code == 1
