"""Write the reports of a campaign (``effipia report``, the demo, the web)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from effipia.operations.results import OperationResult, Warning

if TYPE_CHECKING:
    import polars as pl

    from effipia.report import ReportFiles
    from effipia.store import Store

__all__ = ["write_reports", "report_context"]


def _collection_dates(store: "Store", campaign: str) -> str:
    """« du 3 mars 2025 au 18 avril 2025 » from the responses' submission dates, when known."""
    try:
        responses = store.responses(campaign)
    except Exception:
        return ""
    for column in ("submitted_at", "submission_time", "end", "date"):
        if column in responses.columns and responses[column].drop_nulls().len():
            from babel.dates import format_date

            values = responses[column].drop_nulls()
            try:
                first, last = values.min(), values.max()
                return f"du {format_date(first, 'd MMMM y', locale='fr_FR')} au {format_date(last, 'd MMMM y', locale='fr_FR')}"
            except (TypeError, ValueError, AttributeError):
                return ""
    return ""


def _territories(store: "Store", campaign: str) -> Any:
    """The campaign's territories for Illustration 2 (the same operation as ``effipia map``,
    without an Annuaire file: lycées at their commune centre), or ``None`` when they cannot
    be built (no campus in the store): the report then says so in French."""
    from effipia.errors import EffipiaError
    from effipia.operations.territories import build_territories

    try:
        return build_territories(store, campaign).value
    except EffipiaError:
        return None


def report_context(store: "Store", campaign: str, *, min_n: int, weights: str = "none", warnings: Sequence[Warning] = (), templates: str | Path | None = None) -> Any:
    """The :class:`effipia.report.Context` of a campaign: registry, interviews, settings."""
    from effipia.report import Context, load_texts
    from effipia.settings import get_settings

    interviews = store.interviews(campaign) if hasattr(store, "interviews") else None
    return Context(
        territories=_territories(store, campaign),
        campaign=campaign,
        texts=load_texts(templates),
        campuses=store.campuses(),
        interviews=interviews,
        min_n=min_n,
        authors=get_settings().report_authors,
        dates=_collection_dates(store, campaign),
        weights=weights,
        warnings=[w.message for w in warnings],
    )


def write_reports(
    store: "Store",
    campaign: str | None = None,
    *,
    out: str | Path,
    campuses: Sequence[str] | None = None,
    statistics_file: str | Path | None = None,
    min_n: int | None = None,
    pdf: bool = True,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    statistics: "pl.DataFrame | None" = None,
    statistics_warnings: Sequence[Warning] = (),
    **compute_options: Any,
) -> OperationResult["ReportFiles"]:
    """The national report and the campus reports of ``campaign`` into ``out``.

    The statistics set is read from ``statistics_file`` (written by ``effipia compute``), or
    taken as given (``statistics``, e.g. by the demo), or else computed by
    :func:`effipia.operations.statistics.compute_statistics` (the same operation as
    ``effipia compute``); no report recomputes a figure. Campuses refused (fewer respondents
    than the disclosure minimum, unknown) are in the warnings, with the reason in French.
    """
    from effipia.operations.statistics import compute_statistics, disclosure_minimum
    from effipia.report import read_statistics
    from effipia.report import write_reports as write

    minimum = disclosure_minimum(min_n)
    name = store.resolve_campaign(campaign)
    warnings: list[Warning] = list(statistics_warnings)
    if statistics is None and statistics_file is not None:
        statistics = read_statistics(statistics_file)
    elif statistics is None:
        computed = compute_statistics(store, name, min_n=minimum, **compute_options)
        statistics, warnings = computed.value.statistics, list(computed.warnings)
    ctx = report_context(store, name, min_n=minimum, weights=compute_options.get("weights", "none"), warnings=warnings)
    files = write(statistics, out, ctx, campuses=campuses, pdf=pdf, workers=workers, progress=progress)
    result = OperationResult(files, warnings=list(warnings))
    result.extend(Warning.of("report.refused_campus", campus=c, reason=reason) for c, reason in files.refused.items())
    return result
