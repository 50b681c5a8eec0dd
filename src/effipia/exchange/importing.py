"""Check a response file against a campaign (all or nothing), write a campaign's responses out.

Plain frames in and out: the store reads and writes are done by the operations layer
(:mod:`effipia.operations.responses`), which gives this module what the store holds.
Import = read (any format) → questionnaire validation (codes, scales, routing,
duplicates, identification columns) → registry checks (campus in the registry;
when the campaign has a partner directory, each respondent is one of its partners,
with the same campus, category, partner type, consortium membership and PIA
involvement wherever both sides have a value; an empty partner type is taken from the
directory) → comparison with the responses already stored
→ the frame to write in one transaction. Every problem is collected first and raised at
once with :class:`~effipia.errors.ValidationFailed`; nothing is written then.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from effipia.errors import EffipiaError, Problem, ValidationFailed
from effipia.exchange.detect import Format
from effipia.exchange.form import FormView, form_view
from effipia.exchange.readers import ROW, read_responses
from effipia.exchange.writers import write_response_file
from effipia.schema import conform

__all__ = [
    "ExportReport",
    "ImportReport",
    "PreparedImport",
    "check_export_target",
    "fill_from_directory",
    "has_campus_registry",
    "prepare_import",
    "registry_problems",
    "write_export",
]


@dataclass(frozen=True)
class ImportReport:
    """What an import did."""

    campaign: str
    file: str
    format: Format
    rows: int
    inserted: int
    replaced: int
    unchanged: int
    created_campaign: bool
    registered_campuses: int = 0


@dataclass(frozen=True)
class PreparedImport:
    """A checked response file: the frame to store, and the campuses to register with it."""

    file: str
    format: Format
    responses: pl.DataFrame
    new_campuses: pl.DataFrame | None


@dataclass(frozen=True)
class ExportReport:
    """What an export wrote."""

    campaign: str
    path: Path
    format: Format
    rows: int
    columns: int


def _questionnaire(questionnaire: Any) -> Any:
    if questionnaire is not None:
        return questionnaire
    from effipia.questionnaire import load_questionnaire

    return load_questionnaire()


#: Directory columns a response must agree with (when both sides have a value), and the
#: message of a disagreement.
_DIRECTORY_CHECKS = {
    "campus_id": "exchange.partner_campus",
    "category": "exchange.partner_category",
    "partner_type": "exchange.partner_value",
    "consortium": "exchange.partner_value",
    "pia_concerned": "exchange.partner_value",
}


def _has_directory(frame: pl.DataFrame, partners: pl.DataFrame | None) -> bool:
    return partners is not None and partners.height > 0 and "respondent_id" in frame.columns


def registry_problems(frame: pl.DataFrame, campuses: pl.DataFrame, partners: pl.DataFrame | None, file: str) -> list[Problem]:
    """Problems of respondents against the registry.

    Each ``campus_id`` must be a registry campus when the store has a campus registry
    (see :func:`has_campus_registry`; without one the file came on its own: its campuses
    are accepted and registered with the import, see :func:`prepare_import`). With a non-empty partner directory,
    each ``respondent_id`` must be a partner, and its campus, category, partner type,
    consortium membership and PIA involvement must agree with the directory wherever
    both the file and the directory have a value (one problem per cell); without one,
    respondents are accepted from their identification columns.
    """
    problems: list[Problem] = []
    known = set(campuses["campus_id"].to_list()) if has_campus_registry(campuses) else set()
    columns = [c for c in (ROW, "respondent_id", *_DIRECTORY_CHECKS) if c in frame.columns]
    rows = frame.select(columns).rows(named=True)
    for row in rows:
        campus = row.get("campus_id")
        if known and campus is not None and campus not in known:
            problems.append(Problem.at(file, row[ROW], "campus_id", "exchange.unknown_campus", campus=campus))
    if not _has_directory(frame, partners):
        return problems
    directory = {p["partner_id"]: p for p in partners.select("partner_id", *_DIRECTORY_CHECKS).rows(named=True)}
    for row in rows:
        respondent = row["respondent_id"]
        if respondent is None:
            continue
        partner = directory.get(respondent)
        if partner is None:
            problems.append(Problem.at(file, row[ROW], "respondent_id", "exchange.not_a_partner", respondent=respondent))
            continue
        for column, code in _DIRECTORY_CHECKS.items():
            value, expected = row.get(column), partner[column]
            if value is not None and expected is not None and value != expected:
                shown = {"value": value} if code == "exchange.partner_value" else {}
                problems.append(
                    Problem.at(file, row[ROW], column, code, respondent=respondent, expected=expected, **shown)
                )
    return problems


def fill_from_directory(frame: pl.DataFrame, partners: pl.DataFrame | None) -> pl.DataFrame:
    """Empty ``partner_type`` cells of a file that has the column, filled with the partner's
    type in the directory. ``consortium`` and ``pia_concerned`` are answers to questions:
    an empty cell stays « no answer » (and « not asked » for the group ``autre``)."""
    if not _has_directory(frame, partners) or "partner_type" not in frame.columns:
        return frame
    types = partners.select(pl.col("partner_id").alias("respondent_id"), pl.col("partner_type").alias("__directory__"))
    return (
        frame.join(types, on="respondent_id", how="left", maintain_order="left")
        .with_columns(pl.coalesce("partner_type", "__directory__").alias("partner_type"))
        .drop("__directory__")
    )


def _conflicts(frame: pl.DataFrame, existing: pl.DataFrame, file: str) -> list[Problem]:
    """Respondents already stored with different answers, compared over the file's columns
    only (a block absent from the file keeps its stored answers, so it cannot conflict)."""
    if existing.height == 0 or "respondent_id" not in frame.columns:
        return []
    compare = [c for c in frame.columns if c not in (ROW, "respondent_id")]
    if not compare:
        return []
    stored = conform(existing, {c: frame.schema[c] for c in ["respondent_id", *compare]})
    both = frame.join(stored, on="respondent_id", how="inner", suffix="__old")
    differs = both.filter(pl.any_horizontal([~pl.col(c).eq_missing(pl.col(f"{c}__old")) for c in compare]))
    return [
        Problem.at(file, line, "respondent_id", "exchange.conflict", respondent=respondent)
        for line, respondent in differs.select(ROW, "respondent_id").rows()
    ]


def prepare_import(
    path: str | Path,
    *,
    campuses: pl.DataFrame,
    partners: pl.DataFrame | None = None,
    stored: pl.DataFrame | None = None,
    replace: bool = False,
    questionnaire: Any = None,
) -> PreparedImport:
    """Validate the response file ``path`` completely against what the campaign holds.

    ``campuses``: the store's campus registry; ``partners``: the campaign's directory
    (``None`` for a new campaign); ``stored``: its responses (``None`` for a new campaign).
    A respondent already stored with different answers is a problem unless ``replace``.
    The merge is by column: a block absent from the file keeps the stored answers of the
    respondents it names, a block present with empty cells stores « no answer ».
    Raises :class:`ValidationFailed` with every problem.
    """
    q = _questionnaire(questionnaire)
    form = form_view(q)
    file = str(path)
    read = read_responses(path, form, file)
    frame = read.frame
    problems = list(read.problems)
    if frame.height == 0:
        problems.append(Problem.at(file, None, None, "exchange.no_rows"))
    problems += q.validate(read.text, file)
    problems += registry_problems(frame, campuses, partners, file)
    frame = fill_from_directory(frame, partners)
    if stored is not None and not replace:
        problems += _conflicts(frame, stored, file)
    if problems:
        raise ValidationFailed(problems)
    data = _canonical(frame.drop(ROW), form)
    new_campuses = None if has_campus_registry(campuses) else _campuses_from_file(data, campuses)
    return PreparedImport(file=file, format=read.format, responses=data, new_campuses=new_campuses)


def has_campus_registry(campuses: pl.DataFrame) -> bool:
    """Whether the store holds a campus registry proper (imported or generated), not only
    the id-only rows registered from response files received on their own: those files
    often come one per campus, and the second must not be refused for naming a new campus."""
    if campuses.height == 0:
        return False
    details = [c for c in campuses.columns if c not in ("campus_id", "name")]
    registered_from_file = (pl.col("name") == pl.col("campus_id")) & pl.all_horizontal(
        [pl.col(c).is_null() for c in details] or [pl.lit(True)]
    )
    return campuses.filter(~registered_from_file).height > 0


def _campuses_from_file(data: pl.DataFrame, stored: pl.DataFrame) -> pl.DataFrame | None:
    """Minimal registry rows (id, name = id) for the campuses of a file received on its own
    that the store does not hold yet (``None`` if there are none)."""
    held = set(stored.get_column("campus_id").to_list())
    ids = sorted(set(data.get_column("campus_id").drop_nulls().to_list()) - held)
    return pl.DataFrame({"campus_id": ids, "name": ids}, schema={"campus_id": pl.String, "name": pl.String}) if ids else None


def _canonical(frame: pl.DataFrame, form: FormView) -> pl.DataFrame:
    """The file's identification and item columns, typed, in layout order. Columns absent
    from the file stay absent: the store keeps what it holds for them (merge by column)."""
    return conform(frame, {c: form.dtype(c) for c in form.columns if c in frame.columns})


def _export_format(fmt: Format | str) -> Format:
    try:
        found = Format(fmt)
    except ValueError:
        found = None
    if found in (None, Format.KOBO):
        raise EffipiaError("exchange.unknown_export_format", format=str(fmt))
    return found


def check_export_target(path: str | Path, fmt: Format | str) -> Format:
    """The export format ``fmt`` (csv, xlsx, parquet, sav, dta), checked with the folder of
    ``path`` before anything is read (French errors)."""
    found = _export_format(fmt)
    if not Path(path).parent.is_dir():
        raise EffipiaError("generic.folder_missing", path=str(Path(path).parent))
    return found


def write_export(
    frame: pl.DataFrame,
    path: str | Path,
    fmt: Format | str,
    campaign: str,
    *,
    extra: pl.DataFrame | None = None,
    extra_labels: dict[str, str] | None = None,
    questionnaire: Any = None,
) -> ExportReport:
    """Write the responses ``frame`` of ``campaign`` to ``path`` as ``fmt``.

    ``extra`` / ``extra_labels``: derived columns keyed by ``respondent_id`` (e.g. scores)
    added after the answers (see :func:`~effipia.exchange.writers.write_response_file`).
    """
    fmt = check_export_target(path, fmt)
    form = form_view(_questionnaire(questionnaire))
    written = write_response_file(frame, path, fmt, form=form, extra=extra, extra_labels=extra_labels)
    columns = frame.width + (extra.width - 1 if extra is not None else 0)
    return ExportReport(campaign=campaign, path=written, format=fmt, rows=frame.height, columns=columns)
