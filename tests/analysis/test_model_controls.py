"""The count model with controls (statsmodels path): against the closed form, R golden files
(``golden/model_controls_r.R``), a live R run, the statistics set, the summary and the CLI."""

from __future__ import annotations

import json
import math
import shutil
import subprocess

import numpy as np
import polars as pl
import pytest
from model_data import GOLDEN, HAND
from model_data import from_golden_csv as _from_golden_csv
from model_data import responses as _responses

from effipia.analysis import model
from effipia.errors import EffipiaError, message

Z95 = 1.959963984540054


def _campus_numbers(df: pl.DataFrame) -> pl.DataFrame:
    """Campus-level numeric control of model_controls_r.R: campus_number = digits of « Cnn »."""
    ids = sorted(set(df["campus_id"]))
    return pl.DataFrame({"campus_id": ids, "campus_number": [int(c[1:3]) for c in ids]})


def _by_key(m: model.CountModel) -> dict[str, model.Profile]:
    return {p.group if p.involved is None else f"{p.group}:{p.involved}": p for p in m.profiles}


@pytest.mark.parametrize(("name", "family", "weighted"), [
    ("model_poisson.csv", "poisson", False), ("model_poisson.csv", "auto", True), ("model_negbin.csv", "auto", False),
])
def test_statsmodels_path_without_controls_equals_closed_form(name, family, weighted):
    df = _from_golden_csv(name)
    if weighted:
        df = df.with_columns(pl.Series("w", 1.0 + (np.arange(1, df.height + 1) % 3)))
    kw = {"family": family, "min_n": 1, "weights": "w" if weighted else None}
    closed, general = model.fit(df, **kw), model.fit(df, engine="statsmodels", **kw)
    assert general.family == closed.family
    for key in closed.params:
        assert general.params[key] == pytest.approx(closed.params[key], abs=1e-8)
        assert general.bse[key] == pytest.approx(closed.bse[key], rel=1e-8)
    for a, b in zip(closed.profiles, general.profiles, strict=True):
        assert (b.predicted, b.ci_low, b.ci_high) == pytest.approx((a.predicted, a.ci_low, a.ci_high), rel=1e-8)
    for a, b in zip(closed.effects, general.effects, strict=True):
        assert (b.irr, b.p_value) == pytest.approx((a.irr, a.p_value), rel=1e-7)
    assert general.pearson_dispersion == pytest.approx(closed.pearson_dispersion, rel=1e-8)
    if closed.alpha is not None:  # two optimisers (1-D bounded / statsmodels Newton) of the same likelihood
        assert general.alpha == pytest.approx(closed.alpha, rel=1e-5)
        assert general.overdispersion_p == pytest.approx(closed.overdispersion_p, rel=1e-4, abs=1e-12)


def _check_against_r(m: model.CountModel, ref: dict, *, coef: bool = True, rel: float = 1e-6, abs_coef: float = 1e-6) -> None:
    if coef:
        for key, value in ref["coef"].items():  # R: coef(glm(y ~ 0 + profile + campus, ...))
            assert m.params[key] == pytest.approx(value, abs=abs_coef), key
        for key, value in ref["se"].items():  # R: vcovCL(m, cluster = ~campus_id, type = "HC1")
            assert m.bse[key] == pytest.approx(value, rel=rel), key
    profiles = _by_key(m)
    for key, value in ref["amp"].items():  # R: mean(predict(m, newdata with profile = p, type = "response"))
        p = profiles[key]
        assert p.predicted == pytest.approx(value, rel=1e-6), key
        half = Z95 * ref["amp_se"][key] / value  # R: delta-method SE of the mean prediction, log-scale interval
        assert p.ci_low == pytest.approx(value * math.exp(-half), rel=rel), key
        assert p.ci_high == pytest.approx(value * math.exp(half), rel=rel), key


