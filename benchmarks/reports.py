"""Time to write the reports of a campaign: national report and every campus report, HTML
and PDF, at 32 and 500 campuses.

Run: ``.venv/bin/python benchmarks/reports.py [--sizes 32,500] [--pdf-sample 64]``.
Writes ``benchmarks/results/reports.json`` and prints one JSON line per size. Not a test.

Per size: the synthetic campaign is generated and its statistics set computed (not timed:
that is ``compute``'s benchmark); then, timed: building the report models and writing
the HTML of the national report and of every eligible campus (``html_s``); the figures'
PNG at 300 dpi and the workbook are in it. The PDFs are timed side by side on the same
documents: rendered in parallel over every core (what ``effipia report`` does) and one
after the other in one process (the alternative), so the ratio says what the process pool
buys on this machine. Above ``--pdf-sample`` campuses the PDFs are measured on that many
campus documents plus the national one, and the whole run extrapolated from the per-document
time (said in the output: ``pdf_extrapolated``). The load average is recorded: the machine
is shared.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from effipia.analysis import compute
from effipia.report import Context, StatisticsView, build_campus, build_national, eligible_campuses, load_texts
from effipia.report.render import render_html, write_figures, write_pdfs, write_workbook
from effipia.synth import generate
from effipia.territories import build_territories


def run(campuses: int, sample: int, seed: int = 1) -> dict:
    load_start = round(os.getloadavg()[0], 2)
    campaign = generate(seed, campuses=campuses)
    statistics = compute(campaign.responses, partners=campaign.partners, invitations=campaign.invitations, campuses=campaign.campuses)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        (out / "campus").mkdir()
        start = time.perf_counter()
        territories = build_territories(campaign.campuses, campaign.partners)  # Illustration 2, as `effipia report` does
        territories_s = time.perf_counter() - start
        ctx = Context(campaign="bench", texts=load_texts(), campuses=campaign.campuses, min_n=5, territories=territories)
        view = StatisticsView(statistics)
        report, figs = build_national(view, ctx)
        national = out / "rapport-national.html"
        national.write_text(render_html(report, ctx.texts), encoding="utf-8")
        write_workbook(report.tables(), out / "rapport-national.xlsx")
        write_figures(figs, out / "figures", {f.key: f.svg for f in report.figures()})
        national_s = time.perf_counter() - start
        ids, _ = eligible_campuses(view, ctx.min_n)
        pages = []
        for c in ids:
            path = out / "campus" / f"{c}.html"
            path.write_text(render_html(build_campus(view, c, ctx), ctx.texts), encoding="utf-8")
            pages.append(path)
        html_s = time.perf_counter() - start
        docs = [national, *pages[:sample]]
        jobs_parallel = [(d, d.with_suffix(".parallel.pdf")) for d in docs]
        jobs_serial = [(d, d.with_suffix(".serial.pdf")) for d in docs]
        t0 = time.perf_counter()
        write_pdfs(jobs_parallel, workers=os.cpu_count())
        parallel_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        write_pdfs(jobs_serial, workers=1)
        serial_s = time.perf_counter() - t0
    total_docs = 1 + len(ids)
    scale = total_docs / len(docs)
    return {
        "campuses": campuses,
        "respondents": campaign.responses.height,
        "statistics_rows": statistics.height,
        "campus_reports": len(ids),
        "territories_s": round(territories_s, 2),
        "national_html_xlsx_figures_s": round(national_s, 2),
        "html_all_s": round(html_s, 2),
        "pdf_documents_measured": len(docs),
        "pdf_parallel_s": round(parallel_s, 2),
        "pdf_serial_s": round(serial_s, 2),
        "parallel_speedup": round(serial_s / parallel_s, 2),
        "pdf_extrapolated": scale > 1,
        "total_parallel_s": round(html_s + parallel_s * scale, 1),
        "cores": os.cpu_count(),
        "load_average_start": load_start,
        "load_average_end": round(os.getloadavg()[0], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="32,500")
    parser.add_argument("--pdf-sample", type=int, default=64, help="campus PDFs measured above this many campuses")
    args = parser.parse_args()
    results = []
    for size in args.sizes.split(","):
        results.append(run(int(size), args.pdf_sample))
        print(json.dumps(results[-1], ensure_ascii=False), flush=True)
    target = Path(__file__).parent / "results" / "reports.json"
    target.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
