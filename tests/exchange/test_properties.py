"""Property: any valid response frame, with awkward free text, survives every file format."""

from __future__ import annotations

import tempfile
from pathlib import Path

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from effipia.exchange import read_responses, write_response_file

from .factory import make_responses

# Free text as directors type it: accents, separators, quotes, line breaks inside the value.
_TEXT = st.text(
    alphabet=st.sampled_from(list("abcXYZ019 éèçàÉœ’«»,;\"'\n/-_")), min_size=1, max_size=20
).map(str.strip).filter(bool)


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 12), texts=st.lists(_TEXT, min_size=12, max_size=12))
def test_any_valid_frame_round_trips_through_every_format(questionnaire, form, seed: int, n: int, texts: list[str]) -> None:
    frame = make_responses(questionnaire, n=n, seed=seed).with_columns(
        pl.Series("partner_type", texts[:n], dtype=pl.String)
    )
    with tempfile.TemporaryDirectory() as folder:
        for fmt in ("csv", "xlsx", "parquet", "sav", "dta"):
            path = write_response_file(frame, Path(folder) / f"r.{fmt}", fmt, form=form)
            result = read_responses(path, form)
            assert result.problems == []
            assert questionnaire.validate(result.text, str(path)) == []
            assert_frame_equal(result.frame.drop("__row__"), frame)
