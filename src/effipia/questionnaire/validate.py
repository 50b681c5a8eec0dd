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
    mask: pl.Expr
    column: str
    code: str
    params: Callable[[int, str | None], dict]  # (row index, raw text) → message params


def _blank(expr: pl.Expr) -> pl.Expr:
    return expr.is_null() | (expr.cast(pl.String).str.strip_chars() == "")


def _text(expr: pl.Expr) -> pl.Expr:
    """The value as stripped text, blanks as null."""
    text = expr.cast(pl.String).str.strip_chars()
    return pl.when(text == "").then(None).otherwise(text)


def _integer(expr: pl.Expr, dtype: pl.DataType) -> tuple[pl.Expr, pl.Expr]:
    """(value as Int64 or null, mask of present values that are not integers)."""
    if dtype.is_integer():
        return expr.cast(pl.Int64), pl.lit(False)
    number = expr.cast(pl.Float64, strict=False) if dtype.is_float() else _text(expr).cast(pl.Float64, strict=False)
    present = ~_blank(expr)
    bad = present & (number.is_null() | number.is_nan() | (number != number.floor()))
    return pl.when(bad).then(None).otherwise(number).cast(pl.Int64), bad.fill_null(False)


def validate_frame(q: Questionnaire, frame: pl.DataFrame, file: str) -> list[Problem]:
    """Return every problem of ``frame`` (a response frame) against questionnaire ``q``.

    Row numbers are those of the user's file: taken from a ``__row__`` column
    when present, else header = line 1 and first data row = line 2.
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
    schema = frame.schema

    # Typed values for routing: integer codes as Int64 (invalid → blank), others as stripped text.
    clean: dict[str, pl.Expr] = {}
    checks: list[_Check] = []
    for item in present:
        col = pl.col(item.name)
        if item.integer_coded:
            value, non_integer = _integer(col, schema[item.name])
            clean[item.name] = value
            checks.append(_Check(non_integer, item.name, "questionnaire.non_integer", lambda i, raw: {"value": raw}))
            codes = [int(c) for c in item.codes]
            shown = ", ".join(item.codes)
            checks.append(
                _Check(
                    (value.is_not_null() & ~value.is_in(codes)).fill_null(False),
                    item.name,
                    "questionnaire.out_of_scale",
                    lambda i, raw, item=item, shown=shown: {"value": raw, "list_name": item.list_name, "codes": shown},
                )
            )
        else:
            clean[item.name] = _text(col)
            if item.type == "select_one" and item.choices:
                shown = ", ".join(item.codes)
                checks.append(
                    _Check(
                        (clean[item.name].is_not_null() & ~clean[item.name].is_in(item.codes)).fill_null(False),
                        item.name,
                        "questionnaire.unknown_code",
                        lambda i, raw, shown=shown: {"value": raw, "codes": shown},
                    )
                )
        if item.required and item.block is None:
            checks.append(_Check(_blank(col), item.name, "questionnaire.empty_required", lambda i, raw: {}))

    if _ID_COLUMN in frame.columns:
        rid = _text(pl.col(_ID_COLUMN))
        checks.append(
            _Check(
                (rid.is_not_null() & (pl.int_range(pl.len()).over(rid) > 0)).fill_null(False),
                _ID_COLUMN,
                "questionnaire.duplicate_respondent",
                lambda i, raw: {"value": raw, "first": first_row[raw]},
            )
        )

    # Routing is evaluated on the typed values; it needs the respondent's group.
    typed = frame.lazy().select([expr.alias(name) for name, expr in clean.items()]).collect().lazy()
    asked = q.asked_exprs(typed.collect_schema(), [item.name for item in present])
    routed_checks: list[_Check] = []
    routing_ok = not (set(missing) & q.routing_references)
    if routing_ok:
        for item in present:
            if not item.relevant:
                continue
            routed_checks.append(
                _Check(
                    (~asked[item.name] & pl.col(item.name).is_not_null()),
                    item.name,
                    "questionnaire.not_asked",
                    lambda i, raw, item=item: {"value": raw, "relevant": item.relevant},
                )
            )

    parts = []
    if checks:
        parts.append(frame.lazy().select([c.mask.alias(f"__check_{k}") for k, c in enumerate(checks)]).collect())
    if routed_checks:
        parts.append(
            typed.select([c.mask.alias(f"__check_{k}") for k, c in enumerate(routed_checks, len(checks))]).collect()
        )
    masks = pl.concat(parts, how="horizontal") if parts else pl.DataFrame()
    checks = checks + routed_checks
    first_row: dict[str, int] = {}
    if _ID_COLUMN in frame.columns:
        ids = frame[_ID_COLUMN].cast(pl.String).str.strip_chars().to_list()
        for index, value in enumerate(ids):
            if value is not None:
                first_row.setdefault(value, rows[index])
    for k, check in enumerate(checks):
        hits = masks[f"__check_{k}"]
        if not hits.any():
            continue
        indices = hits.arg_true().to_list()
        raw = _raw(frame, check.column, indices)
        for index, text in zip(indices, raw, strict=True):
            problems.append(Problem.at(file, rows[index], check.column, check.code, **check.params(index, text)))

    for item in present:
        if item.type == "select_multiple" and routing_ok:
            problems.extend(_multiple(q, item, frame, typed, asked, rows, file))

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
    context = sorted(routing.references(routing.parse(item.choice_filter, allow_bare=True))) if item.choice_filter else []
    context = [c for c in context if c in frame.columns]
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
                Problem.at(file, rows[index], item.name, "questionnaire.too_many_choices", count=len(choices), max=item.max_choices)
            )
    long = exploded.explode("__choice__")
    unknown = long.filter(~pl.col("__choice__").is_in(sorted(codes)))
    for index, choice in zip(unknown["__index__"].to_list(), unknown["__choice__"].to_list(), strict=True):
        problems.append(
            Problem.at(file, rows[index], item.name, "questionnaire.unknown_choice", value=choice, list_name=item.list_name)
        )
    if item.choice_filter and context == sorted(routing.references(routing.parse(item.choice_filter, allow_bare=True))):
        candidates = long.filter(pl.col("__choice__").is_in(sorted(codes)) & pl.col("__asked__"))
        combos = candidates.select(context).unique().drop_nulls()
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
