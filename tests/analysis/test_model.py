"""The relation-variety count model: hand-made cases, R golden file, live R cross-check."""

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


def test_model_frame_involvement_rule():
    frame = model.model_frame(_responses(HAND)).sort("respondent_id")
    involved = dict(zip(frame["respondent_id"], frame["involved"], strict=True))
    # consortium 1 or pia 1 -> 1 ; both 0 -> 0 ; « autre » not asked -> null
    assert involved["a1"] == 1 and involved["a2"] == 1 and involved["b1"] == 1
    assert involved["a3"] == 0 and involved["b4"] == 0
    assert involved["a5"] is None
    assert dict(zip(frame["respondent_id"], frame["profile"], strict=True))["c2"] == "entreprise:1"


def test_hand_made_predictions_are_profile_means():
    # With one coefficient per profile the Poisson MLE of each profile is its mean count:
    # lycee:1 = a1, a2, b1 -> (4 + 6 + 8) / 3 = 6 ; lycee:0 = a3, b2, c1 -> (1 + 3 + 2) / 3 = 2
    # entreprise:0 = a4, b4 -> 2 ; entreprise:1 = b3, c2 -> 3 ; autre = (3 + 5 + 4) / 3 = 4
    m = model.fit(_responses(HAND), family="poisson", min_n=1)
    assert m.profile("lycee", 1).predicted == pytest.approx(6.0)
    assert m.profile("lycee", 0).predicted == pytest.approx(2.0)
    assert m.profile("entreprise", 0).predicted == pytest.approx(2.0)
    assert m.profile("entreprise", 1).predicted == pytest.approx(3.0)
    assert m.profile("autre", None).predicted == pytest.approx(4.0)
    # rate ratio of involvement = ratio of means: lycée 6 / 2 = 3, entreprise 3 / 2 = 1.5
    assert m.effect("lycee").irr == pytest.approx(3.0)
    assert m.effect("entreprise").irr == pytest.approx(1.5)
    assert m.n == 13 and m.n_clusters == 3
    p = m.profile("lycee", 1)
    assert p.ci_low < 6.0 < p.ci_high


def test_small_profiles_are_left_out_and_suppressed():
    # min_n = 3: entreprise:0 and entreprise:1 have 2 respondents each -> out of the fit
    m = model.fit(_responses(HAND), family="poisson", min_n=3)
    assert m.excluded_profiles == ["entreprise:0", "entreprise:1"]
    assert {p.group for p in m.profiles} == {"lycee", "autre"}
    out = model.rows(_responses(HAND), min_n=3, family="poisson")
    hidden = out.filter(pl.col("suppressed"))
    assert sorted(hidden["item"].to_list()) == ["predicted_count_involved", "predicted_count_not_involved"]
    assert set(hidden["group"]) == {"entreprise"} and hidden["answer"].null_count() == 2
    assert hidden["estimate"].null_count() == 2


def test_missing_answers_do_not_count_as_zero():
    df = _responses(HAND).with_columns(
        [pl.when(pl.col("respondent_id") == "a3").then(None).otherwise(pl.col(f"rel_{k}")).alias(f"rel_{k}")
         for k in range(1, 17)]
    )
    m = model.fit(df, family="poisson", min_n=1)
    # a3 (y = 1) no longer answered: lycee:0 = b2, c1 -> (3 + 2) / 2 = 2.5
    assert m.profile("lycee", 0).predicted == pytest.approx(2.5)
    assert m.n == 12


def test_golden_poisson_matches_r():
    ref = json.loads((GOLDEN / "model_r.json").read_text())["poisson"]
    m = model.fit(_from_golden_csv("model_poisson.csv"), family="poisson", min_n=1)
    for key, value in ref["coef"].items():  # R: glm(y ~ 0 + profile, family = poisson)
        assert m.params[key] == pytest.approx(value, abs=1e-8)
    for key, value in ref["se"].items():  # R: sandwich::vcovCL(m, cluster = ~campus_id, type = "HC1")
        assert m.bse[key] == pytest.approx(value, rel=1e-6)


