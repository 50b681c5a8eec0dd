"""The interview log (qualitative fieldwork) and Tableau 1.

:func:`read_interviews` reads a CSV or XLSX log — columns ``interview_id`` (optional: made
from the line), ``structure``, ``category``, ``campus_id``, ``date`` — validates every line
(category known, date readable, campus in the registry, no duplicate) and returns the
frame or raises :class:`~effipia.errors.ValidationFailed` with every problem at once.
:func:`tableau_1` counts structures met by category and the campuses they belong to.
"""

from __future__ import annotations

import tomllib
import unicodedata
from datetime import date, datetime
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import polars as pl

from effipia.errors import Problem, ValidationFailed
from effipia.formatting import number
from effipia.report.model import Cell, Row, Table

__all__ = ["INTERVIEW_COLUMNS", "categories", "read_interviews", "tableau_1"]

INTERVIEW_COLUMNS: dict[str, pl.DataType] = {
    "interview_id": pl.String,
    "campus_id": pl.String,
    "structure": pl.String,
    "category": pl.String,
    "interview_date": pl.Date,
    "source": pl.String,
}
_HEADER_ALIASES = {
    "interview_id": "interview_id", "id": "interview_id", "identifiant": "interview_id", "entretien": "interview_id",
    "structure": "structure", "nom": "structure", "structure rencontree": "structure",
    "category": "category", "categorie": "category", "categorie de structure": "category", "type": "category",
    "campus_id": "campus_id", "campus": "campus_id",
    "date": "interview_date", "interview_date": "interview_date", "date de l'entretien": "interview_date",
}
_REQUIRED = ("structure", "category", "campus_id")


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", str(text).strip().lower())
    return " ".join("".join(ch for ch in text if not unicodedata.combining(ch)).replace("_", " ").split())


@cache
def categories() -> dict[str, Any]:
    """``{"headings": …, "categories": …}`` from ``data/report/interviews.toml``."""
    return tomllib.loads((files("effipia") / "data" / "report" / "interviews.toml").read_text(encoding="utf-8"))


def _category_lookup() -> dict[str, str]:
    lookup = {}
    for code, spec in categories()["categories"].items():
        for name in (code, spec["label"], *spec.get("aliases", [])):
            lookup[_fold(name)] = code
    return lookup


