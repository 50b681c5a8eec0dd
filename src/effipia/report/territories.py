"""Illustration 2 of the national report: the campus territories, drawn by the territories
stage (:func:`effipia.territories.maps.territories_figure`, the map of ``effipia map``).

The figure is inline SVG like every chart of the report; its alternative text, its data
table, its « Lecture » and its note on positions are written from the territory
indicators (schools, départements and académies per campus: registry counts, not survey
estimates, so nothing is suppressed). Campuses are named by identifier only and in
identifier order: the anonymous letters of Illustrations 4, 6 and 7 are never put beside
an identifier in the national report. Without territory data (no territories built, or
no school located) the builder returns a French paragraph saying why, not a figure.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from effipia.report import figures as fg
from effipia.report.common import fmt, footnotes_for, sentence
from effipia.report.model import Cell, Figure, Paragraph, Row, Table
from effipia.report.texts import fill

__all__ = ["illustration_2", "SIMPLIFY_M", "GRID_MAX"]

#: Above this many campuses one panel per campus is too small to read (and to draw): the
#: map overlays the territories on one map instead (benchmark of 500 campuses).
GRID_MAX = 64

#: Tolerance (metres) of the académie outlines in the report's map: a panel of the grid is
#: about 3 cm wide for 1 000 km, so 10 km is a third of a millimetre; it cuts the
#: outlines from 7 872 to about 400 vertices (borders drawn once) and the SVG to a tenth.
SIMPLIFY_M = 10_000.0


def _plural(n: int, words: list[str]) -> str:
    return f"{fmt(n)} {words[0] if n < 2 else words[1]}"


def illustration_2(territories: Any, spec: dict[str, Any], common: dict[str, Any], figures: dict[str, Any], min_n: int) -> Figure | Paragraph:
    """Illustration 2 (``territories``: a :class:`effipia.territories.Territories` or ``None``)."""
    if territories is None:
        return Paragraph(spec["missing_none"])
    schools = territories.schools.filter(pl.col("x_l93").is_not_null()) if territories.schools.height else territories.schools
    indicators = territories.indicators
    if not schools.height or not indicators.height or int(indicators["n_schools"].sum() or 0) == 0:
        return Paragraph(spec["missing_schools"])
    from effipia.territories.maps import OVERLAY_MAX, not_drawn, positions_text, territories_figure

    # identifiers only, in identifier order (no letter beside an identifier: see module doc)
    campuses = territories.campuses.sort("campus_id").with_columns(pl.lit(None, dtype=pl.String).alias("letter"))
    layout = "grid" if OVERLAY_MAX < campuses.height <= GRID_MAX else "overlay"
    fig = territories_figure(campuses, schools, territories.supports, layout=layout, simplify_m=SIMPLIFY_M, titled=False)
    words = spec["words"]
    ind = indicators.sort("campus_id")
    rows = [
        Row(r["campus_id"], [Cell(fmt(r["n_schools"]), float(r["n_schools"])), Cell(fmt(r["n_departements"]), float(r["n_departements"])),
                             Cell(fmt(r["n_academies"]), float(r["n_academies"]))], key=r["campus_id"])
        for r in ind.iter_rows(named=True)
    ]
    columns = list(spec["columns"])
    top = max(ind.iter_rows(named=True), key=lambda r: r["n_schools"])  # the first in identifier order on a tie
    lecture = sentence(spec["lecture"], row=top["campus_id"], value=_plural(top["n_schools"], words["schools"]),
                       departements=_plural(top["n_departements"], words["departements"]), academies=_plural(top["n_academies"], words["academies"]))
    legend = spec["layout_grid"] if layout == "grid" else spec["layout_overlay"]
    alt = fill(spec["alt"], count=fmt(campuses.height), layout=legend) + " " + " ; ".join(
        f"{r.label} : {r.cells[0].printed} {words['schools'][0 if (r.cells[0].value or 0) < 2 else 1]}, {r.cells[1].printed} {words['departements'][0 if (r.cells[1].value or 0) < 2 else 1]}"
        for r in rows) + "."
    notes = [fill(spec["legend"], layout=legend)]
    positions = positions_text(schools).strip()
    if positions:
        notes.append(positions)
    unplaced = territories.schools.height - schools.height
    if unplaced:
        notes.append(fill(spec["unplaced"], count=fmt(unplaced)))
    outside = not_drawn(campuses, schools, layout)
    if outside:
        notes.append(fill(spec["outside"], count=fmt(outside)))
    data = Table(key="illustration_2_data", number="", title=common["labels"]["figure_data"] + " — " + spec["number"], stub=spec["stub"], columns=columns, rows=rows)
    data.notes = footnotes_for(data.cells(), common, min_n)
    figures["illustration_2"] = fig
    return Figure(key="illustration_2", number=spec["number"], title=spec["title"], svg=fg.to_svg(fig, key="illustration_2", alt=alt), alt=alt,
                  lecture=common["labels"]["lecture_prefix"] + lecture, source=spec["source"], data=data, notes=notes)
