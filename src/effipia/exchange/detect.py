"""Recognise the format of a response file from its content, then its suffix.

Binary formats are told apart by their magic bytes (a renamed file is still read
correctly); text files are CSV, and a CSV whose header carries KoboToolbox's
metadata columns or group-prefixed / split ``select_multiple`` headers is a
KoboToolbox export.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from effipia.errors import EffipiaError, message

__all__ = ["Format", "detect_format", "is_kobo_header", "KOBO_METADATA"]


class Format(StrEnum):
    """File formats of the response exchange."""

    CSV = "csv"
    KOBO = "kobo"
    XLSX = "xlsx"
    PARQUET = "parquet"
    SAV = "sav"
    DTA = "dta"


#: Columns KoboToolbox adds to a CSV export (form metadata and submission fields).
KOBO_METADATA = frozenset(
    {
        "start", "end", "today", "deviceid", "username", "phonenumber", "simserial",
        "subscriberid", "audit", "instanceID", "instanceName", "formhub/uuid",
        "meta/instanceID", "meta/instanceName", "meta/deprecatedID", "meta/rootUuid",
        "__version__",
    }
)

_KOBO_MARKERS = frozenset(
    {"_id", "_uuid", "_submission_time", "_index", "_validation_status", "__version__", "formhub/uuid", "meta/instanceID"}
)

_SUFFIXES = {
    ".csv": Format.CSV,
    ".txt": Format.CSV,
    ".xlsx": Format.XLSX,
    ".xlsm": Format.XLSX,
    ".parquet": Format.PARQUET,
    ".pq": Format.PARQUET,
    ".sav": Format.SAV,
    ".zsav": Format.SAV,
    ".dta": Format.DTA,
}

# Stata releases 113-119 start with their release byte then a byte-order byte (1 or 2).
_OLD_STATA_RELEASES = range(104, 120)


def _binary_format(head: bytes) -> Format | None:
    if head.startswith(b"PAR1"):
        return Format.PARQUET
    if head.startswith((b"$FL2", b"$FL3")):
        return Format.SAV
    if head.startswith(b"<stata_dta>"):
        return Format.DTA
    if len(head) >= 2 and head[0] in _OLD_STATA_RELEASES and head[1] in (1, 2) and b"\x00" in head[:16]:
        return Format.DTA
    if head.startswith(b"PK\x03\x04"):
        return Format.XLSX
    return None


def is_kobo_header(columns: list[str], multiple: frozenset[str] | set[str] = frozenset()) -> bool:
    """Whether header names look like a KoboToolbox export.

    Kobo adds submission metadata (``_uuid``, ``_submission_time``…) and prefixes
    grouped questions with their group (``grp_dyn/dyn_1``). A plain codebook file may
    only use ``/`` for split columns of the ``select_multiple`` items named in
    ``multiple`` (``expectations/<choice>``).
    """
    if set(columns) & _KOBO_MARKERS:
        return True
    return any(
        name.count("/") > 1 or (name.count("/") == 1 and name.split("/", 1)[0] not in multiple) for name in columns
    )


def detect_format(
    path: str | Path, header: list[str] | None = None, multiple: frozenset[str] | set[str] = frozenset()
) -> Format:
    """Format of ``path``: magic bytes first, then the suffix; CSV headers decide Kobo.

    ``header`` (the CSV header, when the caller has already read it) lets a CSV be
    recognised as a KoboToolbox export (``multiple``: names of ``select_multiple`` items,
    whose split columns a plain file may contain). Raises ``EffipiaError`` for a missing file or
    an unrecognised format.
    """
    p = Path(path)
    if not p.is_file():
        raise EffipiaError("generic.file_not_found", path=str(path))
    with p.open("rb") as handle:
        head = handle.read(64)
    found = _binary_format(head)
    if found is not None:
        return found
    by_suffix = _SUFFIXES.get(p.suffix.lower())
    if by_suffix not in (None, Format.CSV):
        # A binary suffix on a file without the matching signature: unreadable, not "CSV".
        raise EffipiaError("exchange.bad_signature", name=p.name, format=by_suffix.value.upper())
    if by_suffix is None and b"\x00" in head:
        raise EffipiaError("generic.unknown_format", suffix=p.suffix or message("exchange.no_suffix"))
    if header is not None and is_kobo_header(header, multiple):
        return Format.KOBO
    return Format.CSV