def _parse_date(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def _made_id(campus: str | None, structure: str, when: date | None) -> str:
    """The identifier of a line without one: campus, structure and date; hashed when longer
    than the stored column holds (a long structure name must not make the line invalid)."""
    import hashlib

    from effipia.store.limits import column_limits

    ident = f"{campus}:{_fold(structure)}:{when or ''}"
    limit = column_limits("interviews")["interview_id"][1]
    if len(ident) <= limit:
        return ident
    return f"{campus}:{hashlib.sha1(ident.encode()).hexdigest()}"[:limit]


def _fits(file: str, line: int, row: dict[str, Any]) -> list[Problem]:
    """Values longer than the stored interview columns accept (:mod:`effipia.store.limits`)."""
    from effipia.store.limits import value_problem

    problems = []
    for column, value in row.items():
        unfit = value_problem("interviews", column, value)
        if unfit:
            problems.append(Problem.at(file, line, column, unfit[0], **unfit[1]))
    return problems


def read_interviews(path: str | Path, *, campuses: set[str] | None = None, source: str | None = None) -> pl.DataFrame:
    """The validated interview log of ``path`` (layout :data:`INTERVIEW_COLUMNS`).

    Read by the registry's reader (:func:`effipia.registry.reading.read_table`, over
    :mod:`effipia.tabular`): one encoding per file, strict quoting, short and long rows,
    repeated headers, workbook error cells and a header without rows are problems at
    their place, reported with every problem of the values in one pass."""
    from effipia.registry.reading import read_table
    from effipia.registry.text import cell_text

    path = Path(path)
    file = path.name
    aliases = {_fold(k): v for k, v in _HEADER_ALIASES.items()}
    table = read_table(path, lambda header: True, "interviews.no_header", used=lambda h: _fold(h) in aliases,
                       require_rows=True, file=file)
    names = [aliases.get(_fold(h or ""), _fold(h or "")) for h in table.header]
    problems: list[Problem] = list(table.problems)
    first: dict[str, int] = {}
    for position, (name, written) in enumerate(zip(names, table.header, strict=True)):
        # Two headers for one column (« catégorie » and « category »): the second would be ignored.
        if name in aliases.values() and name in first and written:
            problems.append(Problem.at(file, table.header_line, written, "reading.duplicate_header", value=written,
                                       other=first[name] + 1))
        first.setdefault(name, position)
    problems += [
        Problem.at(file, table.header_line, column, "interviews.missing_column", column=column)
        for column in _REQUIRED if column not in names
    ]
    if any(p.code == "interviews.missing_column" for p in problems):
        raise ValidationFailed(problems)
    lookup = _category_lookup()
    expected = ", ".join(spec["label"] for spec in categories()["categories"].values())
    out: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for line, raw in table.rows:
        row = {names[j]: (v if isinstance(v, (date, datetime)) else cell_text(v) or "") for j, v in enumerate(raw) if j < len(names)}
        for column in _REQUIRED:
            if not row.get(column):
                problems.append(Problem.at(file, line, column, "interviews.empty_value"))
        category = lookup.get(_fold(row.get("category", ""))) if row.get("category") else None
        if row.get("category") and category is None:
            problems.append(Problem.at(file, line, "category", "interviews.unknown_category", value=row["category"], expected=expected))
        when = None
        if row.get("interview_date"):
            when = _parse_date(row["interview_date"])
            if when is None:
                problems.append(Problem.at(file, line, "interview_date", "interviews.bad_date", value=row["interview_date"]))
        campus = row.get("campus_id") or None
        if campus and campuses is not None and campus not in campuses:
            problems.append(Problem.at(file, line, "campus_id", "interviews.unknown_campus", value=campus))
        ident = row.get("interview_id") or _made_id(campus, row.get("structure", ""), when)
        if ident in seen:
            problems.append(Problem.at(file, line, "interview_id", "interviews.duplicate", value=ident, first=seen[ident]))
        seen.setdefault(ident, line)
        record = {"interview_id": ident, "campus_id": campus, "structure": row.get("structure") or None,
                  "category": category, "interview_date": when, "source": source or file}
        problems += _fits(file, line, record)
        out.append(record)
    # A cell the reader could not read (error cell, formula without a value) is given as
    # empty: its own problem says why, not « valeur obligatoire vide » as well.
    unread = {(p.row, aliases.get(_fold(p.column), _fold(p.column))) for p in table.problems if p.row and p.column}
    problems = [p for p in problems if p in table.problems or (p.row, p.column) not in unread]
    if problems:
        raise ValidationFailed(problems)  # sorted by line, then column
    return pl.DataFrame(out, schema=INTERVIEW_COLUMNS)


def tableau_1(interviews: pl.DataFrame, spec: dict[str, Any], common: dict[str, Any], *, campaign: str) -> Table:
    """Tableau 1: structures met by category (heading rows summed) and the campuses they belong to."""
    from effipia.report.common import sentence
    from effipia.report.texts import fill

    cats = categories()
    counts = {
        r["category"]: (r["structures"], r["campuses"])
        for r in interviews.group_by("category").agg(
            pl.col("structure").n_unique().alias("structures"), pl.col("campus_id").n_unique().alias("campuses")
        ).iter_rows(named=True)
    }
    rows: list[Row] = []
    done_heading: set[str] = set()
    for code, spec_c in cats["categories"].items():
        parent = spec_c.get("parent")
        if parent and parent not in done_heading:
            done_heading.add(parent)
            members = [c for c, s in cats["categories"].items() if s.get("parent") == parent]
            total = sum(counts.get(c, (0, 0))[0] for c in members)
            camp = interviews.filter(pl.col("category").is_in(members))["campus_id"].n_unique()
            rows.append(Row(cats["headings"][parent]["label"], [Cell(number(total), float(total)), Cell(number(camp) + " campus", float(camp))], key=parent))
        structures, campuses = counts.get(code, (0, 0))
        if structures == 0:
            continue
        label = ("\u2003" + spec_c["label"]) if parent else spec_c["label"]
        rows.append(Row(label, [Cell(number(structures), float(structures)), Cell(number(campuses) + " campus", float(campuses))], key=code))
    first = next((r for r in rows if r.key in cats["categories"]), None)
    lecture = (common["labels"]["lecture_prefix"] + sentence(spec["lecture"], value=first.cells[0].text, row=first.label.strip(), campuses=first.cells[1].text.split()[0])) if first else None
    return Table(key="tableau_1", number=spec["number"], title=spec["title"], stub=spec["stub"], columns=list(spec["columns"]), rows=rows,
                 lecture=lecture, source=fill(spec["source"], campaign=campaign))