def test_campus_fixed_effects_match_r():
    ref = json.loads((GOLDEN / "model_controls_r.json").read_text())["poisson_campus"]
    m = model.fit(_from_golden_csv("model_poisson.csv"), family="poisson", min_n=1, controls=["campus_id"])
    assert m.spec == "profile + campus_id" and m.n == 300
    _check_against_r(m, ref)
    # rate ratio of involvement = exp(b_1 - b_0), the same with or without averaging over campuses
    assert m.effect("lycee").irr == pytest.approx(math.exp(ref["coef"]["lycee:1"] - ref["coef"]["lycee:0"]), rel=1e-6)
    assert m.effect("lycee").irr == pytest.approx(ref["amp"]["lycee:1"] / ref["amp"]["lycee:0"], rel=1e-6)


def test_numeric_campus_control_matches_r():
    ref = json.loads((GOLDEN / "model_controls_r.json").read_text())["poisson_campus_number"]
    df = _from_golden_csv("model_poisson.csv")
    m = model.fit(df, family="poisson", min_n=1, controls=["campus_number"], campuses=_campus_numbers(df))
    # coefficients differ (effipia centres numeric controls), the averaged predictions do not
    _check_against_r(m, ref, coef=False)


def test_weighted_campus_fixed_effects_match_r():
    ref = json.loads((GOLDEN / "model_controls_r.json").read_text())["poisson_campus_weighted"]
    df = _from_golden_csv("model_poisson.csv")
    df = df.with_columns(pl.Series("w", 1.0 + (np.arange(1, df.height + 1) % 3)))  # as in model_controls_r.R
    m = model.fit(df, family="poisson", min_n=1, weights="w", controls=["campus_id"])
    assert m.weighted
    _check_against_r(m, ref)


def test_negbin_campus_fixed_effects_match_r():
    ref = json.loads((GOLDEN / "model_controls_r.json").read_text())["negbin_campus"]
    m = model.fit(_from_golden_csv("model_negbin.csv"), min_n=1, controls=["campus_id"])
    # R's LR statistic (glm.nb vs glm poisson, campus effects in both) is far above 2.71
    assert ref["lr_overdispersion"] > 50 and m.family == "negbin"
    assert m.alpha == pytest.approx(1.0 / ref["theta"], rel=1e-4)  # MASS::glm.nb theta = 1 / alpha
    # glm.nb stops its theta/IRLS alternation at a relative tolerance near 1e-6 (coefficients ±1e-6)
    _check_against_r(m, ref, rel=1e-4, abs_coef=1e-5)


def test_live_r_cross_check(rscript, tmp_path):
    for name in ("model_poisson.csv", "model_negbin.csv", "model_controls_r.R"):
        shutil.copy(GOLDEN / name, tmp_path / name)
    subprocess.run([rscript, "model_controls_r.R", str(tmp_path), str(tmp_path / "out.json")], cwd=tmp_path,
                   check=True, capture_output=True, timeout=120)
    live = json.loads((tmp_path / "out.json").read_text())
    m = model.fit(_from_golden_csv("model_poisson.csv"), family="poisson", min_n=1, controls=["campus_id"])
    _check_against_r(m, live["poisson_campus"])
    nb = model.fit(_from_golden_csv("model_negbin.csv"), family="negbin", min_n=1, controls=["campus_id"])
    assert nb.alpha == pytest.approx(1.0 / live["negbin_campus"]["theta"], rel=1e-4)


def test_aliased_control_is_dropped():
    # a control that only repeats the survey group is aliased with the profiles: R gives it NA,
    # effipia drops it, and the fit is the saturated one (profile means of HAND: lycée 6 and 2)
    df = _responses(HAND).with_columns(pl.col("category").alias("group_copy"))
    m = model.fit(df, family="poisson", min_n=1, controls=["group_copy"])
    saturated = model.fit(df, family="poisson", min_n=1)
    assert m.profile("lycee", 1).predicted == pytest.approx(6.0)
    assert m.profile("lycee", 0).predicted == pytest.approx(2.0)
    for key in saturated.bse:
        assert m.bse[key] == pytest.approx(saturated.bse[key], rel=1e-8)


