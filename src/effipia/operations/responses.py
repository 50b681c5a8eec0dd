"""Import a response file into a campaign, export a campaign's responses."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from effipia.errors import EffipiaError
from effipia.operations.results import OperationResult

if TYPE_CHECKING:
    from effipia.exchange import ExportReport, ImportReport
    from effipia.store import Store

__all__ = ["import_responses", "export_responses"]


def _target_campaign(store: "Store", campaign: str | None) -> tuple[str, bool]:
    """The campaign to import into and whether it already exists (nothing is created here)."""
    names = store.campaign_names()
    if campaign is None:
        if not names:
            raise EffipiaError("exchange.campaign_needed")
        return store.resolve_campaign(None), True
    return campaign, campaign in names


def import_responses(
    store: "Store",
    path: str | Path,
    campaign: str | None = None,
    *,
    replace: bool = False,
    questionnaire: Any = None,
) -> OperationResult["ImportReport"]:
    """Validate the response file ``path`` completely, then write it into ``campaign`` in one
    transaction (created if it does not exist; optional when the store holds one campaign).

    Re-importing an identical file changes nothing; a respondent already stored with
    different answers is a problem unless ``replace``. A file received on its own (no campus
    registry in the store) registers its campuses. Raises
    :class:`~effipia.errors.ValidationFailed` with every problem (the store is then unchanged).
    """
    from effipia.exchange import ImportReport, prepare_import

    name, exists = _target_campaign(store, campaign)
    prepared = prepare_import(
        path,
        campuses=store.campuses(),
        partners=store.partners(name) if exists else None,
        stored=store.responses(name) if exists else None,
        replace=replace,
        questionnaire=questionnaire,
    )
    stats = store.write_campaign(
        name, campuses=prepared.new_campuses, responses=prepared.responses, source=Path(path).name
    )["responses"]
    return OperationResult(
        ImportReport(
            campaign=name,
            file=prepared.file,
            format=prepared.format,
            rows=prepared.responses.height,
            inserted=stats.created,
            replaced=stats.updated,
            unchanged=stats.unchanged,
            created_campaign=not exists,
            registered_campuses=0 if prepared.new_campuses is None else prepared.new_campuses.height,
        )
    )


def export_responses(
    store: "Store",
    path: str | Path,
    fmt: str,
    campaign: str | None = None,
    *,
    with_scores: bool = False,
    questionnaire: Any = None,
) -> OperationResult["ExportReport"]:
    """Write the responses of ``campaign`` to ``path`` as ``fmt`` (csv, xlsx, parquet, sav,
    dta), with the per-respondent register scores (``score_*`` columns) if ``with_scores``."""
    from effipia.exchange import write_export
    from effipia.exchange.importing import check_export_target

    check_export_target(path, fmt)  # before anything is read
    name = store.resolve_campaign(campaign)
    frame = store.responses(name)
    extra, labels = None, None
    if with_scores:
        from effipia.analysis.scores import export_scores

        extra, labels = export_scores(frame)
    return OperationResult(write_export(frame, path, fmt, name, extra=extra, extra_labels=labels, questionnaire=questionnaire))
