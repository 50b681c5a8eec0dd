"""Hand-made response frames for the analysis tests (every figure worked out by hand)."""

from __future__ import annotations

import polars as pl
import pytest


@pytest.fixture
def tiny() -> pl.DataFrame:
    """Six respondents, three campuses, groups superieur and autre without respondent.

    ===  ======  ==========  =====  ======  ======
    id   campus  category    dyn_1  mgmt_1  mgmt_2
    ===  ======  ==========  =====  ======  ======
    r1   A       entreprise  1      1       8
    r2   A       entreprise  2      3       9
    r3   A       lycee       9      2       2
    r4   A       lycee       1      —       1
    r5   B       lycee       —      9       4
    r6   C       of_cfa      1      1       1
    ===  ======  ==========  =====  ======  ======

    « — » is an empty cell (not asked or no answer); campus C has one respondent.
    """
    return pl.DataFrame(
        {
            "respondent_id": ["r1", "r2", "r3", "r4", "r5", "r6"],
            "campus_id": ["A", "A", "A", "A", "B", "C"],
            "category": ["entreprise", "entreprise", "lycee", "lycee", "lycee", "of_cfa"],
            "dyn_1": [1, 2, 9, 1, None, 1],
            "mgmt_1": [1, 3, 2, None, 9, 1],
            "mgmt_2": [8, 9, 2, 1, 4, 1],
        },
        schema_overrides={"dyn_1": pl.Int64, "mgmt_1": pl.Int64, "mgmt_2": pl.Int64},
    )
