"""Response files in and out: CSV, XLSX, Parquet, SPSS, Stata and KoboToolbox exports.

``read_responses`` turns any supported file into the codebook's wide response frame,
``write_response_file`` writes one; ``import_responses`` / ``export_responses`` do the
same against a :class:`~effipia.store.Store` campaign, all-or-nothing on import.
"""

from effipia.exchange.detect import Format, detect_format
from effipia.exchange.importing import ExportReport, ImportReport, export_responses, import_responses
from effipia.exchange.readers import ReadResult, read_responses
from effipia.exchange.writers import write_response_file

__all__ = [
    "Format",
    "detect_format",
    "read_responses",
    "ReadResult",
    "write_response_file",
    "import_responses",
    "export_responses",
    "ImportReport",
    "ExportReport",
]
