"""Relations (Tableau 2, Illustrations 4 and 5) on a hand-made response frame."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from statistics_rows import value as _value

from effipia.analysis import relations

ITEMS = [f"rel_{k}" for k in range(1, 17)]


def _frame() -> pl.DataFrame:
    """Six respondents; relation items default to 0, r4 answered none of them."""
    spec = [
        # id, campus, group, relation items answered 1, rel_new
        ("r1", "C1", "lycee", {1, 2}, 1),
        ("r2", "C1", "lycee", {3, 5}, 0),
        ("r3", "C1", "entreprise", {1}, None),
        ("r4", "C2", "entreprise", None, None),
        ("r5", "C2", "superieur", {1, 2, 3, 4, 5, 6}, 1),
        ("r6", "C2", "of_cfa", {6, 16}, 1),
    ]
    rows = []
    for rid, campus, group, ones, new in spec:
        row = dict(respondent_id=rid, campus_id=campus, category=group)
        for k in range(1, 17):
            row[f"rel_{k}"] = None if ones is None else int(k in ones)
        row["rel_new"] = new
        rows.append(row)
    return pl.DataFrame(rows, schema_overrides={c: pl.Int64 for c in [*ITEMS, "rel_new"]})


def test_relation_counts_by_hand():
    counts = relations.relation_counts(_frame())
    # r1: rel_1, rel_2 -> 2 ; r2: rel_3, rel_5 -> 2 ; r3 -> 1 ; r4 answered nothing -> null ;
    # r5: rel_1..rel_6 -> 6 ; r6: rel_6, rel_16 -> 2
    assert counts["n_categories"].to_list() == [2, 2, 1, None, 6, 2]


def test_tableau_2_shares_by_hand():
    out = relations.tableau_2_rows(_frame(), min_n=1)
    # rel_1, ensemble: answered by 5 (r4 did not), 1 for r1, r3, r5 -> 3 / 5 = 60 %
    assert _value(out, item="rel_1", domain="ensemble") == pytest.approx(60.0)
    # rel_1, lycées: r1 yes, r2 no -> 50 %
    assert _value(out, item="rel_1", domain="group", group="lycee") == pytest.approx(50.0)
    # rel_16, ensemble: only r6 -> 1 / 5 = 20 %
    assert _value(out, item="rel_16", domain="ensemble") == pytest.approx(20.0)
    # companies: r4 is not in the base, so rel_1 = r3 alone = 100 % on n = 1
    row = out.filter((pl.col("item") == "rel_1") & (pl.col("domain") == "group") & (pl.col("group") == "entreprise"))
    assert row["estimate"][0] == pytest.approx(100.0) and row["n"][0] == 1
    assert set(out["answer"]) == {"1"} and set(out["statistic"]) == {"tableau_2"}


def test_tableau_2_weighted_and_suppressed():
    w = np.array([3.0, 1.0, 1.0, 1.0, 1.0, 1.0])
    out = relations.tableau_2_rows(_frame(), weights=w, min_n=1)
    # lycées, rel_1: r1 (weight 3) yes, r2 (weight 1) no -> 3 / 4 = 75 %
    assert _value(out, item="rel_1", domain="group", group="lycee") == pytest.approx(75.0)
    default = relations.tableau_2_rows(_frame())  # min_n = 5: the lycée column (n = 2) is hidden
    lyc = default.filter((pl.col("domain") == "group") & (pl.col("group") == "lycee"))
    assert lyc["suppressed"].all() and lyc["estimate"].null_count() == lyc.height


def test_relations_count_means_by_hand():
    out = relations.relations_count_rows(_frame(), min_n=1)
    # ensemble: (2 + 2 + 1 + 6 + 2) / 5 = 2.6 ; campus C1: (2 + 2 + 1) / 3 ; C2: (6 + 2) / 2 = 4
    assert _value(out, domain="ensemble") == pytest.approx(2.6)
    assert _value(out, domain="campus", campus="C1") == pytest.approx(5 / 3)
    assert _value(out, domain="campus", campus="C2") == pytest.approx(4.0)
    assert _value(out, domain="group", group="superieur") == pytest.approx(6.0)
    assert set(out["unit"]) == {"mean"}


def test_rel_new_share_by_hand():
    out = relations.rel_new_rows(_frame(), min_n=1)
    # answered by r1 (1), r2 (0), r5 (1), r6 (1) -> 3 / 4 = 75 %
    assert _value(out, domain="ensemble") == pytest.approx(75.0)


def test_group_categories_follow_nomenclatures():
    cats = relations.group_categories()
    assert cats["lycee"] == ["rel_1"]
    assert sorted(cats["superieur"]) == ["rel_10", "rel_2"]
    assert cats["entreprise"] == ["rel_3"]
    assert sorted(cats["of_cfa"]) == ["rel_5", "rel_6"]


def test_graph_by_hand():
    g = relations.relations_graph(_frame(), min_n=1)
    # lycées: r1 -> lycée (rel_1) and supérieur (rel_2); r2 -> entreprise (rel_3), OF/CFA (rel_5)
    assert g["lycee"]["lycee"]["weight"] == pytest.approx(0.5)
    assert g["lycee"]["superieur"]["weight"] == pytest.approx(0.5)
    assert g["lycee"]["entreprise"]["weight"] == pytest.approx(0.5)
    assert g["lycee"]["of_cfa"]["weight"] == pytest.approx(0.5)
    # entreprise: r3 only (r4 did not answer) -> lycée 100 %, no other edge
    assert g["entreprise"]["lycee"]["weight"] == pytest.approx(1.0)
    assert not g.has_edge("entreprise", "superieur")
    assert g.nodes["entreprise"]["n"] == 1
    # supérieur r5 relates to all four groups; OF/CFA r6 only to OF/CFA (rel_6)
    assert all(g["superieur"][t]["weight"] == pytest.approx(1.0) for t in relations.MAIN_GROUPS)
    assert list(g.successors("of_cfa")) == ["of_cfa"]
    f = relations.graph_figures(g)
    # links between distinct groups: lycée→3, entreprise→1, supérieur→3, OF/CFA→0 = 7 of 4×3
    assert f["density"] == pytest.approx(7 / 12)
    # weights: 3 × 0.5 + 1 + 3 × 1 = 5.5 over 12 possible links
    assert f["weighted_density"] == pytest.approx(5.5 / 12)
    assert f["out_strength"]["lycee"] == pytest.approx(1.5)
    assert f["in_strength"]["lycee"] == pytest.approx(2.0)  # from entreprise (1) and supérieur (1)


def test_graph_rows_and_min_n():
    out = relations.relations_graph_rows(_frame(), min_n=1)
    assert _value(out, item="density") == pytest.approx(7 / 12)
    assert _value(out, item="rel_to_superieur", group="lycee") == pytest.approx(50.0)
    # min_n = 2 suppresses the groups with one respondent: their edges leave the graph
    g = relations.relations_graph(_frame(), min_n=2)
    assert set(g.edges()) == {("lycee", t) for t in relations.MAIN_GROUPS}


def test_rows_all_statistics_and_absent_block():
    out = relations.rows(_frame(), min_n=1)
    assert set(out["statistic"]) == {"tableau_2", "relations_count", "rel_new", "relations_graph"}
    assert out["title"].null_count() == 0
    no_block = _frame().drop([*ITEMS, "rel_new"])
    assert relations.rows(no_block).height == 0


def test_design_with_campus_clusters_is_used():
    from effipia.analysis.domains import Design

    frame = _frame()
    plain = relations.rows(frame, min_n=1)
    design = Design(cluster=np.array([0, 0, 0, 1, 1, 1]))
    clustered = relations.rows(frame, design=design, min_n=1)

    def se(df):
        return df.filter((pl.col("statistic") == "tableau_2") & (pl.col("item") == "rel_1")
                         & (pl.col("domain") == "ensemble"))["se"][0]

    # same estimate, different (campus-clustered) standard error
    assert _value(clustered, statistic="tableau_2", item="rel_1", domain="ensemble") == pytest.approx(60.0)
    assert se(clustered) != pytest.approx(se(plain))


def test_compute_includes_these_statistics():
    from effipia.analysis.compute import compute

    out = compute(_frame(), min_n=1, include=["relations", "model"])
    assert {"tableau_2", "relations_count", "rel_new", "relations_graph"} <= set(out["statistic"])


# --- golden: the synthetic campaign against the published report --------------------------
@pytest.fixture(scope="module")
def campaign():
    from effipia.synth import generate

    return generate(seed=1)


@pytest.fixture(scope="module")
def published():
    import tomllib
    from importlib.resources import files

    return tomllib.loads((files("effipia") / "data" / "reference" / "published_cereq_2024.toml").read_text("utf-8"))


def test_golden_tableau_2_within_two_points(campaign, published):
    out = relations.tableau_2_rows(campaign.responses)
    table = published["tableau_2"]["rows"]  # Tableau 2, section 6.2
    for item, columns in table.items():
        for column, value in columns.items():
            domain = "ensemble" if column == "ensemble" else "group"
            got = _value(out, item=item, domain=domain, group=column)
            assert abs(got - value) <= 2.0, (item, column, got, value)


def test_golden_related_categories_by_campus(campaign, published):
    out = relations.relations_count_rows(campaign.responses)
    by_campus = out.filter(pl.col("domain") == "campus")["estimate"]
    rel = published["relations"]
    # Illustration 4: campus means « de trois à neuf » (whole numbers): the lowest and highest
    # campus means round to 3 and 9. The ensemble mean is held to Tableau 2, whose « ensemble »
    # column sums to 420 % (4.2 categories), not to the text's « cinq ».
    assert by_campus.null_count() == 0 and by_campus.len() == 32
    assert round(by_campus.min()) == rel["campus_mean_categories_min"]
    assert round(by_campus.max()) == rel["campus_mean_categories_max"]
    ensemble_sum = sum(row["ensemble"] for row in published["tableau_2"]["rows"].values()) / 100
    assert _value(out, domain="ensemble") == pytest.approx(ensemble_sum, abs=0.15)


def test_golden_rel_new(campaign, published):
    out = relations.rel_new_rows(campaign.responses)
    assert abs(_value(out, domain="ensemble") - published["relations"]["rel_new_percent"]) <= 2.0


def test_golden_graph_asymmetry(campaign):
    # Section 6.2: companies relate far less to the other groups than these relate to them.
    f = relations.graph_figures(relations.relations_graph(campaign.responses))
    assert f["out_strength"]["entreprise"] < 0.5 * min(f["out_strength"][g] for g in ("lycee", "superieur", "of_cfa"))
    assert f["in_strength"]["entreprise"] > f["out_strength"]["entreprise"]


def test_graph_without_relation_items_is_a_french_error():
    from effipia.errors import EffipiaError

    with pytest.raises(EffipiaError, match="aucune question de relations"):
        relations.relations_graph(_frame().drop(ITEMS))
