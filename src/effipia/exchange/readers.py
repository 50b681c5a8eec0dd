"""Read a response file of any format into the typed wide response frame.

detect (format) → tables (text columns + ``__row__``) → kobo (Kobo exports only:
metadata, group prefixes, labels) → coerce (split columns joined, codes typed).
The result keeps ``__row__`` (the line as the user sees it) for later problems.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from effipia.errors import Problem
from effipia.exchange.coerce import prepare, typed
from effipia.exchange.detect import Format, detect_format, is_kobo_header
from effipia.exchange.form import FormView, form_view
from effipia.exchange.kobo import normalise_kobo
from effipia.exchange.tables import ROW, TextTable, read_table
from effipia.exchange.writers import indicator_names

__all__ = ["ReadResult", "read_responses", "ROW"]


@dataclass
class ReadResult:
    """A response file read.

    ``text``: codebook columns as read, as text (unknown columns kept), for validation;
    ``frame``: the typed response frame; both keep ``__row__``. ``problems``: those
    found while reading (structure, split columns); the questionnaire's are not run here.
    """

    text: pl.DataFrame
    frame: pl.DataFrame
    format: Format
    problems: list[Problem]


def _indicators_to_split(table: TextTable, form: FormView) -> TextTable:
    """Rename the 0/1 choice indicators of our SAV/DTA exports to ``item/choice`` columns."""
    renames = {
        column: f"{item}/{choice}"
        for item, names in indicator_names(form).items()
        for choice, column in names.items()
        if column in table.frame.columns
    }
    return TextTable(table.frame.rename(renames), table.problems) if renames else table


def read_responses(path: str | Path, form: FormView | None = None, file: str | None = None) -> ReadResult:
    """Read ``path`` (CSV, KoboToolbox CSV, XLSX, Parquet, SAV, DTA) into a response frame.

    Only the file's structure and split columns are checked here; the
    questionnaire's rules are applied by the importer on ``ReadResult.text``. ``file`` names the file in
    problems (default ``str(path)``). Raises ``EffipiaError`` if the file cannot be read.
    """
    form = form or form_view()
    file = file or str(path)
    fmt = detect_format(path)
    table = read_table(path, fmt, file)
    if fmt in (Format.CSV, Format.XLSX) and is_kobo_header(table.frame.columns, form.multiple):
        table = normalise_kobo(table, form, file)
        fmt = Format.KOBO if fmt is Format.CSV else fmt
    if fmt in (Format.SAV, Format.DTA):
        table = _indicators_to_split(table, form)
    text, problems = prepare(table, form, file)
    return ReadResult(text, typed(text, form), fmt, problems)
