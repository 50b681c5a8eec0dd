"""The whole chain on the synthetic 32-campus campaign (``effipia demo``).

Each step is the operation a user would run by hand (:func:`~effipia.operations.synth.generate_campaign`,
:func:`~effipia.operations.statistics.compute_statistics`,
:func:`~effipia.operations.territories.write_territories`), so the demo checks and warns
exactly as they do; the warnings of every step are gathered in the result.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from effipia.operations.results import OperationResult

if TYPE_CHECKING:
    from effipia.operations.statistics import StatisticsSet
    from effipia.operations.synth import SyntheticOutput
    from effipia.operations.territories import TerritoryOutput
    from effipia.report import ReportFiles
    from effipia.store import Store

__all__ = ["DemoOutput", "run_demo"]


@dataclass(frozen=True)
class DemoOutput:
    """What the demo produced, step by step, and the folder holding every file."""

    out: Path
    synthetic: "SyntheticOutput"
    statistics: "StatisticsSet"
    territories: "TerritoryOutput"
    reports: "ReportFiles | None" = None


def run_demo(
    store: "Store", out: str | Path, *, seed: int = 2024, campaign: str = "synthetique", progress=None
) -> OperationResult[DemoOutput]:
    """Generate the synthetic campaign into ``store``, compute its statistics set
    (``out/statistics.*``, ``out/warnings.csv``), its territories (``out/territoires/``) and
    maps (``out/cartes/``), then the reports (``out/rapports/``: national and per campus,
    HTML, PDF, XLSX, figures; ``progress(done, total)`` while the PDFs render)."""
    from effipia.operations.statistics import compute_statistics
    from effipia.operations.synth import generate_campaign
    from effipia.operations.territories import write_territories

    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    synthetic = generate_campaign(store, seed=seed, campaign=campaign, source="effipia demo")
    statistics = compute_statistics(store, campaign, out=folder)
    territories = write_territories(store, campaign, tables=folder / "territoires", maps=folder / "cartes")
    from effipia.operations.reports import write_reports

    reports = write_reports(store, campaign, out=folder / "rapports", statistics=statistics.value.statistics,
                            statistics_warnings=statistics.warnings, min_n=statistics.value.min_n, progress=progress)
    result = OperationResult(
        DemoOutput(out=folder, synthetic=synthetic.value, statistics=statistics.value, territories=territories.value, reports=reports.value),
        problems=list(territories.problems),
    )
    for step in (synthetic, statistics, territories, reports):
        result.extend(step.warnings)
    return result
