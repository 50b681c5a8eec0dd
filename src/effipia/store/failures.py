"""A write refused by the database → one French error naming the table and the key.

The driver's text (English) never reaches the user: known texts are translated
(:func:`driver_detail`), others named by their code, after the French sentence in
parentheses. PostgreSQL gives the table, the constraint and the offending key in its
diagnostics; SQLite only names ``table.column``, so the stored values clashing with the
rows the failing statement tried to write are looked up.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from sqlalchemy.exc import DBAPIError

from effipia.errors import EffipiaError, message
from effipia.store.models import Base

__all__ = ["driver_detail", "write_error"]

_STATEMENT_TABLE = re.compile(r"^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+\"?(\w+)", re.IGNORECASE)
_SQLITE = re.compile(r"^(UNIQUE|NOT NULL|FOREIGN KEY|CHECK) constraint failed(?::\s*(.+))?$")
_PG_KEY = re.compile(r"^Key \((.+?)\)=\((.*)\)")
_PG_KINDS = {"23505": "unique", "23503": "foreign_key", "23502": "not_null", "23514": "check", "22001": "too_long"}
_SQLITE_KINDS = {"UNIQUE": "unique", "NOT NULL": "not_null", "FOREIGN KEY": "foreign_key", "CHECK": "check"}
_SHOWN = 5


#: Driver texts (SQLite, psycopg) → French reading (``driver.*`` messages); the first match wins.
_DRIVER_TEXTS = (
    (re.compile(r"attempt to write a readonly database", re.I), "driver.readonly"),
    (re.compile(r"unable to open database file", re.I), "driver.cannot_open"),
    (re.compile(r"database is locked|database table is locked", re.I), "driver.locked"),
    (re.compile(r"disk I/O error", re.I), "driver.disk_io"),
    (re.compile(r"database or disk is full|No space left", re.I), "driver.disk_full"),
    (re.compile(r"file is (?:encrypted or is )?not a database", re.I), "driver.not_a_database"),
    (re.compile(r"database disk image is malformed", re.I), "driver.malformed"),
    (re.compile(r"no such table: (?P<name>\w+)", re.I), "driver.no_table"),
    (re.compile(r"password authentication failed|authentication failed", re.I), "driver.authentication"),
    (re.compile(r'database "(?P<name>[^"]+)" does not exist', re.I), "driver.no_database"),
    (re.compile(r'role "(?P<name>[^"]+)" does not exist', re.I), "driver.no_role"),
    (re.compile(r"could not translate host name|failed to resolve host|Name or service not known", re.I),
     "driver.unknown_host"),
    (re.compile(r"timeout expired|timed out", re.I), "driver.timeout"),
    (re.compile(r"Connection refused", re.I), "driver.connection_refused"),
    (re.compile(r"connection failed|could not connect|server closed the connection", re.I), "driver.connection_failed"),
    (re.compile(r"value too long for type character varying\((?P<length>\d+)\)", re.I), "driver.too_long"),
    (re.compile(r"UNIQUE constraint failed|duplicate key value", re.I), "driver.unique"),
    (re.compile(r"FOREIGN KEY constraint failed|violates foreign key constraint", re.I), "driver.foreign_key"),
    (re.compile(r"NOT NULL constraint failed|null value in column", re.I), "driver.not_null"),
    (re.compile(r"CHECK constraint failed|violates check constraint", re.I), "driver.check"),
    (re.compile(r"out of range|integer overflow|too large", re.I), "driver.out_of_range"),
)


def driver_detail(exc: Exception) -> str:
    """The driver's failure read in French (never its English text): known texts are
    translated; others named by their code (SQLSTATE, SQLite error name) or kind."""
    orig = getattr(exc, "orig", None)
    source = orig if orig is not None else exc
    text = str(source).strip()
    for pattern, code in _DRIVER_TEXTS:
        found = pattern.search(text)
        if found:
            return message(code, **found.groupdict())
    sqlstate = getattr(source, "sqlstate", None)
    if sqlstate:
        return message("driver.postgres_other", code=sqlstate)
    errorname = getattr(source, "sqlite_errorname", None)
    if errorname:
        return message("driver.sqlite_other", code=errorname)
    return message("driver.other", kind=type(source).__name__)


def _table_label(table: str | None) -> str:
    known = {"campaigns", "campuses", "partners", "invitations", "responses"}
    return message(f"store.table_{table}") if table in known else (table or "?")


def _statement_table(exc: DBAPIError) -> str | None:
    found = _STATEMENT_TABLE.match(exc.statement or "")
    return found.group(1) if found else None


def _written_values(rows: list[dict[str, Any]] | None, column: str) -> list[Any]:
    """Values of ``column`` in the rows the failing statement was writing (update rows
    carry ``v__``/``k__`` prefixed names)."""
    values = []
    for row in rows or []:
        for name in (column, f"v__{column}", f"k__{column}"):
            if row.get(name) is not None:
                values.append(row[name])
                break
    return values


def _too_long(rows: list[dict[str, Any]] | None, table: str | None) -> list[str]:
    """Columns of ``table`` for which a written text exceeds the declared length."""
    if table not in Base.metadata.tables:
        return []
    out = []
    for column in Base.metadata.tables[table].columns:
        length = getattr(column.type, "length", None)
        if length and any(isinstance(v, str) and len(v) > length for v in _written_values(rows, column.name)):
            out.append(f"{column.name} ({length})")
    return out


def write_error(
    exc: DBAPIError,
    rows: list[dict[str, Any]] | None = None,
    existing: Callable[[str, str, list[Any]], list[Any]] | None = None,
) -> EffipiaError:
    """The French error for a failed write. ``rows``: the parameter rows of the failing
    statement, when known; ``existing(table, column, values)`` returns those of ``values``
    already stored (to name the duplicate key on SQLite)."""
    detail = driver_detail(exc)
    orig = exc.orig
    diag = getattr(orig, "diag", None)
    kind, table, columns, key = None, _statement_table(exc), [], ""
    if diag is not None:  # psycopg
        kind = _PG_KINDS.get(getattr(orig, "sqlstate", None) or "")
        table = diag.table_name or table
        if diag.column_name:
            columns = [diag.column_name]
        found = _PG_KEY.match(diag.message_detail or "")
        if found:
            columns = [c.strip() for c in found.group(1).split(",")]
            key = found.group(2)
    else:  # sqlite3
        found = _SQLITE.match(str(orig))
        if found:
            kind = _SQLITE_KINDS[found.group(1)]
            targets = [t.strip() for t in (found.group(2) or "").split(",") if "." in t]
            if targets:
                table = targets[0].split(".", 1)[0]
                columns = [t.split(".", 1)[1] for t in targets]
        if kind == "unique" and len(columns) == 1 and existing is not None:
            clash = existing(table, columns[0], _written_values(rows, columns[0]))
            key = ", ".join(str(v) for v in clash[:_SHOWN])
    if kind == "too_long":
        columns = _too_long(rows, table)
    if kind is None:
        return EffipiaError("store.write_failed", table=_table_label(table), detail=detail)
    return EffipiaError(
        f"store.constraint_{kind}",
        table=_table_label(table),
        columns=", ".join(columns) or "?",
        key=f" : {key}" if key else "",
        detail=detail,
    )
