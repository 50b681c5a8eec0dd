"""Writing every report of a campaign into a folder (the ``effipia report`` contract).

``DIR/rapport-national.html`` + ``.pdf`` + ``.xlsx`` (every table, one sheet each),
``DIR/figures/<key>.svg`` + ``.png`` (300 dpi), ``DIR/campus/<campus_id>.html`` + ``.pdf``
for every campus with enough respondents. The PDFs are rendered last, in parallel across
the cores (``progress(done, total)`` after each).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from effipia.report.campus import CampusRefused, build_campus, eligible_campuses
from effipia.report.national import Context, build_national
from effipia.report.render import render_html, write_figures, write_pdfs, write_workbook
from effipia.report.statistics import StatisticsView

__all__ = ["ReportFiles", "write_reports"]


@dataclass
class ReportFiles:
    """What was written, and the campus reports refused (campus → French reason)."""

    folder: Path
    national_html: Path
    national_pdf: Path | None
    workbook: Path
    figures: list[Path] = field(default_factory=list)
    campus: dict[str, tuple[Path, Path | None]] = field(default_factory=dict)
    refused: dict[str, str] = field(default_factory=dict)


def write_reports(
    statistics: pl.DataFrame | StatisticsView,
    out: str | Path,
    ctx: Context,
    *,
    campuses: Sequence[str] | None = None,
    pdf: bool = True,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ReportFiles:
    """Write the national report and the campus reports (all eligible ones, or ``campuses``)."""
    view = statistics if isinstance(statistics, StatisticsView) else StatisticsView(statistics)
    out = Path(out)
    (out / "campus").mkdir(parents=True, exist_ok=True)
    report, figs = build_national(view, ctx)
    html_path = out / "rapport-national.html"
    html_path.write_text(render_html(report, ctx.texts), encoding="utf-8")
    tables = report.tables() + [f.data for f in report.figures() if f.data is not None]
    workbook = write_workbook(tables, out / "rapport-national.xlsx")
    svgs = {f.key: f.svg for f in report.figures()}
    figure_files = write_figures(figs, out / "figures", svgs)
    files = ReportFiles(out, html_path, None, workbook, figure_files)
    if campuses is None:
        wanted, small = eligible_campuses(view, ctx.min_n)
        for c, n in small.items():
            files.refused[c] = CampusRefused("report.campus_too_few", campus=c, respondents=n, min_n=ctx.min_n).args[0]
    else:
        wanted = list(dict.fromkeys(campuses))
    jobs = [(html_path, out / "rapport-national.pdf")]
    for campus in wanted:
        try:
            campus_report = build_campus(view, campus, ctx)
        except CampusRefused as exc:
            files.refused[campus] = str(exc)
            continue
        path = out / "campus" / f"{campus}.html"
        path.write_text(render_html(campus_report, ctx.texts), encoding="utf-8")
        files.campus[campus] = (path, None)
        jobs.append((path, out / "campus" / f"{campus}.pdf"))
    if pdf:
        write_pdfs(jobs, workers=workers, progress=progress)
        files.national_pdf = jobs[0][1]
        for campus, (path, _) in files.campus.items():
            files.campus[campus] = (path, path.with_suffix(".pdf"))
    return files
