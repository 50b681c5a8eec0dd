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
time (said in the output: ``pdf_extrapolated``). The national PDF is also rendered with its
charts as inline SVG against charts as SVG images (what ``write_pdf`` does), alternating in
one process (``svg_as_images_speedup``, best of each). The territories (Illustration 2) are
built inside the timed part, as ``effipia report`` does. The load average is recorded at the
start and the end: the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import tempfile
import time
from pathlib import Path

from effipia.analysis import compute
from effipia.report import Context, StatisticsView, build_campus, build_national, eligible_campuses, load_texts
from effipia.report.render import render_html, write_figures, write_pdf, write_pdfs, write_workbook
from effipia.synth import generate
from effipia.territories import build_territories


def _inline_against_images(html_path: Path, out: Path, repeats: int = 2) -> tuple[list[float], list[float]]:
    """The national PDF with its charts as inline SVG (WeasyPrint runs the CSS cascade over
    every chart element) against :func:`render.write_pdf` (charts as SVG images), alternating
    in one warm process; seconds of each run."""
    from weasyprint import HTML

    html = html_path.read_text(encoding="utf-8")
    write_pdf(html, out / "warm.pdf")
    inline, images = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        HTML(string=html, base_url=str(out)).write_pdf(out / "inline.pdf", pdf_variant="pdf/ua-1")
        inline.append(round(time.perf_counter() - t0, 2))
        t0 = time.perf_counter()
        write_pdf(html, out / "images.pdf")
        images.append(round(time.perf_counter() - t0, 2))
    return inline, images


def run(campuses: int, sample: int, seed: int = 1) -> dict:
    load_start = round(os.getloadavg()[0], 2)
    campaign = generate(seed, campuses=campuses)
    statistics = compute(campaign.responses, partners=campaign.partners, invitations=campaign.invitations, campuses=campaign.campuses)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        (out / "campus").mkdir()
        start, cpu_start = time.perf_counter(), time.process_time()
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
        html_cpu = time.process_time() - cpu_start
        docs = [national, *pages[:sample]]
        jobs_parallel = [(d, d.with_suffix(".parallel.pdf")) for d in docs]
        jobs_serial = [(d, d.with_suffix(".serial.pdf")) for d in docs]
        t0, c0 = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
        write_pdfs(jobs_parallel, workers=os.cpu_count())
        parallel_s = time.perf_counter() - t0
        c1 = resource.getrusage(resource.RUSAGE_CHILDREN)  # the pool's workers, joined
        parallel_cpu = (c1.ru_utime + c1.ru_stime) - (c0.ru_utime + c0.ru_stime)
        t0, p0 = time.perf_counter(), time.process_time()
        write_pdfs(jobs_serial, workers=1)
        serial_s = time.perf_counter() - t0
        serial_cpu = time.process_time() - p0
        inline_s, image_s = _inline_against_images(national, out)
    total_docs = 1 + len(ids)
    scale = total_docs / len(docs)
    # Extrapolation scales the campus PDFs only: the national PDF (timed alone below, SVG as
    # images as write_pdfs renders it) is one document whatever the campaign's size and, at
    # 500 campuses, most of the sample's time.
    national_pdf_s = min(image_s)
    campus_sample = len(docs) - 1
    campus_pdf_s = max(serial_s - national_pdf_s, 0.0) / campus_sample if campus_sample else 0.0
    cores = os.cpu_count() or 1
    pdf_estimate_s = max(national_pdf_s, (national_pdf_s + campus_pdf_s * len(ids)) / cores)
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
        "pdf_parallel_cpu_s": round(parallel_cpu, 2),
        "pdf_serial_cpu_s": round(serial_cpu, 2),
        "html_cpu_s": round(html_cpu, 2),
        # what an idle machine would take: the HTML's CPU time (one process) plus the PDFs'
        # CPU time shared by the cores (load-independent estimate, not a measurement)
        "idle_estimate_s": round(
            html_cpu + (serial_cpu / cores if scale == 1 else pdf_estimate_s * serial_cpu / serial_s), 1
        ),
        "pdf_extrapolated": scale > 1,
        "national_pdf_inline_svg_s": inline_s,
        "national_pdf_svg_as_images_s": image_s,
        "svg_as_images_speedup": round(min(inline_s) / min(image_s), 2),
        "campus_pdf_serial_s_each": round(campus_pdf_s, 2),
        # measured when every PDF was rendered; otherwise HTML + the national PDF and the
        # campus PDFs (serial time each) shared by the cores
        "total_parallel_s": round(html_s + (parallel_s if scale == 1 else pdf_estimate_s), 1),
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
