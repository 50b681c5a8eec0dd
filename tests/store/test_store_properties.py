"""Property: any response frame in the codebook layout comes back from the store as written."""

from __future__ import annotations

import itertools

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from effipia.schema import RESPONSE_ID_COLUMNS
from effipia.store import Store

ITEMS = ["dyn_1", "lead_10", "res_use_3", "real_pia_19", "collab", "expectations"]
CHOICES = ["exp_partenariats", "exp_valoriser_voie_pro", "exp_liens_recherche", "exp_diversifier_offre"]
_counter = itertools.count()


@st.composite
def response_frames(draw) -> pl.DataFrame:
    n = draw(st.integers(1, 8))
    ids = draw(st.lists(st.text("abcXYZ0-9_é", min_size=1, max_size=8), min_size=n, max_size=n, unique=True))
    items = draw(st.lists(st.sampled_from(ITEMS), unique=True, max_size=len(ITEMS)))
    columns: dict[str, pl.Series] = {
        "respondent_id": pl.Series(ids, dtype=pl.String),
        "campus_id": pl.Series(draw(st.lists(st.sampled_from(["C1", "C2"]), min_size=n, max_size=n)), dtype=pl.String),
        "category": pl.Series(
            draw(st.lists(st.sampled_from(["entreprise", "lycee", "autre", None]), min_size=n, max_size=n)), dtype=pl.String
        ),
        "consortium": pl.Series(draw(st.lists(st.sampled_from([0, 1, None]), min_size=n, max_size=n)), dtype=pl.Int64),
    }
    for item in items:
        if item == "expectations":
            values = draw(
                st.lists(
                    st.one_of(st.none(), st.lists(st.sampled_from(CHOICES), min_size=1, max_size=4, unique=True).map(" ".join)),
                    min_size=n,
                    max_size=n,
                )
            )
            columns[item] = pl.Series(values, dtype=pl.String)
        else:
            values = draw(st.lists(st.sampled_from([1, 2, 3, 4, 5, 8, 9, 0, None]), min_size=n, max_size=n))
            columns[item] = pl.Series(values, dtype=pl.Int64)
    return pl.DataFrame(columns)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(frame=response_frames())
def test_response_frames_round_trip(db_url: str, frame: pl.DataFrame) -> None:
    store = Store(db_url)
    store.write_campuses(pl.DataFrame({"campus_id": ["C1", "C2"], "name": ["Un", "Deux"]}))
    campaign = f"c{next(_counter)}"
    store.write_responses(campaign, frame)
    expected_columns = {**RESPONSE_ID_COLUMNS, **{c: frame.schema[c] for c in frame.columns if c not in RESPONSE_ID_COLUMNS}}
    expected = frame.select(
        [(pl.col(c) if c in frame.columns else pl.lit(None, t)).cast(t).alias(c) for c, t in expected_columns.items()]
    ).sort("respondent_id")
    assert store.responses(campaign).equals(expected)
    assert store.write_responses(campaign, frame).unchanged == frame.height
    store.close()
