"""Validation of response frames: each kind of bad input on a small hand-made frame,
with the exact problem list (texts built from the catalogue codes)."""

from __future__ import annotations

import polars as pl

from effipia.errors import Problem

F = "reponses.csv"


def P(row, col, code, /, **params) -> Problem:
    return Problem.at(F, row, col, code, **params)


def frame(**columns) -> pl.DataFrame:
    """A text frame (as readers hand over) with the three identification columns by default."""
    n = len(next(iter(columns.values())))
    base = {"respondent_id": [f"p{i}" for i in range(1, n + 1)], "campus_id": ["C01"] * n, "category": ["lycee"] * n}
    return pl.DataFrame({**base, **columns}, schema_overrides={k: pl.String for k in {**base, **columns}})


def test_a_clean_frame_has_no_problem(q):
    df = frame(
        category=["entreprise", "lycee", "autre"],
        consortium=["1", "0", None],
        dyn_1=["1", "9", "2"],
        real_known_6=["1", None, None],
        real_pia_6=["0", None, None],
        expectations=["exp_recruter exp_liens_recherche", "exp_partenariats", None],
        intl_known=[None, "1", None],
        intl_contrib=[None, "0", None],
    )
    assert q.validate(df, F) == []


def test_typed_frames_are_accepted_too(q):
    df = pl.DataFrame(
        {"respondent_id": ["a"], "campus_id": ["C"], "category": ["superieur"], "intl_strategy": [2], "intl_pia_effect": [1.0]}
    )
    assert q.validate(df, F) == []


def test_missing_identification_columns_and_unknown_columns(q):
    df = pl.DataFrame({"respondent_id": ["a"], "dyn_1": ["1"], "dyn1": ["2"]})
    # Order: row (whole-file problems first), then the column's place in the file (absent ones first).
    assert q.validate(df, F) == [
        P(None, "campus_id", "questionnaire.missing_id_column", column="campus_id"),
        P(None, "category", "questionnaire.missing_id_column", column="category"),
        P(None, "dyn1", "questionnaire.unknown_column", column="dyn1"),
    ]


def test_codes_scales_and_integers(q):
    df = frame(
        category=["lycee", "usine", "lycee"],
        dyn_1=["3", "1", "oui"],  # yes_no_na has 1, 2, 9
        lead_2=["8", "1.5", "4"],  # quality4 has 8 (ne sait pas); 1.5 is not an integer
        collab=["5", "9", "6"],
    )
    assert q.validate(df, F) == [
        P(2, "dyn_1", "questionnaire.out_of_scale", value="3", list_name="yes_no_na", codes="1, 2, 9"),
        P(3, "category", "questionnaire.unknown_code", value="usine", codes="entreprise, lycee, of_cfa, superieur, autre"),
        P(3, "lead_2", "questionnaire.non_integer", value="1.5"),
        P(4, "dyn_1", "questionnaire.non_integer", value="oui"),
        P(4, "collab", "questionnaire.out_of_scale", value="6", list_name="collab5", codes="1, 2, 3, 4, 5, 9"),
    ]


def test_answers_where_routing_skips_the_question(q):
    cat = "${category} != 'autre'"
    df = frame(
        category=["autre", "lycee", "superieur", "entreprise"],
        consortium=["1", "1", None, None],
        benef_skills=[None, "1", None, "1"],
        real_known_3=[None, "0", None, None],
        real_pia_3=[None, "1", None, None],
        intl_strategy=[None, None, "3", None],
        intl_pia_effect=[None, None, "1", None],
    )
    assert q.validate(df, F) == [
        P(2, "consortium", "questionnaire.not_asked", value="1", relevant=cat),
        P(3, "benef_skills", "questionnaire.not_asked", value="1", relevant="${category} = 'entreprise'"),
        P(3, "real_pia_3", "questionnaire.not_asked", value="1", relevant=f"({cat}) and (${{real_known_3}} = '1')"),
        P(4, "intl_pia_effect", "questionnaire.not_asked", value="1",
          relevant="(${category} = 'superieur' or ${category} = 'lycee') and "
                   "(${intl_strategy} = '1' or ${intl_strategy} = '2')"),
    ]