def test_missing_control_values_are_left_out():
    # a1 and c3 have no value: left out (R's na.omit); lycee:1 becomes a2, b1 -> (6 + 8) / 2 = 7
    df = _responses(HAND).with_columns(
        pl.when(pl.col("respondent_id").is_in(["a1", "c3"])).then(None).otherwise(pl.lit("x")).alias("size"))
    m = model.fit(df, family="poisson", min_n=1, controls=["size"])
    assert m.left_out == 2 and m.n == 11
    assert m.profile("lycee", 1).predicted == pytest.approx(7.0)


def test_unknown_control_is_a_french_error():
    with pytest.raises(EffipiaError) as err:
        model.rows(_responses(HAND), min_n=1, model_controls=["filiere"])  # no campuses given
    assert err.value.code == "model.unknown_control"
    assert str(err.value).startswith("variable de contrôle inconnue pour le modèle de variété des relations : filiere")
    with pytest.raises(EffipiaError, match="variable de contrôle inconnue"):
        model.fit(_responses(HAND), controls=["consortium"])  # part of the profile, not a control


def test_rows_and_summary_name_the_specification():
    df = _from_golden_csv("model_poisson.csv")
    campuses = _campus_numbers(df).with_columns(pl.lit("F01").alias("filiere"))
    plain = model.rows(df, family="poisson", min_n=1)
    assert set(plain["spec"]) == {"profile"}
    assert message("model.summary_spec_saturated") in model.summary_fr(plain).splitlines()
    out = model.rows(df, family="poisson", min_n=1, campuses=campuses, model_controls=["campus_id", "filiere"])
    assert set(out["spec"]) == {"profile + campus_id + filiere"}
    assert out.columns[:10] == ["statistic", "item", "answer", "group", "campus", "estimate", "n",
                                "ci_low", "ci_high", "suppressed"]
    lines = model.summary_fr(out).splitlines()
    assert lines[1] == message("model.summary_spec_controls",
                               controls="effets fixes de campus, filière du campus", left_out="0")
    m = model.fit(df, family="poisson", min_n=1, campuses=campuses, controls=["campus_id", "filiere"])
    assert m.summary_fr() == model.summary_fr(out)


def test_compute_passes_model_controls():
    from effipia.analysis.compute import compute

    df = _from_golden_csv("model_poisson.csv")
    stats = compute(df, include=["model"], min_n=1, model_controls=["campus_id"])
    rows = stats.filter(pl.col("statistic") == "model_relations")
    assert set(rows["spec"]) == {"profile + campus_id"}
    ref = json.loads((GOLDEN / "model_controls_r.json").read_text())["poisson_campus"]
    lyc = rows.filter((pl.col("group") == "lycee") & (pl.col("item") == "predicted_count_involved"))
    # the data are Poisson-like (campus factor sd 0.15): auto keeps Poisson, R's averaged prediction
    assert rows.filter(pl.col("item") == "family_poisson").height == 1
    assert lyc["estimate"][0] == pytest.approx(ref["amp"]["lycee:1"], rel=1e-6)


def test_campus_effects_recover_planted_effects():
    # make_model_data.py planted 1.8 (not involved; involved companies), 6.0 (involved lycée,
    # supérieur, OF/CFA) and 4.2 (« autre »), times a campus factor exp(N(0, 0.15)) whose
    # sample mean is near 1: averaged over the campuses, the predictions come back to them
    # (intervals checked against R in test_campus_fixed_effects_match_r)
    m = model.fit(_from_golden_csv("model_poisson.csv"), min_n=1, controls=["campus_id"])
    for g in ("lycee", "superieur", "of_cfa"):
        assert m.profile(g, 1).ci_low < 6.0 < m.profile(g, 1).ci_high, g
        assert m.profile(g, 0).ci_low < 1.8 < m.profile(g, 0).ci_high, g
        assert m.effect(g).p_value < 0.001, g
    assert m.effect("entreprise").ci_low < 1.0 < m.effect("entreprise").ci_high  # no effect planted
    # « autre » (56 respondents) is 4.2 times the mean campus factor of its own campuses; within
    # the spread that factor allows (as in test_model.test_recovers_planted_effects)
    assert 3.6 < m.profile("autre", None).predicted < 5.0
