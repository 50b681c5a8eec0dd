"""Import the campus registry and partner directories into the store."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from effipia.errors import EffipiaError
from effipia.operations.results import OperationResult

if TYPE_CHECKING:
    from effipia.registry import Merge
    from effipia.registry.tables import RegistryTables
    from effipia.store import Store, WriteStats

__all__ = ["CampusImport", "PartnerImport", "import_campuses", "import_partners", "registry_tables"]

Paths = Sequence[str | Path] | None


@dataclass(frozen=True)
class CampusImport:
    """What a campus import did: rows read, and the store's created / updated / unchanged."""

    read: int
    stats: "WriteStats"


@dataclass(frozen=True)
class PartnerImport:
    """What a directory import did: the campaign, rows read, merges, and the store's counts."""

    campaign: str
    read: int
    partners: int
    stats: "WriteStats"
    merges: list["Merge"] = field(default_factory=list)

    @property
    def merged(self) -> int:
        """Rows merged into another (same partner listed twice)."""
        return self.read - self.partners


def registry_tables(aliases: Paths = None, recoding: Paths = None, yes_no: Paths = None) -> "RegistryTables":
    """The registry tables extended by the user's files (validated: French problems at once)."""
    from effipia.registry.tables import load_tables

    return load_tables(aliases=list(aliases or []) or None, recoding=list(recoding or []) or None,
                       yes_no=list(yes_no or []) or None)


def import_campuses(
    store: "Store", file: str | Path, *, tables: "RegistryTables | None" = None
) -> OperationResult[CampusImport]:
    """Read and validate the campus file ``file``, then upsert it (all or nothing).

    ``tables``: the registry tables (:func:`registry_tables`; default: the shipped ones and
    the setting ``registry_tables``)."""
    from effipia.registry import read_campuses

    frame = read_campuses(file, tables=tables)
    return OperationResult(CampusImport(read=frame.height, stats=store.write_campuses(frame)))


def _only_campaign(store: "Store") -> str:
    try:
        return store.resolve_campaign(None)
    except EffipiaError as exc:
        if exc.code == "generic.no_campaign":
            raise EffipiaError("registry.campaign_needed") from None
        raise


def import_partners(
    store: "Store",
    files: Sequence[str | Path],
    *,
    campus: str | None = None,
    campaign: str | None = None,
    tables: "RegistryTables | None" = None,
) -> OperationResult[PartnerImport]:
    """Read partner directories (headers and categories recoded, duplicates merged, campuses
    checked against the registry) and upsert them into ``campaign`` (created if needed;
    optional when the store holds one). All or nothing: every problem raised at once.
    ``tables``: as for :func:`import_campuses`."""
    from effipia.registry import read_directories

    name = campaign if campaign is not None else _only_campaign(store)
    known = store.campuses().get_column("campus_id").to_list()
    read = read_directories([str(f) for f in files], campus=campus, known_campuses=known, tables=tables)
    stats = store.write_partners(name, read.partners)
    return OperationResult(
        PartnerImport(campaign=name, read=read.rows_read, partners=read.partners.height, stats=stats, merges=read.merges)
    )
