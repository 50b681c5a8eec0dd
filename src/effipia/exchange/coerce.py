"""Text table → response frame: split columns joined, then typed once validated.

Split ``select_multiple`` columns (``expectations/<choice>`` of 1/0) are joined into
the space-separated value (a split value other than 0/1, an unknown choice or a
disagreement with the summary column is a :class:`Problem`). Codes, scales, unknown
columns and routing are the questionnaire's checks, run on this text frame; then
:func:`typed` gives item columns ``Int64`` (an empty cell is null, never 0).
"""

from __future__ import annotations

import polars as pl

from effipia.errors import Problem
from effipia.exchange.form import FormView
from effipia.exchange.tables import ROW, TextTable

__all__ = ["SAFE_INTEGER", "fit_problems", "join_split_columns", "prepare", "typed"]


def _split_columns(frame: pl.DataFrame, item: str) -> dict[str, str]:
    prefix = f"{item}/"
    return {c[len(prefix):]: c for c in frame.columns if c.startswith(prefix)}


def join_split_columns(table: TextTable, form: FormView, file: str) -> TextTable:
    """Join ``item/choice`` 1/0 columns of each ``select_multiple`` item into ``item``.

    When the summary column is present too, it is kept and every row must agree with
    the split columns (same set of choices); otherwise the joined value lists the
    selected choices in questionnaire order. All split columns empty → null.
    """
    frame = table.frame
    problems = list(table.problems)
    for item in sorted(form.multiple):
        split = _split_columns(frame, item)
        if not split:
            continue
        order = list(form.choices.get(item, {}))
        for choice, column in split.items():
            if choice not in order:
                problems.append(Problem.at(file, 1, column, "exchange.split_unknown_choice", item=item, choice=choice))
        known = [c for c in order if c in split]
        rows = frame.select([ROW, *(split[c] for c in known), *([item] if item in frame.columns else [])]).rows(named=True)
        joined: list[str | None] = []
        for row in rows:
            selected = []
            valid = True
            for choice in known:
                value = row[split[choice]]
                if value in ("1", "0") or value is None:
                    if value == "1":
                        selected.append(choice)
                else:
                    valid = False
                    problems.append(Problem.at(file, row[ROW], split[choice], "exchange.split_value", value=value))
            any_value = any(row[split[c]] is not None for c in known)
            derived = " ".join(selected) if selected else None
            if item in row:
                summary = row[item]
                if valid and any_value and set((summary or "").split()) != set(selected):
                    problems.append(
                        Problem.at(file, row[ROW], item, "exchange.split_mismatch",
                                   value=summary or "", detail=derived or "")
                    )
                joined.append(summary)
            else:
                joined.append(derived)
        frame = frame.drop(list(split.values())).with_columns(pl.Series(item, joined, dtype=pl.String))
    return TextTable(frame, problems)


#: Largest integer a float (and a JSON reader) holds exactly: beyond it a code is not faithful.
SAFE_INTEGER = 2**53


def _unfit_cells_blanked(frame: pl.DataFrame, problems: list[Problem]) -> pl.DataFrame:
    """``frame`` with the cells of ``problems`` empty: reported once here, never again
    (nor crashed on) by the questionnaire's checks."""
    cells: dict[str, list[int]] = {}
    for problem in problems:
        if problem.code == "reading.text_too_long":
            continue  # an identifier stays: blanking it would add a « missing » problem
        cells.setdefault(str(problem.column), []).append(int(problem.row or 0))
    if not cells:
        return frame
    return frame.with_columns(
        pl.when(pl.col(ROW).is_in(rows)).then(None).otherwise(pl.col(column)).alias(column)
        for column, rows in cells.items()
    )


def fit_problems(frame: pl.DataFrame, form: FormView, file: str) -> list[Problem]:
    """Cells that cannot be stored as read, each at its cell: numbers of integer columns
    that are not finite (``inf``, ``NaN``) or too large to be exact, and identification
    texts longer than the store's column (lengths read from the store's models)."""
    from effipia.formatting import number
    from effipia.store.limits import column_limits

    problems: list[Problem] = []
    for column in frame.columns:
        if column == ROW or column not in form.columns or form.dtype(column) != pl.Int64:
            continue
        value = pl.col(column).str.strip_chars().str.replace(",", ".", literal=True).cast(pl.Float64, strict=False)
        flagged = frame.select(
            pl.col(ROW), pl.col(column), (value.is_nan() | value.is_infinite()).alias("__nf__"),
            (value.abs() >= SAFE_INTEGER).alias("__big__"),
        ).filter(pl.col("__nf__") | pl.col("__big__"))
        for row, text, non_finite, _big in flagged.rows():
            if non_finite:
                problems.append(Problem.at(file, row, column, "reading.not_finite", value=text))
            else:
                problems.append(
                    Problem.at(file, row, column, "reading.number_too_large", value=text, limit=number(SAFE_INTEGER))
                )
    for column, (kind, limit) in column_limits("responses").items():
        if kind != "text" or column not in frame.columns or frame.schema[column] != pl.String:
            continue
        long = frame.select(pl.col(ROW), pl.col(column).str.len_chars().alias("__n__")).filter(pl.col("__n__") > limit)
        problems += [Problem.at(file, row, column, "reading.text_too_long", length=n, limit=limit) for row, n in long.rows()]
    return problems


def prepare(table: TextTable, form: FormView, file: str) -> tuple[pl.DataFrame, list[Problem]]:
    """Text frame ready for the questionnaire's validation: split columns joined,
    ``select_multiple`` values with single spaces. Every other column is left as read
    (unknown columns included, so that validation reports them); cells that cannot be
    stored faithfully (see :func:`fit_problems`) are problems."""
    joined = join_split_columns(table, form, file)
    frame = joined.frame
    multiple = [c for c in frame.columns if c in form.multiple]
    if multiple:
        frame = frame.with_columns(
            pl.col(c).str.replace_all(r"\s+", " ").str.strip_chars().replace("", None) for c in multiple
        )
    unfit = fit_problems(frame, form, file)
    return _unfit_cells_blanked(frame, unfit), list(joined.problems) + unfit


def typed(frame: pl.DataFrame, form: FormView) -> pl.DataFrame:
    """The codebook columns of a validated text frame with their dtypes, in layout order
    (``__row__`` kept last). Integer columns: a value that is not an integer becomes null
    (validation has reported it)."""
    exprs = []
    for column in form.columns:
        if column not in frame.columns:
            continue
        if form.dtype(column) == pl.Int64:
            number = pl.col(column).cast(pl.Float64, strict=False)
            integral = number.is_finite() & (number == number.floor()) & (number.abs() < SAFE_INTEGER)
            exprs.append(pl.when(integral).then(number).otherwise(None).cast(pl.Int64).alias(column))
        else:
            exprs.append(pl.col(column).cast(pl.String))
    return frame.select(*exprs, pl.col(ROW))
