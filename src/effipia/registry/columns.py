"""Column-wise checks for registry files of 10^5 rows: a file's cells as a frame of texts,
and a check written for one value run once per *distinct* value (or combination of
values) of a column, its results joined back to every row.

A check returns ``(outputs, problems)``: the canonical values it gives (``{column:
value}``) and its problems as ``(column, code, params)``; every row holding that value
gets them, at its own line.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import zip_longest
from typing import Any

import polars as pl

from effipia.registry.text import cell_texts

__all__ = ["Found", "by_value", "columns_of", "raw_columns", "text_frame"]

#: A problem found by a check: (row index in the file's frame, canonical column, code, params).
Found = tuple[int, str, str, dict[str, Any]]
Check = Callable[..., tuple[dict[str, Any], list[tuple[str, str, dict[str, Any]]]]]


def raw_columns(rows: Sequence[tuple[int, list[object]]], columns: dict[str, int]) -> dict[str, list[object]]:
    """The cells of each canonical column (``None`` past the end of a short row)."""
    if not rows:
        return {c: [] for c in columns}
    transposed = list(zip_longest(*(cells for _, cells in rows)))  # one pass in C, short rows padded
    return {c: list(transposed[i]) if i < len(transposed) else [None] * len(rows) for c, i in columns.items()}


def text_frame(raw: dict[str, "list[object] | pl.Series"], height: int, text_only: bool = False) -> pl.DataFrame:
    """``cell_text`` of every cell, one String column per canonical column (``text_only``:
    every cell is known to be text or ``None``, as in a CSV file)."""
    if not raw:
        return pl.DataFrame(height=height) if height else pl.DataFrame()
    return pl.DataFrame([cell_texts(values, text_only).alias(c) for c, values in raw.items()])


def columns_of(text: pl.DataFrame, names: Sequence[str]) -> pl.DataFrame:
    """The columns ``names`` of ``text``, a null column for each one the file lacks."""
    return pl.DataFrame([text.get_column(n) if n in text.columns else pl.Series(n, [None] * text.height, dtype=pl.String)
                         for n in names])


def by_value(keys: pl.DataFrame, check: Check, schema: dict[str, pl.DataType]) -> tuple[pl.DataFrame, list[Found]]:
    """Run ``check(*key)`` once per distinct row of ``keys`` (nulls included, as ``None``);
    return its outputs aligned with ``keys`` (columns of ``schema``) and every row's problems."""
    distinct = keys.unique(maintain_order=True)
    outputs: list[tuple[Any, ...]] = []
    reported: dict[int, list[tuple[str, str, dict[str, Any]]]] = {}
    for n, key in enumerate(distinct.iter_rows()):
        values, problems = check(*key)
        outputs.append(tuple(values.get(c) for c in schema))
        if problems:
            reported[n] = problems
    named = {f"__out_{c}": d for c, d in schema.items()}  # outputs may have the names of keys
    table = pl.concat(
        [distinct, pl.DataFrame(outputs, schema=named, orient="row"), pl.DataFrame({"__check": range(len(outputs))})],
        how="horizontal",
    ) if outputs else distinct.with_columns([pl.lit(None, d).alias(c) for c, d in named.items()] + [pl.lit(0).alias("__check")])
    joined = keys.join(table, on=keys.columns, how="left", nulls_equal=True, maintain_order="left")
    found: list[Found] = []
    if reported:
        where = joined.with_row_index("__row").filter(pl.col("__check").is_in(list(reported)))
        for row, n in where.select("__row", "__check").iter_rows():
            found.extend((row, column, code, params) for column, code, params in reported[n])
    return joined.select([pl.col(f"__out_{c}").alias(c) for c in schema]), found
