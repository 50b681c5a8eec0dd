"""How a person reads a campus: its anonymous letter beside its identifier, « A (CMQ06) ».

The report names campuses by letter (« ZA, U, N, J, A »); every file keys them by
``campus_id``. Wherever a person reads a campus (map titles, CLI summaries, reports) the
two are shown together, so that a figure can be traced to its rows.
"""

from __future__ import annotations

import polars as pl

__all__ = ["campus_label", "campus_labels", "with_campus_letter"]


def campus_label(letter: str | None, campus_id: str | None) -> str:
    """``"A (CMQ06)"``; the identifier alone when there is no letter (or the letter alone)."""
    letter = (letter or "").strip()
    campus_id = (campus_id or "").strip()
    if letter and campus_id and letter != campus_id:
        return f"{letter} ({campus_id})"
    return letter or campus_id


def campus_labels(campuses: pl.DataFrame) -> dict[str, str]:
    """``campus_id`` → :func:`campus_label` for every campus of a registry frame (``letter`` optional)."""
    letters = campuses["letter"].to_list() if "letter" in campuses.columns else [None] * campuses.height
    return {cid: campus_label(letter, cid) for cid, letter in zip(campuses["campus_id"].to_list(), letters, strict=True)}


def with_campus_letter(
    frame: pl.DataFrame, campuses: pl.DataFrame | None, *, key: str = "campus", after: str | None = "suppressed"
) -> pl.DataFrame:
    """``frame`` with a ``campus_letter`` column: the ``letter`` of the campus named in column
    ``key`` (empty for « ensemble », an unknown campus or a campus without letter), placed
    right after column ``after`` (the last contract column of the statistics set) or last."""
    letters: dict[str, str] = {}
    if campuses is not None and {"campus_id", "letter"} <= set(campuses.columns):
        letters = {c: letter for c, letter in campuses.select("campus_id", "letter").iter_rows() if letter}
    column = pl.col(key).replace_strict(letters, default=None, return_dtype=pl.String).alias("campus_letter")
    out = frame.drop("campus_letter", strict=False).with_columns(column)
    if after is None or after not in frame.columns:
        return out
    names = [c for c in frame.columns if c != "campus_letter"]
    at = names.index(after) + 1
    return out.select(names[:at] + ["campus_letter"] + names[at:])
