"""The report model: plain values that templates render and writers export.

A :class:`Report` is an ordered list of :class:`Section`\\ s, each holding blocks —
:class:`Paragraph`, :class:`Table`, :class:`Figure`. Every printed number of a table is a
:class:`Cell` that knows whether it was suppressed (disclosure) or flagged imprecise, so the
HTML, the PDF, the workbook and the figures all print the same thing and none of them can
print a suppressed value: a suppressed cell carries no value at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Cell", "Row", "Table", "Figure", "Paragraph", "Section", "Report"]


@dataclass(frozen=True)
class Cell:
    """One printed value. ``value`` is the rounded number as published (``None`` when
    suppressed or missing); ``text`` is what is printed (« s » when suppressed)."""

    text: str
    value: float | None = None
    suppressed: bool = False
    flag: str | None = None  # None | "imprecise" | "unreliable"
    marker: str = ""

    @property
    def printed(self) -> str:
        return self.text + self.marker


@dataclass
class Row:
    """A table row: its heading (the stub) and its cells."""

    label: str
    cells: list[Cell]
    key: str | None = None


@dataclass
class Table:
    """A numbered table with its « Lecture », « Champ » and « Source » lines."""

    key: str
    number: str
    title: str
    stub: str
    columns: list[str]
    rows: list[Row]
    lecture: str | None = None
    champ: str | None = None
    source: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return "t-" + self.key.replace("_", "-")

    def cells(self) -> list[Cell]:
        return [c for r in self.rows for c in r.cells]


@dataclass
class Figure:
    """A numbered figure: inline SVG, its alternative text and its data as a table."""

    key: str
    number: str
    title: str
    svg: str
    alt: str
    lecture: str | None = None
    champ: str | None = None
    source: str | None = None
    notes: list[str] = field(default_factory=list)
    data: Table | None = None
    png: bytes | None = None

    @property
    def anchor(self) -> str:
        return "f-" + self.key.replace("_", "-")


@dataclass
class Paragraph:
    """A paragraph of text (plain, escaped at rendering); ``items`` makes it a list."""

    text: str = ""
    items: list[str] = field(default_factory=list)
    heading: str | None = None


@dataclass
class Section:
    """A chapter: title, blocks, and optionally a team's own template."""

    key: str
    title: str
    blocks: list[Any] = field(default_factory=list)
    template: str | None = None
    intro: str = ""

    @property
    def anchor(self) -> str:
        return "s-" + self.key.replace("_", "-")


@dataclass
class Report:
    """A whole report (national or one campus)."""

    kind: str  # "national" | "campus"
    title: str
    subtitle: str
    running_header: str
    meta: dict[str, str]
    sections: list[Section]
    footnotes: dict[str, str] = field(default_factory=dict)
    campus_id: str | None = None

    def tables(self) -> list[Table]:
        return [b for s in self.sections for b in s.blocks if isinstance(b, Table)]

    def figures(self) -> list[Figure]:
        return [b for s in self.sections for b in s.blocks if isinstance(b, Figure)]
