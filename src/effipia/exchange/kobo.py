"""KoboToolbox CSV exports of the shipped form → the codebook's column names and codes.

A Kobo export (KPI/formpack) differs from the codebook layout in four ways, all
undone here: submission metadata columns (``start``, ``end``, ``_id``, ``_uuid``,
``_submission_time``, ``_validation_status``, ``_notes``, ``_status``,
``_submitted_by``, ``__version__``, ``_tags``, ``_index``…); group prefixes when
"include groups in headers" is ticked (``grp_dyn/dyn_1``); ``select_multiple``
questions exported as a summary column plus one ``question/choice`` column of 1/0
per choice (these split columns are then joined by :mod:`effipia.exchange.coerce`);
and, with the "labels" export option, question labels as headers and choice
labels as values, which are mapped back to names through the questionnaire.
"""

from __future__ import annotations

import polars as pl

from effipia.errors import Problem
from effipia.exchange.detect import KOBO_METADATA
from effipia.exchange.form import FormView
from effipia.exchange.tables import ROW, TextTable

__all__ = ["normalise_kobo", "split_labels"]


def _is_metadata(name: str) -> bool:
    return name in KOBO_METADATA or name.startswith("_") or name.startswith(("meta/", "formhub/"))


def _column_name(header: str, form: FormView, by_label: dict[str, str]) -> str:
    """Codebook name of a Kobo header (``group/…/name``, ``…/item/choice``, or labels).

    A header that cannot be resolved is returned unchanged, so that validation reports
    it as an unknown column.
    """
    known = set(form.columns)

    def resolve(text: str) -> str | None:
        if text in known:
            return text
        if text in by_label:
            return by_label[text]
        last = text.rsplit("/", 1)[-1]
        return last if last in known else None

    found = resolve(header)
    if found is not None:
        return found
    parts = header.split("/")
    for cut in range(len(parts) - 1, 0, -1):
        item = resolve("/".join(parts[:cut]))
        if item in form.multiple:
            choice = "/".join(parts[cut:])
            names = form.choices.get(item, {})
            if choice not in names:
                choice = next((n for n, label in names.items() if label == choice), choice)
            return f"{item}/{choice}"
    return header


def split_labels(value: str, labels: dict[str, str]) -> list[str] | None:
    """Choice names whose labels, joined by spaces, spell ``value`` (``None`` if impossible).

    Kobo's "labels" export joins the labels of a ``select_multiple`` answer with
    spaces, and labels contain spaces themselves: the split is found by dynamic
    programming over the known labels.
    """
    by_label = {label: name for name, label in labels.items()}
    n = len(value)
    best: list[list[str] | None] = [None] * (n + 1)
    best[0] = []
    for start in range(n + 1):
        if best[start] is None or (start and value[start - 1] != " "):
            continue
        for label, name in by_label.items():
            end = start + len(label)
            if value.startswith(label, start) and (end == n or value[end] == " "):
                if best[end if end == n else end + 1] is None:
                    best[end if end == n else end + 1] = best[start] + [name]
    return best[n]


def _label_values(frame: pl.DataFrame, form: FormView) -> pl.DataFrame:
    """Replace choice labels by choice names where a column holds labels (labels export)."""
    updates = []
    for column in frame.columns:
        choices = form.choices.get(column)
        if not choices or frame[column].drop_nulls().is_in(list(choices)).all():
            continue
        if column in form.multiple:
            def convert(value: str, choices: dict[str, str] = choices) -> str:
                if set(value.split()) <= set(choices):
                    return value
                found = split_labels(value, choices)
                return " ".join(found) if found is not None else value

            updates.append(pl.col(column).map_elements(convert, return_dtype=pl.String))
        else:
            updates.append(pl.col(column).replace({label: name for name, label in choices.items()}))
    return frame.with_columns(updates) if updates else frame


def _labels_to_names(form: FormView) -> dict[str, str]:
    """Header label → column name, for labels unique in the form (alone or « group label/label »)."""
    candidates: dict[str, set[str]] = {}
    for name, label in form.labels.items():
        if not label:
            continue
        candidates.setdefault(label, set()).add(name)
        block = form.blocks.get(name)
        if block and block[1]:
            candidates.setdefault(f"{block[1]}/{label}", set()).add(name)
    # A label shared by two questions (« Ressources financières ») cannot name a column.
    return {label: names.pop() for label, names in candidates.items() if len(names) == 1}


def normalise_kobo(table: TextTable, form: FormView, file: str) -> TextTable:
    """Turn a KoboToolbox export read as text into codebook columns and choice names."""
    frame = table.frame
    problems = list(table.problems)
    by_label = _labels_to_names(form)
    keep: dict[str, str] = {}
    for header in frame.columns:
        if header == ROW or _is_metadata(header):
            continue
        name = _column_name(header, form, by_label)
        if name in keep.values():
            problems.append(Problem.at(file, 1, name, "exchange.duplicate_column"))
            continue
        keep[header] = name
    frame = frame.select([pl.col(h).alias(n) for h, n in keep.items()] + [pl.col(ROW)])
    return TextTable(_label_values(frame, form), problems)
