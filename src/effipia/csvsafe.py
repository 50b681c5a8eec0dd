"""CSV files that cannot smuggle code into a spreadsheet: one writer for every CSV effipia writes.

A spreadsheet opening a CSV runs a cell that begins with ``=``, ``+``, ``-`` or ``@`` (and
tab or carriage return, which some strip first) as a formula: a partner's name typed as
``=HYPERLINK("http://…")`` or ``@SUM(…)`` would run on the evaluator's machine (CSV
injection). As OWASP recommends, such a text cell is written with a leading apostrophe
(``'=HYPERLINK…``), which every spreadsheet shows as text. Plain numbers (``-1``,
``+33``, ``-2.5e3``) are left alone: a spreadsheet reads them as numbers, not formulas.

The escaping is reversible, so that every file effipia writes re-imports to the same
values: a text that already begins with apostrophes followed by a formula character gets
one more, and :func:`restore` (applied by :mod:`effipia.tabular` to every CSV cell it
reads) removes exactly one.
"""

from __future__ import annotations

import csv
import errno
import io
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # Polars is imported by the functions on frames: rows-only writers (warnings.csv) need none
    import polars as pl

__all__ = ["FORMULA_PATTERN", "neutralise", "restore", "safe_frame", "write_csv", "write_rows"]

#: A text a spreadsheet would run: optional apostrophes, then a formula character.
FORMULA_PATTERN = r"^'*[=+\-@\t\r]"
_NUMBER_PATTERN = r"^[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?$"
_FORMULA = re.compile(FORMULA_PATTERN)
_NUMBER = re.compile(_NUMBER_PATTERN)
_ESCAPED = re.compile(r"^'+[=+\-@\t\r]")


def neutralise(value: Any) -> Any:
    """``value`` as a CSV cell that no spreadsheet runs (see the module's rule); non-text
    values are returned unchanged."""
    if isinstance(value, str) and _FORMULA.match(value) and not _NUMBER.match(value):
        return "'" + value
    return value


def restore(value: str) -> str:
    """The text :func:`neutralise` was given (one leading apostrophe removed before a
    formula character)."""
    return value[1:] if _ESCAPED.match(value) and not _NUMBER.match(value[1:]) else value


def safe_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with every text cell neutralised (vectorised; other dtypes unchanged)."""
    import polars as pl

    exprs = []
    for name, dtype in frame.schema.items():
        if dtype == pl.String:
            col = pl.col(name)
            risky = col.str.contains(FORMULA_PATTERN) & ~col.str.contains(_NUMBER_PATTERN)
            exprs.append(pl.when(risky).then(pl.lit("'") + col).otherwise(col).alias(name))
    return frame.with_columns(exprs) if exprs else frame


def write_csv(frame: pl.DataFrame, path: str | Path | None = None, **options: Any) -> str | None:
    """Write ``frame`` as CSV (Polars' writer, ``options`` passed on) with every text cell
    neutralised; without ``path``, return the text. A folder given as ``path`` is an
    :class:`IsADirectoryError` (Polars would say so in English)."""
    if path is not None and Path(path).is_dir():
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
    return safe_frame(frame).write_csv(path, **options)


def write_rows(path: str | Path | io.TextIOBase, header: Sequence[str], rows: Iterable[Sequence[Any] | dict[str, Any]],
               **options: Any) -> None:
    """Write ``header`` then ``rows`` (sequences, or dicts keyed by the header) with the
    :mod:`csv` module, every text cell neutralised; ``path`` may be an open text file."""
    def cells(row: Sequence[Any] | dict[str, Any]) -> list[Any]:
        values = [row.get(h) for h in header] if isinstance(row, dict) else list(row)
        return [neutralise(v) for v in values]

    options.setdefault("lineterminator", "\n")
    if isinstance(path, (str, Path)):
        with open(path, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, **options)
            writer.writerow(header)
            writer.writerows(cells(r) for r in rows)
    else:
        writer = csv.writer(path, **options)
        writer.writerow(header)
        writer.writerows(cells(r) for r in rows)
