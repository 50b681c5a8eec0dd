"""Speed of the synthetic campaign generator at growing sizes, step by step.

Run: ``.venv/bin/python benchmarks/synth_scale.py [--sizes 32x60,500x400,2000x400]``
(campuses × partners per campus). Writes ``benchmarks/results/synth_scale.json`` and prints
one JSON line per size. Not a test: timings depend on the machine. The questionnaire is
loaded once before timing (its first load imports pyxform, about 2 s, paid once per process).

Each size reports the seconds spent in each step of ``effipia.synth.generate`` (campus,
partenaires, répondants, réponses, invitations), the total, the frame sizes, and the worst
gap between Tableau 3's published shares and the generated ones (quotas: it must stay
below a point at every size).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from effipia.questionnaire import load_questionnaire
from effipia.synth import generate, sources


def run(campuses: int, partners: int, seed: int = 1) -> dict[str, float | int]:
    marks: list[tuple[str, float]] = []
    start = time.perf_counter()
    campaign = generate(seed, campuses=campuses, partners=partners, progress=lambda step: marks.append((step, time.perf_counter())))
    end = time.perf_counter()
    result: dict[str, float | int] = {"campuses": campuses, "partners_per_campus": partners}
    bounds = marks + [("end", end)]
    for (step, t0), (_, t1) in zip(bounds, bounds[1:], strict=False):
        result[f"{step}_s"] = round(t1 - t0, 3)
    result["total_s"] = round(end - start, 3)
    result["partners"] = campaign.partners.height
    result["respondents"] = campaign.responses.height
    gaps = []
    for item, row in sources.published()["tableau_3"]["rows"].items():
        for code, value in row.items():
            gaps.append(abs(100 * float((campaign.responses[item] == int(code)).mean()) - value))
    result["tableau_3_worst_gap_points"] = round(max(gaps), 3)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="32x60,500x400", help="campuses x partners per campus, comma-separated")
    args = parser.parse_args()
    load_questionnaire()
    results = []
    for size in args.sizes.split(","):
        campuses, partners = (int(x) for x in size.lower().split("x"))
        results.append(run(campuses, partners))
        print(json.dumps(results[-1], ensure_ascii=False))
    out = Path(__file__).parent / "results" / "synth_scale.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