def test_expectations_unknown_out_of_group_too_many_and_skipped(q):
    df = frame(
        category=["lycee", "entreprise", "of_cfa", "autre"],
        expectations=[
            "exp_partenariats exp_inconnue",
            "exp_partenariats exp_recruter",
            "exp_partenariats exp_diversifier_offre exp_equipements exp_insertion exp_nouvelles_pedagogies",
            "exp_partenariats",
        ],
    )
    assert q.validate(df, F) == [
        P(2, "expectations", "questionnaire.unknown_choice", value="exp_inconnue", list_name="expectations"),
        P(3, "expectations", "questionnaire.choice_not_in_group", value="exp_partenariats", group="entreprise"),
        P(4, "expectations", "questionnaire.too_many_choices", count=5, max=4),
        P(5, "expectations", "questionnaire.not_asked", value="exp_partenariats", relevant="${category} != 'autre'"),
    ]


def test_a_blank_group_is_reported_once(q):
    # No group, no group list to check the expectations against: only the blank category is a problem.
    df = frame(category=[None], expectations=["exp_partenariats"])
    assert q.validate(df, F) == [P(2, "category", "questionnaire.empty_required")]


def test_duplicate_respondents_and_empty_identification(q):
    df = frame(category=["lycee", "lycee", None, "lycee"])
    df = df.with_columns(pl.Series("respondent_id", ["p1", "p2", "p1", " p1 "]))
    assert q.validate(df, F) == [
        P(4, "respondent_id", "questionnaire.duplicate_respondent", value="p1", first=2),
        P(4, "category", "questionnaire.empty_required"),
        P(5, "respondent_id", "questionnaire.duplicate_respondent", value="p1", first=2),
    ]


def test_row_numbers_come_from_the_row_column(q):
    df = frame(dyn_2=["1", "7"]).with_columns(pl.Series("__row__", [10, 14]))
    assert q.validate(df, F) == [
        P(14, "dyn_2", "questionnaire.out_of_scale", value="7", list_name="yes_no_na", codes="1, 2, 9"),
    ]


def test_absent_blocks_are_not_errors(q):
    assert q.validate(frame(collab=["1"]), F) == []


def test_problem_text_is_french_with_file_row_and_column(q):
    problems = q.validate(frame(dyn_1=["3"]), F)
    assert [str(p) for p in problems] == [
        "reponses.csv:2:dyn_1: valeur 3 hors de l'échelle « yes_no_na » (codes admis : 1, 2, 9)"
    ]


def test_validation_of_a_large_text_frame_is_vectorised(q):
    import time

    # 100 000 respondents answering every yes_no_na / quality4 item with valid codes, as text.
    rows = 100_000
    groups = ["entreprise", "lycee", "of_cfa", "superieur", "autre"]
    codes = {name: q.item(name).codes for name in q.columns if q.item(name).list_name in ("yes_no_na", "quality4")}
    df = pl.DataFrame(
        {
            "respondent_id": [f"p{i}" for i in range(rows)],
            "campus_id": ["C01"] * rows,
            "category": [groups[i % 5] for i in range(rows)],
            **{name: [c[i % len(c)] for i in range(rows)] for name, c in codes.items()},
        }
    )
    df = df.with_columns(pl.when(pl.int_range(pl.len()) == 777).then(pl.lit("5")).otherwise(pl.col("dyn_3")).alias("dyn_3"))
    start = time.perf_counter()
    problems = q.validate(df, F)
    elapsed = time.perf_counter() - start
    assert problems == [P(779, "dyn_3", "questionnaire.out_of_scale", value="5", list_name="yes_no_na", codes="1, 2, 9")]
    assert elapsed < 10.0, f"validate() took {elapsed:.2f} s on {rows} rows"
