"""Validation of a response frame against the questionnaire (every problem at once).

Checks, all vectorised with Polars: identification columns present, no unknown
column, required values present, integer codes within their scale, text codes
known, ``select_multiple`` choices known, offered to the respondent's group
(``choice_filter``) and not more than the constraint allows, no answer where the
routing skips the question, no duplicate respondent. Registry checks (unknown
campus, respondent not in the directory) belong to the exchange stage.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from effipia.errors import Problem
from effipia.questionnaire import routing
from effipia.questionnaire.model import Item, Questionnaire

__all__ = ["ROW_COLUMN", "validate_frame"]

#: Optional column holding the line number of each row in the user's file.
ROW_COLUMN = "__row__"
_ID_COLUMN = "respondent_id"


@dataclass
class _Check:
    """A boolean mask over the typed frame and the problem each hit raises."""

    mask: pl.Expr
    column: str
    code: str
    params: Callable[[int, str | None], dict]  # (row index, raw text) → message params


def _text(expr: pl.Expr) -> pl.Expr:
    """The value as stripped text, blanks as null."""
    text = expr.cast(pl.String).str.strip_chars()
    return pl.when(text == "").then(None).otherwise(text)


def _parsed(frame: pl.DataFrame, items: list[Item]) -> pl.DataFrame:
    """Each value parsed once: integer-coded items as Float64 (with a « present » flag), others as text.

    Text columns are parsed as they are first; only columns where some value
    failed are parsed again after stripping spaces (stripping costs more than parsing).
    """
    exprs, padded = [], []
    for item in items:
        col, dtype = pl.col(item.name), frame.schema[item.name]
        if item.integer_coded:
            if dtype.is_numeric():
                number, present = col.cast(pl.Float64), col.is_not_null()
            else:
                text = col.cast(pl.String)
                number, present = text.cast(pl.Float64, strict=False), text.is_not_null() & (text != "")
                padded.append(item.name)
            exprs += [number.alias(item.name), present.alias(f"__present__{item.name}")]
        else:
            exprs.append(_text(col).alias(item.name))
    parsed = frame.lazy().select(exprs).collect()
    if padded:
        failed = parsed.select(
            [(pl.col(f"__present__{n}") & pl.col(n).is_null()).any().alias(n) for n in padded]
        ).row(0, named=True)
        retry = [n for n in padded if failed[n]]
        if retry:
            stripped = frame.lazy().select([_text(pl.col(n)).alias(n) for n in retry]).collect()
            parsed = parsed.with_columns(
                [stripped[n].cast(pl.Float64, strict=False).alias(n) for n in retry]
                + [stripped[n].is_not_null().alias(f"__present__{n}") for n in retry]
            )
    return parsed


def _typed(parsed: pl.DataFrame, items: list[Item]) -> pl.DataFrame:
    """Integer codes as Int64 (non-integers blank, flagged in ``__bad__<name>``); text unchanged."""
    exprs = []
    for item in items:
        if item.integer_coded:
            number, present = pl.col(item.name), pl.col(f"__present__{item.name}")
            # inf and numbers past 2**53 are no exact integer codes (and would not cast to Int64).
            unfit = number.is_nan() | number.is_infinite() | (number.abs() >= 2.0**53)
            bad = present & (number.is_null() | unfit | (number != number.floor())).fill_null(True)
            exprs += [
                pl.when(bad).then(None).otherwise(number).cast(pl.Int64).alias(item.name),
                bad.alias(f"__bad__{item.name}"),
                present,
            ]
        else:
            exprs.append(pl.col(item.name))
    return parsed.lazy().select(exprs).collect()


def validate_frame(q: Questionnaire, frame: pl.DataFrame, file: str) -> list[Problem]:
    """Return every problem of ``frame`` (a response frame) against questionnaire ``q``.

    Row numbers are those of the user's file: taken from a ``__row__`` column
    when present, else header = line 1 and first data row = line 2. Problems come
    sorted by row (whole-file problems first), then by the column's place in the file.
    """
    problems: list[Problem] = []
    known = {item.name for item in q.items}
    for column in frame.columns:
        if column not in known and column != ROW_COLUMN:
            problems.append(Problem.at(file, None, column, "questionnaire.unknown_column", column=column))
    missing = [c for c in q.required_columns if c not in frame.columns]
    for column in missing:
        problems.append(Problem.at(file, None, column, "questionnaire.missing_id_column", column=column))

    rows = frame[ROW_COLUMN].cast(pl.Int64).to_list() if ROW_COLUMN in frame.columns else list(range(2, frame.height + 2))
    present = [item for item in q.items if item.name in frame.columns]
    typed = _typed(_parsed(frame, present), present)

    checks: list[_Check] = []
    for item in present:
        col = pl.col(item.name)
        if item.integer_coded:
            checks.append(
                _Check(pl.col(f"__bad__{item.name}"), item.name, "questionnaire.non_integer", lambda i, raw: {"value": raw})
            )
            shown = ", ".join(item.codes)
            checks.append(
                _Check(
                    (col.is_not_null() & ~col.is_in([int(c) for c in item.codes])).fill_null(False),
                    item.name,
                    "questionnaire.out_of_scale",
                    lambda i, raw, item=item, shown=shown: {"value": raw, "list_name": item.list_name, "codes": shown},
                )
            )
        elif item.type == "select_one" and item.choices:
            shown = ", ".join(item.codes)
            checks.append(
                _Check(
                    (col.is_not_null() & ~col.is_in(item.codes)).fill_null(False),
                    item.name,
                    "questionnaire.unknown_code",
                    lambda i, raw, shown=shown: {"value": raw, "codes": shown},
                )
            )
        if item.required and item.block is None:
            blank = ~pl.col(f"__present__{item.name}") if item.integer_coded else col.is_null()
            checks.append(_Check(blank, item.name, "questionnaire.empty_required", lambda i, raw: {}))

    if _ID_COLUMN in frame.columns:
        rid = pl.col(_ID_COLUMN)
        checks.append(
            _Check(
                (rid.is_not_null() & ~rid.is_first_distinct()).fill_null(False),
                _ID_COLUMN,
                "questionnaire.duplicate_respondent",
                lambda i, raw: {"value": raw, "first": first_row[raw]},
            )
        )

    # Routing is evaluated on the typed values; it needs the columns it refers to.
    asked = q.asked_exprs(typed.schema, [item.name for item in present])
    routing_ok = not (set(missing) & q.routing_references)
    if routing_ok:
        for item in present:
            if item.relevant:
                checks.append(
                    _Check(
                        ~asked[item.name] & pl.col(item.name).is_not_null(),
                        item.name,
                        "questionnaire.not_asked",
                        lambda i, raw, item=item: {"value": raw, "relevant": item.relevant},
                    )
                )

    masks = typed.lazy().select([c.mask.alias(f"__check_{k}") for k, c in enumerate(checks)]).collect() if checks else None
    first_row: dict[str, int] = {}
    for k, check in enumerate(checks):
        hits = masks[f"__check_{k}"]
        if not hits.any():
            continue
        indices = hits.arg_true().to_list()
        if check.code == "questionnaire.duplicate_respondent":
            firsts = typed.select(pl.col(_ID_COLUMN), pl.int_range(pl.len()).alias("i")).filter(
                pl.col(_ID_COLUMN).is_duplicated() & pl.col(_ID_COLUMN).is_first_distinct()
            )
            first_row.update({v: rows[i] for v, i in firsts.iter_rows()})
        raw = _raw(frame, check.column, indices)
        for index, text in zip(indices, raw, strict=True):
            problems.append(Problem.at(file, rows[index], check.column, check.code, **check.params(index, text)))

    for item in present:
        if item.type == "select_multiple" and routing_ok:
            problems.extend(_multiple(q, item, frame, typed.lazy(), asked, rows, file))

    order = {c: k for k, c in enumerate(frame.columns)}
    return sorted(problems, key=lambda p: (p.row or 0, order.get(p.column or "", -1), p.code, p.params))


def _raw(frame: pl.DataFrame, column: str, indices: list[int]) -> list[str | None]:
    series = frame[column].gather(indices)
    if series.dtype.is_float():
        return [None if v is None else (str(int(v)) if v == int(v) else repr(v)) if v == v else "NaN" for v in series.to_list()]
    return series.cast(pl.String).str.strip_chars().to_list()


def _multiple(
    q: Questionnaire,
    item: Item,
    frame: pl.DataFrame,
    typed: pl.LazyFrame,
    asked: dict[str, pl.Expr],
    rows: list[int],
    file: str,
) -> list[Problem]:
    """Choices of a ``select_multiple`` column: known, offered to the group, not too many."""
    codes = set(item.codes)
    needed = sorted(routing.references(routing.parse(item.choice_filter, allow_bare=True))) if item.choice_filter else []
    context = [c for c in needed if c in frame.columns]
    exploded = (
        typed.with_row_index("__index__")
        .select(
            "__index__",
            asked[item.name].alias("__asked__"),
            *[pl.col(c) for c in context],
            pl.col(item.name).str.split(" ").list.eval(pl.element().filter(pl.element() != "")).alias("__choice__"),
        )
        .filter(pl.col("__choice__").list.len() > 0)
        .collect()
    )
    problems: list[Problem] = []
    if item.max_choices is not None:
        over = exploded.filter(pl.col("__choice__").list.len() > item.max_choices)
        for index, choices in zip(over["__index__"].to_list(), over["__choice__"].to_list(), strict=True):
            problems.append(
                Problem.at(
                    file, rows[index], item.name, "questionnaire.too_many_choices",
                    count=len(choices), max=item.max_choices,
                )
            )
    long = exploded.explode("__choice__")
    unknown = long.filter(~pl.col("__choice__").is_in(sorted(codes)))
    for index, choice in zip(unknown["__index__"].to_list(), unknown["__choice__"].to_list(), strict=True):
        problems.append(
            Problem.at(file, rows[index], item.name, "questionnaire.unknown_choice", value=choice, list_name=item.list_name)
        )
    if item.choice_filter and context == needed:  # the group list needs the answers the filter reads
        candidates = long.filter(pl.col("__choice__").is_in(sorted(codes)) & pl.col("__asked__")).drop_nulls(context)
        combos = candidates.select(context).unique()
        offered = [
            {**combo, "__choice__": choice.code}
            for combo in combos.to_dicts()
            for choice in q.choices_for(item.name, **{k: str(v) for k, v in combo.items()})
        ]
        allowed = pl.DataFrame(offered, schema={**{c: candidates.schema[c] for c in context}, "__choice__": pl.String})
        wrong = candidates.join(allowed, on=[*context, "__choice__"], how="anti")
        for record in wrong.to_dicts():
            group = " ".join(str(record[c]) for c in context)
            problems.append(
                Problem.at(
                    file, rows[record["__index__"]], item.name, "questionnaire.choice_not_in_group",
                    value=record["__choice__"], group=group,
                )
            )
    return problems
