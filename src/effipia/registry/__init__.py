"""The registry: campus files and partner directories → validated canonical frames,
plus the UAI/SIRET identifier checks other stages reuse."""

from effipia.registry.campuses import read_campuses
from effipia.registry.directory import (
    DirectoryImport,
    Merge,
    partner_id_for,
    read_directories,
)
from effipia.registry.identifiers import (
    is_valid_siren,
    is_valid_siret,
    is_valid_uai,
    uai_check_letter,
)

__all__ = [
    "DirectoryImport",
    "Merge",
    "is_valid_siren",
    "is_valid_siret",
    "is_valid_uai",
    "partner_id_for",
    "read_campuses",
    "read_directories",
    "uai_check_letter",
]
