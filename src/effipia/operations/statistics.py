"""Compute the statistics set of a campaign (``effipia compute``, the demo, the web, reports)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from effipia.operations.results import OperationResult, write_warnings

if TYPE_CHECKING:
    import polars as pl

    from effipia.store import Store

__all__ = ["StatisticsSet", "compute_statistics", "write_statistics_set", "disclosure_minimum"]


@dataclass(frozen=True)
class StatisticsSet:
    """The statistics set of one campaign, the campuses it names and the files written."""

    campaign: str
    statistics: "pl.DataFrame"
    campuses: "pl.DataFrame"
    min_n: int
    headline: list[str] = field(default_factory=list)
    files: tuple[Path, ...] = ()

    @property
    def suppressed(self) -> int:
        """Rows not published (count below the minimum, or secondary suppression)."""
        return int(self.statistics["suppressed"].sum()) if self.statistics.height else 0


def disclosure_minimum(min_n: int | None = None) -> int:
    """``min_n`` if given, else the setting ``disclosure_min`` (``EFFIPIA_DISCLOSURE_MIN``)."""
    if min_n is not None:
        return min_n
    from effipia.settings import get_settings

    return get_settings().disclosure_min


def compute_statistics(
    store: "Store",
    campaign: str | None = None,
    *,
    out: str | Path | None = None,
    min_n: int | None = None,
    **options: Any,
) -> OperationResult[StatisticsSet]:
    """Every statistic of ``campaign`` (optional when the store holds one) from the store.

    ``min_n``: disclosure minimum (default: the setting ``disclosure_min``); ``options``:
    passed to :func:`effipia.analysis.compute` (``weights``, ``calibration``, ``cluster``,
    ``strata``, ``scoring``, ``model_controls``, ``include``…). With ``out``, writes
    ``statistics.parquet``, ``statistics.csv`` and ``warnings.csv`` there. The warnings of
    the set (empty calibration cells, campuses below the minimum, registers not answered,
    a model not fitted, a producer that could not run) are in the result.
    """
    from effipia.analysis.compute import compute, headline

    minimum = disclosure_minimum(min_n)
    name = store.resolve_campaign(campaign)
    responses = store.responses(name)
    partners = store.partners(name)
    invitations = store.invitations(name)
    campuses = store.campuses()
    warnings: list = []
    statistics = compute(
        responses,
        partners=partners,
        invitations=invitations,
        campuses=campuses,
        min_n=minimum,
        warnings=warnings,
        **options,
    )
    result = StatisticsSet(
        campaign=name,
        statistics=statistics,
        campuses=campuses,
        min_n=minimum,
        headline=headline(statistics, campuses=campuses),
    )
    operation = OperationResult(result, warnings=warnings)
    if out is not None:
        operation.value = write_statistics_set(operation, out)
    return operation


def write_statistics_set(result: OperationResult[StatisticsSet], out: str | Path) -> StatisticsSet:
    """Write ``statistics.parquet``, ``statistics.csv`` and ``warnings.csv`` (columns
    ``code``, ``message``, then the identifying fields; header only when there is nothing to
    say) into ``out``; returns the set with its ``files``."""
    from dataclasses import replace

    from effipia.analysis.compute import write_statistics

    parquet, csv = write_statistics(result.value.statistics, out)
    warnings = write_warnings(result.warnings, Path(out) / "warnings.csv")
    return replace(result.value, files=(parquet, csv, warnings))