def test_golden_weighted_poisson_matches_r():
    ref = json.loads((GOLDEN / "model_r.json").read_text())["poisson_weighted"]
    df = _from_golden_csv("model_poisson.csv")
    df = df.with_columns(pl.Series("w", 1.0 + (np.arange(1, df.height + 1) % 3)))  # as in model_r.R
    m = model.fit(df, family="poisson", min_n=1, weights="w")
    for key, value in ref["coef"].items():  # R: glm(..., weights = w)
        assert m.params[key] == pytest.approx(value, abs=1e-8)
    for key, value in ref["se"].items():  # R: vcovCL(type = "HC1") on the weighted fit
        assert m.bse[key] == pytest.approx(value, rel=1e-6)


def test_golden_negbin_matches_r():
    ref = json.loads((GOLDEN / "model_r.json").read_text())["negbin"]
    m = model.fit(_from_golden_csv("model_negbin.csv"), family="negbin", min_n=1)
    assert m.alpha == pytest.approx(1.0 / ref["theta"], rel=1e-4)  # R: MASS::glm.nb theta = 1 / alpha
    for key, value in ref["coef"].items():
        assert m.params[key] == pytest.approx(value, abs=1e-6)
    for key, value in ref["se"].items():  # vcovCL on the glm.nb fit (theta held fixed)
        assert m.bse[key] == pytest.approx(value, rel=1e-4)


def test_auto_family_follows_overdispersion():
    # R's LR statistic for the NB data is 184 (model_r.json): overdispersion is overwhelming.
    ref = json.loads((GOLDEN / "model_r.json").read_text())["negbin"]
    assert ref["lr_overdispersion"] > 100
    assert model.fit(_from_golden_csv("model_negbin.csv"), min_n=1).family == "negbin"
    # Pure Poisson counts (no campus factor): the LR test keeps Poisson.
    rng = np.random.default_rng(7)
    groups = ["lycee", "entreprise", "autre"]
    records = []
    for i in range(400):
        g = groups[i % 3]
        inv = None if g == "autre" else i % 2
        mu = 4.2 if inv is None else (6.0 if inv else 1.8)
        records.append((f"r{i}", f"C{i % 10}", g, inv, None if inv is None else 0, min(int(rng.poisson(mu)), 16)))
    pure = model.fit(_responses(records), min_n=1)
    assert pure.family == "poisson" and pure.overdispersion_p > 0.05
    # The golden « Poisson » file has a campus factor exp(N(0, 0.15)): extra-Poisson variation
    # of about alpha = exp(0.15²) - 1 = 0.023, which the NB fit sees (small alpha).
    assert model.fit(_from_golden_csv("model_poisson.csv"), family="negbin", min_n=1).alpha < 0.1


def test_recovers_planted_effects():
    # model_poisson.csv was drawn with means 1.8 (not involved, any group; involved companies)
    # and 6.0 (involved lycée, supérieur, OF/CFA), 4.2 for « autre », times a campus factor
    # exp(N(0, 0.15)) (make_model_data.py).
    m = model.fit(_from_golden_csv("model_poisson.csv"), min_n=1)
    for g in ("lycee", "superieur", "of_cfa"):
        e = m.effect(g)
        assert e.p_value < 0.001 and e.ci_low < 6.0 / 1.8 * 1.3
        assert m.profile(g, 1).ci_low < 6.5 and m.profile(g, 1).ci_high > 5.5
    assert m.effect("entreprise").ci_low < 1.0 < m.effect("entreprise").ci_high  # no effect planted
    assert 3.6 < m.profile("autre", None).predicted < 5.0


def test_summary_is_french_with_french_numbers():
    m = model.fit(_responses(HAND), family="poisson", min_n=1)
    text = m.summary_fr()
    lines = text.splitlines()
    assert lines[0] == message("model.summary_head", family=message("model.family_poisson"), n="13", clusters=3)
    # lycée involved: 6 -> « 6,0 » with a decimal comma; rate ratio 3 -> « 3,00 »
    assert any(line.startswith("Lycée, membre du consortium ou concerné par le PIA : 6,0 catégories") for line in lines)
    assert any("multiplie la variété des relations par 3,00" in line for line in lines)


