"""Export then import of a synthetic campaign in each response format (SQLite by default).

Usage: python benchmarks/exchange_formats.py [CAMPUSES] [URL_PREFIX]
→ prints one JSON object: respondents, and per format the export and import times
(seconds, validation and the store transaction included) and the file size (bytes).
Each import goes into a fresh database holding the campuses and the partner directory,
so every check runs (questionnaire, registry, directory).
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

from effipia.exchange import export_responses, import_responses
from effipia.store import Store
from effipia.synth import generate

FORMATS = ("csv", "xlsx", "parquet", "sav", "dta")


def main() -> None:
    campuses = int(sys.argv[1]) if len(sys.argv) > 1 else 32
    folder = Path(tempfile.mkdtemp())
    prefix = sys.argv[2] if len(sys.argv) > 2 else f"sqlite:///{folder}/"
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
    source.close()
    print(json.dumps(results))


if __name__ == "__main__":
    main()
