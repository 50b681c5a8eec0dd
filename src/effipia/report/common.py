"""Helpers shared by the national and campus builders: tables from specs, reading lines."""

from __future__ import annotations

import string
from collections.abc import Iterable, Sequence
from typing import Any

import polars as pl

from effipia.formatting import number
from effipia.report.labels import lower_first
from effipia.report.model import Cell, Row, Table
from effipia.report.texts import fill

__all__ = ["make_table", "first_published", "percent_text", "letters_for", "footnotes_for"]


def percent_text(cell: Cell) -> str:
    """« 19 % » from a printed cell (narrow no-break space)."""
    return f"{cell.text}\u202f%"


def first_published(table_rows: Sequence[Row], columns: Iterable[int] | None = None) -> tuple[Row, int, Cell] | None:
    """The first row × column whose cell is published (row order, then ``columns`` order)."""
    for row in table_rows:
        for j in columns if columns is not None else range(len(row.cells)):
            if j < len(row.cells) and row.cells[j].value is not None:
                return row, j, row.cells[j]
    return None


def make_table(
    key: str,
    spec: dict[str, Any],
    columns: Sequence[str],
    rows: list[Row],
    *,
    lecture: str | None,
    common: dict[str, Any],
    number_override: str | None = None,
    title_override: str | None = None,
    **values: Any,
) -> Table:
    """A :class:`Table` from its spec (number, title, stub, champ, source) and its rows,
    with the footnotes its cells call for."""
    table = Table(
        key=key,
        number=number_override or fill(spec.get("number", ""), **values),
        title=title_override or fill(spec.get("title", key), **values),
        stub=fill(spec.get("stub", ""), **values),
        columns=list(columns),
        rows=rows,
        lecture=(common["labels"]["lecture_prefix"] + lecture) if lecture else None,
        champ=fill(spec["champ"], **values) if spec.get("champ") else None,
        source=fill(spec.get("source", common["labels"]["source_survey"]), **values),
    )
    table.notes = footnotes_for(table.cells(), common, values.get("min_n", 5))
    return table


def footnotes_for(cells: Iterable[Cell], common: dict[str, Any], min_n: int) -> list[str]:
    """Footnotes (in French) for the suppressed and flagged cells among ``cells``."""
    cells = list(cells)
    notes = []
    if any(c.suppressed for c in cells):
        notes.append(fill(common["footnotes"]["suppressed"], min_n=min_n))
    for flag in ("imprecise", "unreliable"):
        if any(c.flag == flag for c in cells):
            notes.append(common["footnotes"][flag])
    return notes


def sentence(template: str, **values: Any) -> str:
    """A « Lecture » sentence: the template filled, first letter kept as written."""
    values.setdefault("row_lower", lower_first(str(values.get("row", ""))))
    values.setdefault("answer_lower", lower_first(str(values.get("answer", ""))))
    return fill(template, **values)


def letters_for(campus_ids: Sequence[str], campuses: pl.DataFrame | None) -> dict[str, str]:
    """Publication letter of each campus (registry ``letter``; else A…Z, ZA… by identifier)."""
    given: dict[str, str] = {}
    if campuses is not None and {"campus_id", "letter"} <= set(campuses.columns):
        given = {r["campus_id"]: r["letter"] for r in campuses.select("campus_id", "letter").iter_rows(named=True) if r["letter"]}
    missing = sorted(c for c in campus_ids if c not in given)
    used = set(given.values())
    pool = [*string.ascii_uppercase, *("Z" + x for x in string.ascii_uppercase)]
    pool += [f"Z{i}" for i in range(1, 10000)]
    free = (x for x in pool if x not in used)
    for c in missing:
        given[c] = next(free)
    return given


def fmt(value: float, digits: int = 0) -> str:
    """French number rounded to ``digits`` (a value rounding to zero prints « 0 », never « -0 »)."""
    rounded = round(value, digits)
    return number(0.0 if rounded == 0 else rounded, digits)


def signed(value: float, digits: int = 0) -> str:
    """« +6 », « −3 » (true minus sign), « 0 »."""
    text = fmt(abs(value), digits)
    if round(value, digits) == 0:
        return text
    return ("+" if value > 0 else "\u2212") + text