def test_rows_layout_and_absent_block():
    out = model.rows(_responses(HAND), min_n=1, family="poisson")
    assert out.columns[:10] == ["statistic", "item", "answer", "group", "campus", "estimate", "n",
                                "ci_low", "ci_high", "suppressed"]
    # no model figure is the share of an answer: `answer` stays empty (output contract)
    assert out["answer"].null_count() == out.height
    flags = {r["item"]: r["estimate"] for r in out.filter(pl.col("group") == "ensemble").iter_rows(named=True)}
    assert (flags["family_poisson"], flags["family_forced"], flags["weighted"]) == (1.0, 1.0, 0.0)  # family="poisson"
    assert "family_negbin" not in flags
    irr = out.filter((pl.col("item") == "rate_ratio") & (pl.col("group") == "lycee"))
    assert irr["estimate"][0] == pytest.approx(3.0) and irr["n"][0] == 6  # 6 / 2, lycée respondents
    assert set(out["statistic"]) == {"model_relations"}
    lyc = out.filter((pl.col("item") == "predicted_count_involved") & (pl.col("group") == "lycee"))
    assert lyc["estimate"][0] == pytest.approx(6.0) and lyc["n"][0] == 3
    no_rel = _responses(HAND).drop([f"rel_{k}" for k in range(1, 17)])
    assert model.rows(no_rel).height == 0
    with pytest.raises(EffipiaError):
        model.fit(no_rel)


def test_unknown_family_is_a_french_error():
    with pytest.raises(EffipiaError, match="famille de modèle inconnue"):
        model.fit(_responses(HAND), family="logit")


def test_weights_scale_free():
    # Constant weights leave a pseudo-likelihood fit unchanged.
    df = _responses(HAND).with_columns(pl.lit(3.0).alias("w"))
    a = model.fit(df, family="poisson", min_n=1)
    b = model.fit(df, family="poisson", min_n=1, weights="w")
    for key in a.params:
        assert b.params[key] == pytest.approx(a.params[key])
        assert b.bse[key] == pytest.approx(a.bse[key], rel=1e-6)


def test_live_r_cross_check(rscript, tmp_path):
    for name in ("model_poisson.csv", "model_negbin.csv", "model_r.R"):
        shutil.copy(GOLDEN / name, tmp_path / name)
    subprocess.run([rscript, "model_r.R", str(tmp_path), str(tmp_path / "out.json")], cwd=tmp_path,
                   check=True, capture_output=True, timeout=120)
    live = json.loads((tmp_path / "out.json").read_text())
    m = model.fit(_from_golden_csv("model_poisson.csv"), family="poisson", min_n=1)
    for key, value in live["poisson"]["se"].items():
        assert m.bse[key] == pytest.approx(value, rel=1e-6)
    nb = model.fit(_from_golden_csv("model_negbin.csv"), family="negbin", min_n=1)
    assert nb.alpha == pytest.approx(1.0 / live["negbin"]["theta"], rel=1e-4)
    assert not math.isnan(nb.equal_uninvolved_p)
    assert np.isfinite(list(nb.bse.values())).all()


def test_without_consortium_columns_only_autre_is_modelled():
    df = _responses(HAND).drop(["consortium", "pia_concerned"])
    frame = model.model_frame(df)
    assert set(frame["category"]) == {"autre"}  # other groups have no involvement answer


def test_golden_synthetic_campaign_recovers_the_report():
    import tomllib
    from importlib.resources import files

    from effipia.synth import generate

    published = tomllib.loads((files("effipia") / "data" / "reference" / "published_cereq_2024.toml").read_text("utf-8"))
    rel = published["relations"]
    m = model.fit(generate(seed=1).responses)
    for g in rel["model_member_or_concerned_groups"]:  # lycée, supérieur, OF/CFA
        involved, neither = m.profile(g, 1), m.profile(g, 0)
        # « estimation de six types de partenaires différents » / « 1,8 » when neither
        assert involved.ci_low <= rel["model_member_or_concerned"] <= involved.ci_high, g
        assert neither.ci_low <= rel["model_neither"] <= neither.ci_high, g
        assert m.effect(g).p_value < 0.001
    for g in rel["model_no_effect_groups"]:  # « Cet effet ne se retrouve pas pour les entreprises »
        assert m.effect(g).p_value > 0.05
    # « autres »: the report's 4,2 cannot hold with its own Tableau 2, whose « autres » column sums
    # to 522 % (5.22 categories on average); the generator follows Tableau 2.
    autre_sum = sum(row["autre"] for row in published["tableau_2"]["rows"].values()) / 100
    assert m.profile("autre", None).predicted == pytest.approx(autre_sum, abs=0.3)


def test_summary_from_the_statistics_set_alone():
    m = model.fit(_responses(HAND), family="poisson", min_n=1)
    out = model.rows(_responses(HAND), family="poisson", min_n=1)
    assert model.summary_fr(out) == m.summary_fr()
    assert "famille imposée par l'utilisateur" in model.summary_fr(out)
    assert model.summary_fr(out.filter(pl.col("statistic") == "none")) == ""


