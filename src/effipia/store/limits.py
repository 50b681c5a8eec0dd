"""What each stored column can hold, read from the models: text lengths and integer ranges.

Importers check every value against these before anything is written, so that a value
the database would refuse (PostgreSQL) or silently keep beyond its declared length
(SQLite) is a French problem at its cell instead (``fichier:ligne:colonne``).
"""

from __future__ import annotations

from functools import cache

import sqlalchemy as sa

from effipia.store.models import Base

__all__ = ["column_limits", "value_problem", "INTEGER_RANGES"]

#: Range of each integer column type (the narrowest first: SmallInteger is an Integer).
INTEGER_RANGES = (
    (sa.SmallInteger, (-(2**15), 2**15 - 1)),
    (sa.BigInteger, (-(2**63), 2**63 - 1)),
    (sa.Integer, (-(2**31), 2**31 - 1)),
)


@cache
def column_limits(table: str) -> dict[str, tuple[str, object]]:
    """``column → ("text", length)`` or ``("integer", (low, high))`` for the columns of ``table``."""
    limits: dict[str, tuple[str, object]] = {}
    for column in Base.metadata.tables[table].columns:
        kind = column.type
        if isinstance(kind, sa.String) and kind.length:
            limits[column.name] = ("text", kind.length)
            continue
        for integer_type, bounds in INTEGER_RANGES:
            if isinstance(kind, integer_type):
                limits[column.name] = ("integer", bounds)
                break
    return limits


def value_problem(table: str, column: str, value: object) -> tuple[str, dict[str, object]] | None:
    """``(problem code, parameters)`` when ``value`` does not fit ``table.column``, else ``None``."""
    limit = column_limits(table).get(column)
    if limit is None or value is None:
        return None
    kind, bound = limit
    if kind == "text" and isinstance(value, str) and len(value) > bound:
        return "reading.text_too_long", {"length": len(value), "limit": bound}
    if kind == "integer" and isinstance(value, int) and not bound[0] <= value <= bound[1]:
        return "reading.integer_out_of_type", {"value": value, "low": bound[0], "high": bound[1]}
    return None
