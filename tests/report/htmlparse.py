"""A small HTML reader for the report tests: the blocks (tables and figures) of a report
with their caption, header, rows, « Lecture », « Champ », notes and « Source » — parsed
from the markup (html.parser), not by string matching."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Block:
    kind: str
    number: str
    caption: str = ""
    head: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    row_scopes: list[str] = field(default_factory=list)
    col_scopes: list[str] = field(default_factory=list)
    lines: dict[str, list[str]] = field(default_factory=dict)
    svg_title: str = ""
    svg_texts: list[str] = field(default_factory=list)
    has_svg: bool = False


def _squash(text: str) -> str:
    """ASCII whitespace collapsed (the narrow no-break space of French numbers is kept)."""
    return re.sub(r"[ \t\n\r\f\v]+", " ", text).strip()


class ReportParser(HTMLParser):
    """Collects :class:`Block`\\ s (``data-kind`` elements) and the whole visible text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self.text: list[str] = []
        self.attributes: list[str] = []
        self.ids: list[str] = []
        self.lang = None
        self._stack: list[tuple[str, dict]] = []
        self._block: Block | None = None
        self._depth = 0
        self._capture: str | None = None
        self._buf: list[str] = []
        self._row: list[str] | None = None
        self._in_thead = False
        self._in_details = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "html":
            self.lang = a.get("lang")
        if "id" in a:
            self.ids.append(a["id"])
        for k in ("title", "alt", "aria-label", "content"):
            if a.get(k):
                self.attributes.append(a[k])
        if tag in ("br", "meta", "img", "input", "link"):
            return
        self._stack.append((tag, a))
        if a.get("data-kind") and self._block is None:
            self._block = Block(a["data-kind"], a.get("data-number", ""))
            self._depth = len(self._stack)
        b = self._block
        if b is None:
            return
        if tag == "details":
            self._in_details = True
        if self._in_details:
            return
        if tag == "svg":
            b.has_svg = True
        if tag == "thead":
            self._in_thead = True
        if tag == "tr":
            self._row = []
        if tag in ("caption", "figcaption", "th", "td", "title") or (tag == "p" and a.get("class") in ("lecture", "champ", "note", "source")) or (tag == "text"):
            self._capture = a.get("class") if tag == "p" else tag
            self._buf = []
            if tag == "th":
                (b.col_scopes if self._in_thead else b.row_scopes).append(a.get("scope", ""))

    def handle_endtag(self, tag):
        if not self._stack:
            return
        while self._stack and self._stack[-1][0] != tag:
            self._stack.pop()
        if self._stack:
            self._stack.pop()
        b = self._block
        if b is None:
            return
        if tag == "details":
            self._in_details = False
        if self._in_details:
            return
        text = _squash("".join(self._buf))
        if self._capture is not None and (tag == self._capture or (tag == "p" and self._capture in ("lecture", "champ", "note", "source"))):
            if tag in ("caption", "figcaption"):
                b.caption = text
            elif tag in ("th", "td"):
                if self._row is not None:
                    self._row.append(text)
            elif tag == "title":
                b.svg_title = text
            elif tag == "text":
                b.svg_texts.append(text)
            else:
                b.lines.setdefault(self._capture, []).append(text)
            self._capture = None
        if tag == "tr" and self._row is not None:
            if self._in_thead:
                b.head.extend(self._row)
            else:
                b.rows.append(self._row)
            self._row = None
        if tag == "thead":
            self._in_thead = False
        if len(self._stack) < self._depth:
            self.blocks.append(b)
            self._block = None

    def handle_data(self, data):
        self.text.append(data)
        if self._capture is not None:
            self._buf.append(data)


def parse(html: str) -> ReportParser:
    p = ReportParser()
    p.feed(html)
    p.close()
    return p


def block(parser: ReportParser, number: str) -> Block:
    found = [b for b in parser.blocks if b.number == number]
    assert len(found) == 1, f"{number}: {len(found)} blocks"
    return found[0]