def test_weighted_summary_says_so_and_weights_are_normalised():
    df = _responses(HAND).with_columns(pl.Series("w", [1000.0, 3000.0] * 6 + [1000.0]))
    m = model.fit(df, min_n=1, weights="w")
    assert m.weighted and m.family == "poisson"
    assert "réponses pondérées" in m.summary_fr()
    # Pearson dispersion does not depend on the weights' scale (normalised to mean 1)
    m2 = model.fit(df.with_columns(pl.col("w") / 1000), min_n=1, weights="w")
    assert m.pearson_dispersion == pytest.approx(m2.pearson_dispersion)


def test_closed_form_fit_equals_statsmodels():
    """The closed-form saturated fit against statsmodels itself (oracle): Poisson GLM with var
    weights and campus-clustered covariance (the NB GLM with alpha fixed gives the same
    sandwich), and the NB2 dispersion of ``NegativeBinomial(loglike_method="nb2")``."""
    import warnings

    import pandas as pd
    import statsmodels.api as sm
    import statsmodels.formula.api as smf

    rng = np.random.default_rng(11)
    n = 1500
    profile = rng.choice(["a:0", "a:1", "b:0", "b:1", "c"], size=n)
    campus = rng.integers(0, 25, size=n)
    mu = pd.Series(profile).map({"a:0": 1.5, "a:1": 5.0, "b:0": 2.0, "b:1": 2.5, "c": 4.0}).to_numpy()
    y = rng.negative_binomial(2.0, 2.0 / (2.0 + mu))  # NB2 with alpha = 0.5
    w = rng.uniform(0.5, 2.0, size=n)
    data = pd.DataFrame({"y": y, "profile": profile, "campus_id": [f"C{c:02d}" for c in campus], "w": w})
    for weighted in (False, True):
        frame = pl.from_pandas(data if weighted else data.drop(columns="w"))
        fitted = model._saturated_fit(frame)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = smf.glm("y ~ 0 + C(profile)", data, family=sm.families.Poisson(), var_weights=w if weighted else None).fit(
                cov_type="cluster", cov_kwds={"groups": pd.factorize(data["campus_id"])[0]}
            )
        np.testing.assert_allclose(np.log(fitted.mean), ref.params.to_numpy(), rtol=0, atol=1e-9)
        np.testing.assert_allclose(fitted.cov, ref.cov_params().to_numpy(), rtol=1e-8, atol=0)
        assert fitted.pearson == pytest.approx(ref.pearson_chi2 / ref.df_resid, rel=1e-9)
        if not weighted:
            assert fitted.poisson_llf == pytest.approx(ref.llf, rel=1e-10)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                nb = smf.negativebinomial("y ~ 0 + C(profile)", data, loglike_method="nb2").fit(disp=0, maxiter=200)
            alpha, llf = model._nb2_alpha(fitted)
            assert alpha == pytest.approx(float(nb.params["alpha"]), rel=1e-4)
            assert llf == pytest.approx(nb.llf, rel=1e-8)


@pytest.mark.parametrize("seed", range(20))
def test_bounded_minimum_matches_scipy(seed: int) -> None:
    """``model._bounded_minimum`` is SciPy's bounded Brent written out (so that fitting does
    not import scipy.optimize): on random smooth functions of the shape of the negative
    binomial profile likelihood (convex and non-convex, minimum inside or at a bound), it
    lands where ``scipy.optimize.minimize_scalar(method="bounded")`` lands."""
    from scipy.optimize import minimize_scalar

    rng = np.random.default_rng(seed)
    centre, scale, wiggle = rng.uniform(-30, 12), rng.uniform(0.1, 5), rng.uniform(0, 0.5)

    def f(a: float) -> float:
        return scale * (a - centre) ** 2 + wiggle * np.sin(3 * a) + np.log1p(np.exp(a))

    expected = minimize_scalar(f, bounds=(-25.0, 8.0), method="bounded", options={"xatol": 1e-10})
    x, fx = model._bounded_minimum(f, -25.0, 8.0, xatol=1e-10)
    assert x == pytest.approx(expected.x, abs=1e-8)
    assert fx == pytest.approx(expected.fun, rel=1e-12, abs=1e-12)
