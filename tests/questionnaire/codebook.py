"""Reading the codebook (``shared/docs/codebook.md``) so tests check the workbook against the
contract itself, not against a retyped list."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_RANGE = r"`(?P<prefix>[a-z_]+?)_(?P<first>\d+)` … `(?P=prefix)_(?P<last>\d+)`"
_HEADING_TOKEN = re.compile(
    rf"{_RANGE}|\(`(?P<paren>\w+)`\)|in `(?P<in>\w+)`|`(?P<label>\w+)`:|`(?P<single>\w+)`"
)


@dataclass
class Codebook:
    scales: dict[str, list[str]]  # scale → codes in order
    items: dict[str, str]  # block item → scale (``select_multiple`` for expectations)
    identification: dict[str, list[str]]  # identification column → codes ([] for free text)
    expectations: dict[str, list[str]]  # survey group → expectation choices the codebook names
    routing: list[tuple[str, str]]  # (items cell, asked-of cell) of the routing table


def _section(text: str, title: str) -> str:
    start = text.index(f"## {title}")
    end = text.find("\n## ", start + 3)
    return text[start : end if end != -1 else len(text)]


def _table_rows(section: str) -> list[list[str]]:
    rows = []
    for line in section.splitlines():
        if line.startswith("| ") and not line.startswith("| ---") and not line.startswith("|---"):
            rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows[1:]  # header row dropped


def read_codebook(path: Path) -> Codebook:
    """Parse the codebook's tables and block headings."""
    text = path.read_text(encoding="utf-8")
    scales = {}
    for name, codes in _table_rows(_section(text, "Answer scales")):
        scales[name.strip("`")] = [m.group(1) for part in codes.split("·") if (m := re.match(r"\s*(\d+)\s", part))]
    identification = {
        column.strip("`"): re.findall(r"`(\w+)`", values.split("empty")[0])
        for column, _meaning, values in _table_rows(_section(text, "Respondent identification"))
    }
    items: dict[str, str] = {}
    expectations: dict[str, list[str]] = {}
    blocks = _section(text, "Blocks")
    for chunk in blocks.split("\n### ")[1:]:
        heading, _, body = chunk.partition("\n")
        if "select_multiple" in heading:
            items["expectations"] = "select_multiple"
            # « the report names at least: lycée `exp_…`, …; supérieur `…`; entreprise …; OF/CFA … »
            group_codes = {"lycée": "lycee", "supérieur": "superieur", "entreprise": "entreprise", "OF/CFA": "of_cfa"}
            for part in body.split("at least:")[1].split(";"):
                label = part.strip().split(" ")[0]
                expectations[group_codes[label]] = re.findall(r"`(exp_\w+)`", part)
            continue
        pending: list[str] = []
        heading_scale = None
        for m in _HEADING_TOKEN.finditer(heading):
            if m.group("prefix"):
                pending += [f"{m.group('prefix')}_{k}" for k in range(int(m.group("first")), int(m.group("last")) + 1)]
            elif m.group("paren") or m.group("in"):
                scale = m.group("paren") or m.group("in")
                if pending:
                    items.update({name: scale for name in pending})
                    pending = []
                else:
                    heading_scale = scale
            elif m.group("single"):
                pending.append(m.group("single"))
        if heading_scale:  # items named in the body (« `benef_network` … · `benef_skills` … »)
            for name in re.findall(r"(?:^|· )`(\w+)`", body.strip(), flags=re.MULTILINE):
                items[name] = heading_scale
    routing = [(row[0], row[1]) for row in _table_rows(_section(text, "Routing"))]
    return Codebook(scales, items, identification, expectations, routing)
