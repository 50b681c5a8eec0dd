"""Export then import of a synthetic campaign in each response format (SQLite by default).

Usage: python benchmarks/exchange_formats.py [CAMPUSES] [URL_PREFIX] [STACK]
→ prints one JSON object: respondents, and per format the export and import times
(seconds, validation and the store transaction included) and the file size (bytes).
Each import goes into a fresh database holding the campuses and the partner directory,
so every check runs (questionnaire, registry, directory).

``xlsx_writers`` compares, on the same frame, the XLSX writer of the first round
(openpyxl in write-only mode, kept here as the reference) with the current one
(xlsxwriter in constant-memory mode): seconds of each and their ratio, on the campaign's
frame stacked STACK times (default 1; 10 at 320 campuses ≈ a national campaign of 62 000).
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

from effipia.operations.responses import export_responses, import_responses
from effipia.exchange.form import FormView, form_view
from effipia.exchange.writers import _labels_rows, _write_xlsx
from effipia.errors import message
from effipia.store import Store
from effipia.synth import generate

FORMATS = ("csv", "xlsx", "parquet", "sav", "dta")


def _write_xlsx_openpyxl(frame: pl.DataFrame, path: Path, form: FormView) -> None:
    """The first-round writer (openpyxl, write-only): the reference of the comparison."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    data = book.create_sheet(message("exchange.sheet_responses"))
    data.append(frame.columns)
    for row in frame.iter_rows():
        data.append(list(row))
    labels = book.create_sheet(message("exchange.sheet_labels"))
    for row in _labels_rows(frame, form):
        labels.append(row)
    book.save(path)


def xlsx_writers(frame: pl.DataFrame, folder: Path, stack: int = 1) -> dict[str, float]:
    """Seconds of the openpyxl and xlsxwriter writers on ``frame`` stacked ``stack`` times, and their ratio."""
    form = form_view()
    frame = pl.concat(
        [frame.with_columns(pl.col("respondent_id") + f"-{k}") for k in range(stack)]
    ) if stack > 1 else frame
    timings: dict[str, float] = {"rows": frame.height}
    for name, writer in (("openpyxl_s", _write_xlsx_openpyxl), ("xlsxwriter_s", _write_xlsx)):
        start = time.perf_counter()
        writer(frame, folder / f"{name}.xlsx", form)
        timings[name] = round(time.perf_counter() - start, 3)
    timings["ratio"] = round(timings["openpyxl_s"] / timings["xlsxwriter_s"], 2)
    return timings


def main() -> None:
    campuses = int(sys.argv[1]) if len(sys.argv) > 1 else 32
    folder = Path(tempfile.mkdtemp())
    prefix = sys.argv[2] if len(sys.argv) > 2 and sys.argv[2] else f"sqlite:///{folder}/"
    stack = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    campaign = generate(1, campuses=campuses)
    source = Store(f"{prefix}source.db")
    source.write_campaign("bench", campuses=campaign.campuses, partners=campaign.partners, responses=campaign.responses)
    results: dict[str, object] = {"respondents": campaign.responses.height, "columns": campaign.responses.width}
    for fmt in FORMATS:
        path = folder / f"responses.{fmt}"
        start = time.perf_counter()
        export_responses(source, path, fmt)
        exported = time.perf_counter() - start
        target = Store(f"{prefix}target_{fmt}.db")
        target.write_campaign("bench", campuses=campaign.campuses, partners=campaign.partners)
        start = time.perf_counter()
        import_responses(target, path, "bench")
        imported = time.perf_counter() - start
        results[fmt] = {"export_s": round(exported, 3), "import_s": round(imported, 3), "bytes": path.stat().st_size}
        target.close()
    results["xlsx_writers"] = xlsx_writers(source.responses("bench"), folder, stack)
    source.close()
    print(json.dumps(results))


if __name__ == "__main__":
    main()
