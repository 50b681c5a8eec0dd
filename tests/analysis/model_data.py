"""Response frames of the count-model tests: hand-made (every figure worked out by hand) and
read from the golden data sets of ``golden/make_model_data.py``."""

from __future__ import annotations

from pathlib import Path

import polars as pl

GOLDEN = Path(__file__).parent / "golden"


def responses(records: list[tuple[str, str, str, int | None, int | None, int]]) -> pl.DataFrame:
    """Response frame from (respondent, campus, group, consortium, pia_concerned, y): rel_1..rel_y = 1."""
    rows = []
    for rid, campus, group, cons, pia, y in records:
        row = {"respondent_id": rid, "campus_id": campus, "category": group, "partner_type": None,
                   "consortium": cons, "pia_concerned": pia}
        row.update({f"rel_{k}": int(k <= y) for k in range(1, 17)})
        rows.append(row)
    return pl.DataFrame(rows, schema_overrides={"partner_type": pl.String, "consortium": pl.Int64,
                                                "pia_concerned": pl.Int64})


def from_golden_csv(name: str) -> pl.DataFrame:
    data = pl.read_csv(GOLDEN / name, schema_overrides={"involved": pl.Int64})
    records = [
        (r["respondent_id"], r["campus_id"], r["category"], r["involved"], None if r["involved"] is None else 0, r["y"])
        for r in data.iter_rows(named=True)
    ]
    return responses(records)


HAND = [
    # campus C1
    ("a1", "C1", "lycee", 1, 0, 4), ("a2", "C1", "lycee", 0, 1, 6), ("a3", "C1", "lycee", 0, 0, 1),
    ("a4", "C1", "entreprise", 0, 0, 2), ("a5", "C1", "autre", None, None, 3),
    # campus C2
    ("b1", "C2", "lycee", 1, 1, 8), ("b2", "C2", "lycee", 0, 0, 3), ("b3", "C2", "entreprise", 1, 0, 2),
    ("b4", "C2", "entreprise", 0, 0, 2), ("b5", "C2", "autre", None, None, 5),
    # campus C3
    ("c1", "C3", "lycee", 0, 0, 2), ("c2", "C3", "entreprise", 0, 1, 4), ("c3", "C3", "autre", None, None, 4),
]
