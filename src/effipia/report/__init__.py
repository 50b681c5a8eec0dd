"""Reports: the national evaluation report and one feedback report per campus.

Plain functions on frames: the statistics set (read, never recomputed), the registry of
campuses and the interview log become a report model (:mod:`effipia.report.model`) —
sections, numbered tables and figures with their « Lecture », « Champ » and « Source » —
rendered to self-contained HTML, to PDF from the same HTML (WeasyPrint) and to a workbook.
Texts, titles and order are data files and Jinja templates (:mod:`effipia.report.texts`),
overridable by ``EFFIPIA_REPORT_TEMPLATES``.
"""

from effipia.report.campus import CampusRefused, build_campus, eligible_campuses
from effipia.report.national import Context, build_national
from effipia.report.statistics import StatisticsView, read_statistics
from effipia.report.texts import load_texts
from effipia.report.writer import ReportFiles, write_reports

__all__ = [
    "CampusRefused",
    "Context",
    "ReportFiles",
    "StatisticsView",
    "build_campus",
    "build_national",
    "eligible_campuses",
    "load_texts",
    "read_statistics",
    "write_reports",
]
