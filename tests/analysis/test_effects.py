"""Declared effects (expectations, benefits, collaboration, international) on hand-made answers."""

from __future__ import annotations

import polars as pl
import pytest
from statistics_rows import value as _value

from effipia.analysis import effects

COLUMNS = ["expectations", "collab", "benef_network", "benef_skills", "benef_notoriety", "workload_more",
           "intl_strategy", "intl_pia_effect", "intl_parcours", "intl_known", "intl_contrib", "intl_below_expect"]


def _frame() -> pl.DataFrame:
    spec = [
        ("e1", "C1", "lycee", dict(expectations="exp_partenariats exp_valoriser_voie_pro", collab=1, benef_network=1,
                                   workload_more=0, intl_known=1, intl_contrib=1, intl_below_expect=0)),
        ("e2", "C1", "lycee", dict(expectations="exp_partenariats", collab=2, benef_network=0, workload_more=1,
                                   intl_known=1, intl_contrib=0, intl_below_expect=1)),
        ("e3", "C1", "lycee", dict(expectations=None, collab=9, benef_network=1, intl_known=0, intl_below_expect=0)),
        ("e4", "C2", "entreprise", dict(expectations="exp_anticiper_competences exp_liens_operateurs", collab=1,
                                        benef_network=1, benef_skills=1, benef_notoriety=0, workload_more=0)),
        ("e5", "C2", "superieur", dict(expectations="exp_partenariats exp_visibilite_formations", collab=1,
                                       benef_network=0, intl_strategy=1, intl_pia_effect=2, intl_parcours=3)),
        ("e6", "C2", "superieur", dict(expectations="exp_visibilite_formations", collab=3, benef_network=1,
                                       intl_strategy=3, intl_parcours=9)),
        ("e7", "C2", "autre", dict(collab=1, benef_network=0)),
    ]
    rows = []
    for rid, campus, group, answers in spec:
        row = dict(respondent_id=rid, campus_id=campus, category=group)
        row.update({c: answers.get(c) for c in COLUMNS})
        rows.append(row)
    return pl.DataFrame(rows, schema_overrides={c: (pl.String if c == "expectations" else pl.Int64) for c in COLUMNS})


def test_expectation_lists_come_from_the_questionnaire():
    lists = effects.expectation_lists()
    lycee = [code for code, _ in lists["lycee"]]
    assert lycee[:3] == ["exp_partenariats", "exp_valoriser_voie_pro", "exp_attractivite_etablissement"]
    assert "exp_anticiper_competences" in [code for code, _ in lists["entreprise"]]
    assert lists["autre"] == ()


def test_expectation_indicators():
    ind = effects.expectation_indicators(_frame())
    # e1 chose it; e3 gave no expectation (empty); e4 is a company (not offered)
    assert ind["exp_partenariats"].to_list() == [1, 1, None, None, 1, 0, None]


def test_expectations_shares_by_hand():
    out = effects.expectations_rows(_frame(), min_n=1)
    # lycées: e1 and e2 chose « partenariats » (e3 gave no expectation) -> 2 / 2 = 100 %
    assert _value(out, item="exp_partenariats", domain="group", group="lycee") == pytest.approx(100.0)
    assert _value(out, item="exp_valoriser_voie_pro", domain="group", group="lycee") == pytest.approx(50.0)
    # supérieur: e5 yes, e6 no -> 50 % ; ensemble: offered to e1, e2, e5, e6 -> 3 / 4
    assert _value(out, item="exp_partenariats", domain="group", group="superieur") == pytest.approx(50.0)
    assert _value(out, item="exp_partenariats", domain="ensemble") == pytest.approx(75.0)
    # a company choice has no lycée row
    assert out.filter((pl.col("item") == "exp_anticiper_competences") & (pl.col("group") == "lycee")).height == 0


def test_split_columns_are_read_too():
    frame = _frame()
    split = frame.drop("expectations").with_columns(
        pl.Series("expectations/exp_partenariats", [1, 1, None, None, 1, 0, None], dtype=pl.Int64),
        pl.Series("expectations/exp_visibilite_formations", [0, 0, None, None, 1, 1, None], dtype=pl.Int64),
    )
    out = effects.expectations_rows(split, min_n=1)
    assert _value(out, item="exp_partenariats", domain="ensemble") == pytest.approx(75.0)
    assert _value(out, item="exp_visibilite_formations", domain="group", group="superieur") == pytest.approx(100.0)


def test_top_expectations():
    top = effects.top_expectations(_frame(), k=2, min_n=1)
    assert [code for code, _, _ in top["lycee"]] == ["exp_partenariats", "exp_valoriser_voie_pro"]
    assert top["lycee"][0][2] == pytest.approx(100.0)
    assert top["superieur"][0][:1] == ("exp_visibilite_formations",)
    assert "autre" not in top


