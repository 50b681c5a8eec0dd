"""Rendering the report model: self-contained HTML (Jinja), PDF from the same HTML
(WeasyPrint, PDF/UA), the workbook of every table (openpyxl) and the figure files."""

from __future__ import annotations

import base64
import html as html_lib
import os
import re
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import jinja2
from markupsafe import Markup

from effipia.errors import EffipiaError
from effipia.report import figures as fg
from effipia.report.model import Report, Table
from effipia.report.texts import ReportTexts, environment

__all__ = ["render_html", "write_pdf", "write_pdfs", "write_workbook", "write_figures"]


def _css_string(text: str) -> Markup:
    """``text`` as the inside of a CSS string in a ``<style>`` element: quotes and
    backslashes escaped, ``<`` as a CSS escape (no ``</style>`` can close the element)."""
    text = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ").replace("<", "\\3c ")
    return Markup(text)


def render_html(report: Report, texts: ReportTexts, **extra: object) -> str:
    """The report as one self-contained HTML document (styles and figures inline)."""
    env = environment(texts.folder)
    try:
        template = env.get_template("report.html.j2")
        return template.render(report=report, common=texts.common, header_css=_css_string(report.running_header), **extra)
    except jinja2.TemplateError as exc:
        raise EffipiaError("report.template_error", name=getattr(exc, "name", None) or "report.html.j2", detail=exc) from None


_INLINE_SVG = re.compile(r"<svg\b.*?</svg>", re.S)
_SVG_TITLE = re.compile(r"<title\b[^>]*>(.*?)</title>", re.S)


def svg_as_images(html: str) -> str:
    """``html`` with each inline ``<svg>`` replaced by the same SVG as an ``<img>`` (data
    URI), its ``<title>`` as ``alt``. WeasyPrint then draws each chart as one image instead
    of running the CSS cascade over its thousands of elements: the national PDF renders
    1,4 to 1,8 times faster (benchmarks/README.md), the same vectors and text, tagged as a
    PDF/UA ``Figure`` with the same alternative text."""

    def image(match: re.Match[str]) -> str:
        svg = match.group(0)
        title = _SVG_TITLE.search(svg)
        alt = html_lib.unescape(title.group(1)) if title else ""
        data = base64.b64encode(('<?xml version="1.0" encoding="utf-8"?>\n' + svg).encode("utf-8")).decode("ascii")
        return f'<img alt="{html_lib.escape(alt)}" src="data:image/svg+xml;base64,{data}">'

    return _INLINE_SVG.sub(image, html)


def write_pdf(html: str, path: str | Path, *, title: str | None = None) -> Path:
    """``html`` rendered by WeasyPrint into a tagged PDF (PDF/UA-1) at ``path`` (inline
    SVG figures handed to WeasyPrint as images: :func:`svg_as_images`)."""
    import logging

    from weasyprint import HTML

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    path = Path(path)
    HTML(string=svg_as_images(html), base_url=str(path.parent)).write_pdf(path, pdf_variant="pdf/ua-1", uncompressed_pdf=False)
    return path


def _pdf_job(args: tuple[str, str]) -> str:
    html_path, pdf_path = args
    write_pdf(Path(html_path).read_text(encoding="utf-8"), pdf_path)
    return pdf_path


def write_pdfs(jobs: Sequence[tuple[Path, Path]], *, workers: int | None = None, progress: Callable[[int, int], None] | None = None) -> list[Path]:
    """PDFs of many HTML files (``(html_path, pdf_path)`` pairs) in parallel, one process per
    core; ``progress(done, total)`` is called after each."""
    total = len(jobs)
    workers = workers or max(1, min(os.cpu_count() or 1, total))
    done: list[Path] = []
    if workers == 1 or total <= 1:
        for i, job in enumerate(jobs, 1):
            done.append(Path(_pdf_job((str(job[0]), str(job[1])))))
            if progress:
                progress(i, total)
        return done
    import multiprocessing

    context = multiprocessing.get_context("spawn")  # no fork of a threaded parent (Polars)
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = [pool.submit(_pdf_job, (str(h), str(p))) for h, p in jobs]
        for i, future in enumerate(as_completed(futures), 1):
            done.append(Path(future.result()))
            if progress:
                progress(i, total)
    return done


def _sheet_name(table: Table, used: set[str]) -> str:
    base = (table.number or table.key).replace("/", "-")[:31] or "Tableau"
    name, k = base, 2
    while name in used:
        name = f"{base[:28]} {k}"
        k += 1
    used.add(name)
    return name


def write_workbook(tables: Sequence[Table], path: str | Path) -> Path:
    """Every table, one sheet each: title, column heads, rows, then Lecture/Champ/notes/Source.
    Numbers are written as numbers (rounded as printed), suppressed cells as « s »."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    book.remove(book.active)
    used: set[str] = set()
    for table in tables:
        sheet = book.create_sheet(_sheet_name(table, used))
        sheet.append([f"{table.number} • {table.title}" if table.number else table.title])
        sheet["A1"].font = Font(bold=True)
        sheet.append([table.stub, *table.columns])
        for c in sheet[2]:
            c.font = Font(bold=True)
            c.alignment = Alignment(wrap_text=True, vertical="bottom")
        for row in table.rows:
            values: list[object] = [row.label]
            for c in row.cells:
                if c.suppressed:
                    values.append("s")
                elif c.value is not None and not c.marker and c.text.replace("\u202f", "").replace(",", ".").replace("\u2212", "-").lstrip("+-").replace(".", "", 1).isdigit():
                    values.append(c.value)
                else:
                    values.append(c.printed)
            sheet.append(values)
        sheet.append([])
        for line in (table.lecture, table.champ, *table.notes, table.source):
            if line:
                sheet.append([line])
        sheet.column_dimensions["A"].width = 60
        for letter in "BCDEFGHIJKLMNOP":
            sheet.column_dimensions[letter].width = 14
    path = Path(path)
    book.save(path)
    return path


def write_figures(figures: dict[str, object], folder: str | Path, svgs: dict[str, str]) -> list[Path]:
    """``<key>.svg`` (the inline SVG as printed) and ``<key>.png`` at 300 dpi per figure."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for key, fig in figures.items():
        svg_path, png_path = folder / f"{key}.svg", folder / f"{key}.png"
        svg_path.write_text('<?xml version="1.0" encoding="utf-8"?>\n' + svgs[key], encoding="utf-8")
        png_path.write_bytes(fg.to_png(fig))
        fg.close(fig)
        written += [svg_path, png_path]
    return written
