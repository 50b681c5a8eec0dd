"""Import the interview log of a campaign (``effipia interviews import``; Tableau 1)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from effipia.operations.results import OperationResult

if TYPE_CHECKING:
    from effipia.store import Store
    from effipia.store.api import WriteStats

__all__ = ["InterviewImport", "import_interviews"]


@dataclass(frozen=True)
class InterviewImport:
    """The campaign the log went to and the store's created / updated / unchanged counts."""

    campaign: str
    stats: "WriteStats"


def import_interviews(store: "Store", path: str | Path, campaign: str | None = None) -> OperationResult[InterviewImport]:
    """Validate the log ``path`` (CSV or XLSX; every problem at once, nothing written on a
    problem) against the campus registry and upsert it into ``campaign`` (created if new
    when named; else the store's only campaign)."""
    from effipia.report.interviews import read_interviews

    name = campaign if campaign is not None else store.resolve_campaign(None)
    registry = store.campuses()
    known = set(registry["campus_id"].to_list()) if registry.height else None
    frame = read_interviews(path, campuses=known, source=Path(path).name)
    stats = store.write_interviews(name, frame)
    return OperationResult(InterviewImport(campaign=name, stats=stats))
