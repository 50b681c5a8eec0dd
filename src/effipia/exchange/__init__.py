"""Response files in and out: CSV, XLSX, Parquet, SPSS, Stata and KoboToolbox exports.

``read_responses`` turns any supported file into the codebook's wide response frame,
``write_response_file`` writes one; ``prepare_import`` checks a file against what a
campaign holds (all or nothing) and ``write_export`` writes a campaign's frame out. The
store side is :mod:`effipia.operations.responses`.
"""

from effipia.exchange.detect import Format, detect_format
from effipia.exchange.importing import ExportReport, ImportReport, PreparedImport, prepare_import, write_export
from effipia.exchange.readers import ReadResult, read_responses
from effipia.exchange.writers import write_response_file

__all__ = [
    "Format",
    "detect_format",
    "read_responses",
    "ReadResult",
    "write_response_file",
    "prepare_import",
    "write_export",
    "PreparedImport",
    "ImportReport",
    "ExportReport",
]
