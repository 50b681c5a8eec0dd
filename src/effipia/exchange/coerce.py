"""Text table → typed wide response frame (codebook layout), collecting problems.

Split ``select_multiple`` columns (``expectations/<choice>`` of 1/0) are joined into
the space-separated value; item columns become ``Int64`` (an empty cell is null,
never 0); a cell that is not an integer, a column the questionnaire does not know,
or a split column that disagrees with its summary column is a :class:`Problem`.
"""

from __future__ import annotations

import polars as pl

from effipia.errors import Problem
from effipia.exchange.form import FormView
from effipia.exchange.tables import ROW, TextTable

__all__ = ["join_split_columns", "to_response_frame"]

_INTEGER = r"^[+-]?\d+(?:\.0*)?$"


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
            for choice in known:
                value = row[split[choice]]
                if value in ("1", "0") or value is None:
                    if value == "1":
                        selected.append(choice)
                else:
                    problems.append(Problem.at(file, row[ROW], split[choice], "exchange.split_value", value=value))
            any_value = any(row[split[c]] is not None for c in known)
            derived = " ".join(selected) if selected else None
            if item in row:
                summary = row[item]
                if any_value and set((summary or "").split()) != set(selected):
                    problems.append(
                        Problem.at(file, row[ROW], item, "exchange.split_mismatch",
                                   value=summary or "", detail=derived or "")
                    )
                joined.append(summary)
            else:
                joined.append(derived)
        frame = frame.drop(list(split.values())).with_columns(pl.Series(item, joined, dtype=pl.String))
    return TextTable(frame, problems)


def _integer_column(frame: pl.DataFrame, column: str, file: str) -> tuple[pl.Series, list[Problem]]:
    text = frame[column]
    parsed = text.str.replace(r"\.0*$", "").cast(pl.Int64, strict=False)
    valid = text.str.contains(_INTEGER) & parsed.is_not_null()
    bad = frame.filter(text.is_not_null() & ~valid.fill_null(False)).select(ROW, column)
    problems = [Problem.at(file, line, column, "exchange.not_integer", value=value) for line, value in bad.rows()]
    return pl.Series(column, parsed.to_list(), dtype=pl.Int64).set(~valid.fill_null(False), None), problems


def to_response_frame(table: TextTable, form: FormView, file: str) -> tuple[pl.DataFrame, list[Problem]]:
    """Typed response frame (present codebook columns in layout order, plus ``__row__``) and problems.

    Columns unknown to the questionnaire are reported and dropped; columns absent from
    the file stay absent (a block not collected is not an error).
    """
    joined = join_split_columns(table, form, file)
    frame, problems = joined.frame, list(joined.problems)
    known = set(form.columns)
    for column in frame.columns:
        if column != ROW and column not in known:
            problems.append(Problem.at(file, 1, column, "exchange.unknown_column"))
    series: list[pl.Series] = []
    for column in form.columns:
        if column not in frame.columns:
            continue
        dtype = form.dtype(column)
        if dtype == pl.Int64:
            values, bad = _integer_column(frame, column, file)
            series.append(values)
            problems.extend(bad)
        elif column in form.multiple:
            normalised = frame[column].str.replace_all(r"\s+", " ").str.strip_chars()
            series.append(normalised.replace("", None).alias(column))
        else:
            series.append(frame[column])
    series.append(frame[ROW])
    return pl.DataFrame(series), problems
