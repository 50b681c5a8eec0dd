"""Write a response frame as CSV, XLSX, Parquet, SPSS ``.sav`` or Stata ``.dta``.

Every writer keeps the codebook's column names and answer codes, so that each file
re-imports to the same frame. XLSX adds a sheet of labels (questions and answer
codes); SAV and DTA carry variable labels (question wording) and value labels
(answer wording) from the questionnaire, plus one 0/1 indicator per choice after each
``select_multiple`` column so that R, SAS, SPSS or Stata users can tabulate choices
directly (the space-separated column stays the reference on re-import).

``extra`` is the hook for derived columns (scores…): a frame keyed by
``respondent_id`` joined to the right of the answers, with optional variable labels.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from effipia.csvsafe import write_csv
from effipia.errors import EffipiaError, message
from effipia.exchange.detect import Format
from effipia.exchange.form import FormView, form_view

__all__ = ["write_response_file", "indicator_names", "STATA_NAME_MAX"]

#: Longest variable names Stata and SPSS accept.
STATA_NAME_MAX = 32
SPSS_NAME_MAX = 64
_LABEL_MAX = {Format.DTA: 80, Format.SAV: 255}


def indicator_names(form: FormView) -> dict[str, dict[str, str]]:
    """Column name of the 0/1 indicator of each choice of each ``select_multiple`` item.

    The choice name itself (a valid Stata/SPSS name), cut to 32 characters; prefixed
    by the item name when it would clash with another column.
    """
    taken = set(form.columns)
    out: dict[str, dict[str, str]] = {}
    for item in sorted(form.multiple):
        names: dict[str, str] = {}
        for choice in form.choices.get(item, {}):
            name = choice[:STATA_NAME_MAX]
            if name in taken:
                name = f"{item}_{choice}"[:STATA_NAME_MAX]
            if name in taken:
                raise ValueError(f"cannot name the indicator of {item}/{choice}")
            taken.add(name)
            names[choice] = name
        out[item] = names
    return out


def _with_extra(frame: pl.DataFrame, extra: pl.DataFrame | None) -> pl.DataFrame:
    if extra is None:
        return frame
    clash = [c for c in extra.columns if c != "respondent_id" and c in frame.columns]
    if clash:
        raise EffipiaError("exchange.extra_conflict", column=clash[0])
    return frame.join(extra, on="respondent_id", how="left", maintain_order="left")


def _labels_rows(frame: pl.DataFrame, form: FormView) -> list[list[object]]:
    """Rows of the labels sheet: a header, then per column its question and its answer codes."""
    rows: list[list[object]] = [[message(f"exchange.labels_{key}") for key in ("column", "question", "code", "answer")]]
    for column in frame.columns:
        rows.append([column, form.labels.get(column, ""), None, None])
        for code, label in form.choices.get(column, {}).items():
            rows.append([column, None, int(code) if code.lstrip("-").isdigit() else code, label])
    return rows


def _write_xlsx(frame: pl.DataFrame, path: Path, form: FormView) -> None:
    # xlsxwriter streams rows to disk (constant_memory) several times faster than openpyxl;
    # text is written as text: no formula or URL made of a cell that starts like one.
    import xlsxwriter

    options = {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    with xlsxwriter.Workbook(str(path), options) as book:
        data = book.add_worksheet(message("exchange.sheet_responses"))
        data.write_row(0, 0, frame.columns)
        # One typed writer per column (no per-cell type dispatch); empty cells are skipped.
        writers = [data.write_string if dtype == pl.String else data.write_number for dtype in frame.dtypes]
        for index, row in enumerate(frame.iter_rows(), start=1):
            for position, (value, write) in enumerate(zip(row, writers)):
                if value is not None:
                    write(index, position, value)
        labels = book.add_worksheet(message("exchange.sheet_labels"))
        for index, row in enumerate(_labels_rows(frame, form)):
            labels.write_row(index, 0, row)


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _stat_frame(frame: pl.DataFrame, form: FormView, fmt: Format, extra_labels: dict[str, str]):
    """The pandas frame, variable labels and value labels handed to pyreadstat."""
    columns: list[pl.Series] = []
    variable_labels: dict[str, str] = {}
    value_labels: dict[str, dict[float, str]] = {}
    indicators = indicator_names(form)
    label_limit = _LABEL_MAX[fmt]
    for column in frame.columns:
        series = frame[column]
        if series.dtype == pl.String:
            columns.append(series.fill_null(""))
        else:
            columns.append(series.cast(pl.Float64))
        label = extra_labels.get(column) or form.labels.get(column)
        if label:
            variable_labels[column] = _short(label, label_limit)
        choices = form.choices.get(column, {})
        if series.dtype != pl.String and choices:
            value_labels[column] = {float(code): label for code, label in choices.items()}
        if column in form.multiple and column in indicators:
            selected = series.fill_null("").str.split(" ")
            for choice, name in indicators[column].items():
                flag = selected.list.contains(choice).cast(pl.Float64)
                columns.append(pl.select(pl.when(series.is_null()).then(None).otherwise(flag)).to_series().alias(name))
                variable_labels[name] = _short(
                    f"{form.labels.get(column, column)} : {choices.get(choice, choice)}", label_limit
                )
                value_labels[name] = {1.0: message("exchange.chosen"), 0.0: message("exchange.not_chosen")}
    limit = STATA_NAME_MAX if fmt is Format.DTA else SPSS_NAME_MAX
    def size(name: str) -> int:  # Stata counts characters, SPSS bytes
        return len(name) if fmt is Format.DTA else len(name.encode("utf-8"))

    too_long = [s.name for s in columns if size(s.name) > limit]
    if too_long:
        code = "exchange.name_too_long" if fmt is Format.DTA else "exchange.name_too_long_spss"
        raise EffipiaError(code, column=too_long[0], limit=limit)
    return pl.DataFrame(columns).to_pandas(), variable_labels, value_labels


def write_response_file(
    frame: pl.DataFrame,
    path: str | Path,
    fmt: Format | str,
    *,
    form: FormView | None = None,
    extra: pl.DataFrame | None = None,
    extra_labels: dict[str, str] | None = None,
) -> Path:
    """Write the response ``frame`` (codebook layout) to ``path`` in format ``fmt``.

    ``extra`` (keyed by ``respondent_id``) adds derived columns after the answers, with
    variable labels from ``extra_labels`` in SAV/DTA. Returns the path written.
    """
    try:
        fmt = Format(fmt)
    except ValueError:
        raise EffipiaError("exchange.unknown_export_format", format=str(fmt)) from None
    if fmt is Format.KOBO:
        raise EffipiaError("exchange.unknown_export_format", format=fmt.value)
    path = Path(path)
    form = form or form_view()
    frame = _with_extra(frame.drop("__row__", strict=False), extra)
    if fmt is Format.CSV:
        write_csv(frame, path)  # text cells a spreadsheet would run as formulas are escaped
    elif fmt is Format.PARQUET:
        frame.write_parquet(path)
    elif fmt is Format.XLSX:
        _write_xlsx(frame, path, form)
    else:
        import pyreadstat

        pdf, variable_labels, value_labels = _stat_frame(frame, form, fmt, extra_labels or {})
        writer = pyreadstat.write_sav if fmt is Format.SAV else pyreadstat.write_dta
        writer(pdf, str(path), column_labels=variable_labels, variable_value_labels=value_labels)
    return path