def test_collab_split_excludes_na():
    out = effects.collab_rows(_frame(), min_n=1)
    ens = out.filter(pl.col("domain") == "ensemble").sort("answer")
    # code 9 (e3) left out: base = 6 ; code 1: e1, e4, e5, e7 -> 4 / 6 ; 2: e2 ; 3: e6 ; 4, 5: none
    assert ens["estimate"].to_list() == pytest.approx([400 / 6, 100 / 6, 100 / 6, 0.0, 0.0])
    assert ens["n"].to_list() == [6] * 5


def test_benefits_by_hand():
    out = effects.benefits_rows(_frame(), min_n=1)
    # benef_network: 1 for e1, e3, e4, e6 of 7 answers ; workload_more: e2 of e1, e2, e4
    assert _value(out, item="benef_network", domain="ensemble") == pytest.approx(400 / 7)
    assert _value(out, item="workload_more", domain="ensemble") == pytest.approx(100 / 3)
    assert _value(out, item="benef_skills", domain="group", group="entreprise") == pytest.approx(100.0)


def test_international_bases_by_hand():
    out = effects.international_rows(_frame(), min_n=1)
    lyc = dict(domain="group", group="lycee")
    # intl_known: e1, e2 yes, e3 no -> 2 / 3
    assert _value(out, item="intl_known", **lyc) == pytest.approx(200 / 3)
    # contributed among every lycée: e1 only -> 1 / 3 ; among those aware (e1, e2) -> 1 / 2
    assert _value(out, item="intl_contrib", **lyc) == pytest.approx(100 / 3)
    assert _value(out, item="intl_contrib_aware", **lyc) == pytest.approx(50.0)
    assert _value(out, item="intl_below_expect", **lyc) == pytest.approx(100 / 3)
    sup = dict(domain="group", group="superieur")
    # intl_strategy: e5 « vraiment » (1), e6 « pas du tout » (3) -> 50 / 0 / 50 / 0
    assert _value(out, item="intl_strategy", answer="1", **sup) == pytest.approx(50.0)
    assert _value(out, item="intl_strategy", answer="3", **sup) == pytest.approx(50.0)
    # intl_pia_effect: only e5 asked (strategy 1) -> code 2 = 100 %
    assert _value(out, item="intl_pia_effect", answer="2", **sup) == pytest.approx(100.0)
    # no lycée row for a higher-education item
    assert out.filter((pl.col("item") == "intl_strategy") & (pl.col("group") == "lycee")).height == 0


def test_rows_and_absent_blocks():
    out = effects.rows(_frame(), min_n=1)
    assert set(out["statistic"]) == {"expectations", "benefits", "collab", "international"}
    bare = _frame().select("respondent_id", "campus_id", "category")
    assert effects.rows(bare).height == 0


# --- golden: the synthetic campaign against the published report --------------------------
@pytest.fixture(scope="module")
def golden():
    import tomllib
    from importlib.resources import files

    from effipia.synth import generate

    published = tomllib.loads((files("effipia") / "data" / "reference" / "published_cereq_2024.toml").read_text("utf-8"))
    return generate(seed=1).responses, published


def test_golden_expectations(golden):
    responses, published = golden
    out = effects.expectations_rows(responses)
    for group, figures in published["expectations"].items():
        if not isinstance(figures, dict):
            continue
        for code, value in figures.items():  # section 2.3, e.g. lycées 83 % partenariats
            assert abs(_value(out, item=code, domain="group", group=group) - value) <= 2.0, (group, code)
    top = effects.top_expectations(responses)
    assert [c for c, _, _ in top["lycee"][:2]] == ["exp_partenariats", "exp_valoriser_voie_pro"]
    assert top["of_cfa"][0][0] == "exp_partenariats"


def test_golden_collab_benefits_international(golden):
    responses, published = golden
    collab = effects.collab_rows(responses)
    for code, value in published["collaboration"]["ensemble"].items():  # 70 / 13 / 12 / 4 / 1
        assert abs(_value(collab, domain="ensemble", answer=str(code)) - value) <= 2.0
    for group, value in published["collaboration"]["code_1_by_group"].items():  # OF 60, sup 79
        assert abs(_value(collab, domain="group", group=group, answer="1") - value) <= 2.0
    ben = effects.benefits_rows(responses)
    assert abs(_value(ben, item="benef_network", domain="ensemble") - published["benefits"]["benef_network"]) <= 2
    assert abs(_value(ben, item="workload_more", domain="ensemble") - published["benefits"]["workload_more"]) <= 2
    # « près de la moitié » of companies: within 5 points of 50
    assert abs(_value(ben, item="benef_skills", domain="group", group="entreprise") - 50) <= 5
    intl = effects.international_rows(responses)
    pub = published["international"]
    for item, group in (("intl_strategy", "superieur"), ("intl_pia_effect", "superieur"), ("intl_parcours", "superieur"),
                        ("intl_known", "lycee"), ("intl_contrib", "lycee"), ("intl_below_expect", "lycee")):
        for code, value in pub[item].items():
            assert abs(_value(intl, item=item, domain="group", group=group, answer=str(code)) - value) <= 2.0, item
