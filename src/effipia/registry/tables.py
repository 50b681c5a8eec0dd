"""The registry's reference tables: header aliases, category recoding and yes/no recoding.

The shipped tables (package data in ``effipia/data/registry``, see its README) can be
extended without touching the package, in increasing precedence:

1. files of the same names (``column_aliases.csv``, ``category_recoding.csv``,
   ``yes_no.csv``) in the folder named by ``EFFIPIA_REGISTRY_TABLES``;
2. files given explicitly (``effipia partners import --aliases FILE --recoding FILE``).

Their rows are added to the shipped ones; on a conflict (same header or same text) the
user's row wins. User files are read like registry files (CSV in UTF-8 or Windows-1252,
any usual separator, or XLSX) and validated: every malformed row is a French problem
(file:line:column) and nothing is used.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from pathlib import Path

from effipia import nomenclatures
from effipia.errors import EffipiaError, Problem, ValidationFailed
from effipia.registry.reading import read_table
from effipia.registry.text import cell_text, normalize
from effipia.schema import CAMPUS_COLUMNS, PARTNER_COLUMNS

__all__ = [
    "ALIASES_FILE",
    "ENVIRONMENT_VARIABLE",
    "RECODING_FILE",
    "YES_NO_FILE",
    "RegistryTables",
    "category_recoding",
    "default_tables",
    "header_aliases",
    "load_tables",
    "map_header",
    "partner_type_groups",
    "recode_category",
    "recode_yes_no",
    "yes_no",
]

ENVIRONMENT_VARIABLE = "EFFIPIA_REGISTRY_TABLES"
ALIASES_FILE = "column_aliases.csv"
RECODING_FILE = "category_recoding.csv"
YES_NO_FILE = "yes_no.csv"

_CANONICAL = {"partner": PARTNER_COLUMNS, "campus": CAMPUS_COLUMNS}
_HEADERS = {ALIASES_FILE: ("table", "column", "alias"), RECODING_FILE: ("text", "partner_type"), YES_NO_FILE: ("text", "value")}

# One row of a table: (file, line, {column: text}) — file and line locate problems.
_Row = tuple[str, int | None, dict[str, str]]


def _yes_no_key(text: str) -> str:
    # « - » or « ✓ » have no letter or digit: they are matched as typed. Text without a
    # letter is matched as typed too, so that « -1 » (or « 1,5 ») never reads as « 1 ».
    stripped = text.strip()
    if not any(c.isalpha() for c in stripped):
        return stripped
    return normalize(text) or stripped


@dataclass(frozen=True)
class RegistryTables:
    """The effective tables: shipped rows extended by the user's, user rows first.

    ``aliases``: (table, normalised alias, canonical column) in priority order;
    ``recoding``: normalised text → ``partner_type`` code; ``yes_no``: key → 1/0."""

    aliases: tuple[tuple[str, str, str], ...]
    recoding: dict[str, str]
    yes_no: dict[str, int]
    #: ``partner_type`` code → survey group, read once (validation looks it up for every row).
    groups: dict[str, str] = field(default_factory=lambda: partner_type_groups(), compare=False)

    def header_aliases(self, table: str) -> list[tuple[str, str]]:
        """(normalised alias, canonical column) pairs of ``table`` ("partner" or "campus"), in priority order."""
        return [(alias, column) for t, alias, column in self.aliases if t == table]

    def map_header(self, header: list[str | None], table: str) -> dict[str, int]:
        """Canonical column → index of the file column that feeds it. When several file
        columns match one canonical column, the one whose alias comes first wins."""
        found: dict[str, int] = {}
        normalised = [normalize(h) if h else "" for h in header]
        for alias, column in self.header_aliases(table):
            if column in found:
                continue
            if alias in normalised:
                found[column] = normalised.index(alias)
        return found

    def recode_category(self, text: str) -> str | None:
        """``partner_type`` code for a free-text category, or ``None`` when unknown.

        Text in parentheses or after a dash is tried alone when the whole is unknown
        (« Lycée professionnel (LP) », « CCI - Chambre de commerce »)."""
        candidates = [text, text.split("(")[0], *text.replace("–", "-").split(" - ")]
        for candidate in candidates:
            code = self.recoding.get(normalize(candidate))
            if code:
                return code
        return None

    def recode_yes_no(self, text: str) -> int | None:
        """1 or 0 for a yes/no cell (« oui », « x », « membre »…), ``None`` when unknown."""
        return self.yes_no.get(_yes_no_key(text))


def _shipped(name: str) -> list[_Row]:
    text = (files("effipia") / "data" / "registry" / name).read_text(encoding="utf-8")
    return [(name, None, row) for row in csv.DictReader(text.splitlines())]


def _row_defects(name: str, row: dict[str, str]) -> list[tuple[str, str, dict[str, object]]]:
    """(column, problem code, parameters) of every defect of one row of a user's table ``name``."""
    defects: list[tuple[str, str, dict[str, object]]] = [
        (column, "registry.tables_empty_cell", {}) for column, value in row.items() if not value
    ]
    if name == ALIASES_FILE and row["table"] and row["column"]:
        canonical = _CANONICAL.get(row["table"])
        if canonical is None:
            defects.append(("table", "registry.tables_unknown_table", {"value": row["table"]}))
        elif row["column"] not in canonical:
            params = {"value": row["column"], "table": row["table"], "columns": ", ".join(canonical)}
            defects.append(("column", "registry.tables_unknown_column", params))
    if name == RECODING_FILE and row["partner_type"]:
        codes = nomenclatures.codes("partner_types")
        if row["partner_type"] not in codes:
            params = {"value": row["partner_type"], "codes": ", ".join(codes)}
            defects.append(("partner_type", "registry.tables_unknown_partner_type", params))
    if name == YES_NO_FILE and row["value"] and row["value"] not in ("0", "1"):
        defects.append(("value", "registry.tables_bad_yes_no_value", {"value": row["value"]}))
    text_column = "alias" if name == ALIASES_FILE else "text"
    if name != YES_NO_FILE and row[text_column] and not normalize(row[text_column]):
        defects.append((text_column, "registry.tables_bad_alias", {"value": row[text_column]}))
    return defects


def _key(name: str, row: dict[str, str]) -> tuple[str, ...]:
    """What a row defines: two rows of one file with the same key must agree."""
    if name == ALIASES_FILE:
        return (row["table"], normalize(row["alias"]))
    return (normalize(row["text"]) if name == RECODING_FILE else _yes_no_key(row["text"]),)


def _read_user_file(path: str | Path, name: str, problems: list[Problem]) -> list[_Row]:
    """Rows of a user's table file, checked; problems appended (file:line:column)."""
    expected = _HEADERS[name]

    def is_header(header: list[str | None]) -> bool:
        return set(expected) <= {(h or "").strip().lower() for h in header}

    try:
        table = read_table(path, is_header, "registry.tables_no_header")
    except ValidationFailed as exc:
        # Said again naming the columns this kind of table needs.
        problems.extend(
            Problem.at(p.file, p.row, p.column, "registry.tables_missing_header", columns=", ".join(expected), table=name)
            if p.code == "registry.tables_no_header"
            else p
            for p in exc.problems
        )
        return []
    problems.extend(table.problems)  # ragged rows, repeated headers, defective cells
    index = {(h or "").strip().lower(): i for i, h in reversed(list(enumerate(table.header)))}
    headers = {column: table.header[index[column]] or column for column in expected}
    value_column = {ALIASES_FILE: "column", RECODING_FILE: "partner_type", YES_NO_FILE: "value"}[name]
    rows: list[_Row] = []
    seen: dict[tuple[str, ...], tuple[int, str]] = {}
    for line, cells in table.rows:
        row = {c: _text(cells, index[c]) for c in expected}
        defects = _row_defects(name, row)
        if not defects:
            key = _key(name, row)
            if key in seen and seen[key][1] != row[value_column]:
                other, value = seen[key]
                params = {"other": other, "value": value}
                defects.append((value_column, "registry.tables_contradiction", params))
            seen.setdefault(key, (line, row[value_column]))
        for column, code, params in defects:
            problems.append(Problem.at(table.file, line, headers[column], code, **params))
        if not defects:
            rows.append((table.file, line, row))
    return rows


def _text(cells: list[object], index: int) -> str:
    return (cell_text(cells[index]) if index < len(cells) else None) or ""


def _layers(name: str, folder: Path | None, explicit: Iterable[str | Path], problems: list[Problem]) -> list[list[_Row]]:
    """Rows of table ``name``, highest precedence first: explicit files (last given first),
    then the user's folder, then the shipped file."""
    layers = [_read_user_file(path, name, problems) for path in reversed(list(explicit))]
    if folder is not None and (folder / name).is_file():
        layers.append(_read_user_file(folder / name, name, problems))
    layers.append(_shipped(name))
    return layers


def _first_wins(layers: list[list[_Row]], key: Callable[[dict[str, str]], str], value: Callable[[dict[str, str]], object]) -> dict:
    mapping: dict = {}
    for layer in layers:
        for _, _, row in layer:
            mapping.setdefault(key(row), value(row))
    return mapping


def _build(folder: Path | None, aliases: Iterable[str | Path], recoding: Iterable[str | Path],
           yes_no: Iterable[str | Path]) -> RegistryTables:
    problems: list[Problem] = []
    alias_layers = _layers(ALIASES_FILE, folder, aliases, problems)
    recoding_layers = _layers(RECODING_FILE, folder, recoding, problems)
    yes_no_layers = _layers(YES_NO_FILE, folder, yes_no, problems)
    if problems:
        raise ValidationFailed(problems)
    # Aliases: a (table, alias) redefined by a higher layer is dropped from the lower ones,
    # so one header never feeds two columns; within a layer, file order is priority order.
    ordered: list[tuple[str, str, str]] = []
    taken: set[tuple[str, str]] = set()
    for layer in alias_layers:
        rows = [(r["table"], normalize(r["alias"]), r["column"]) for _, _, r in layer]
        ordered += [row for row in rows if row[:2] not in taken]
        taken |= {row[:2] for row in rows}
    category = _first_wins(recoding_layers, lambda r: normalize(r["text"]), lambda r: r["partner_type"])
    types = nomenclatures.load("partner_types")
    for code, label in zip(types["code"], types["label"], strict=True):
        category.setdefault(normalize(code), code)
        category.setdefault(normalize(label), code)
    flags = _first_wins(yes_no_layers, lambda r: _yes_no_key(r["text"]), lambda r: int(r["value"]))
    return RegistryTables(tuple(ordered), category, flags)


def _user_folder() -> Path | None:
    from effipia.settings import get_settings

    folder = get_settings().registry_tables  # EFFIPIA_REGISTRY_TABLES
    if folder is None:
        return None
    if not folder.is_dir():
        raise EffipiaError("registry.tables_folder_not_found", variable=ENVIRONMENT_VARIABLE, path=str(folder))
    return folder


@cache
def _cached(folder: str | None) -> RegistryTables:
    return _build(Path(folder) if folder else None, (), (), ())


def default_tables() -> RegistryTables:
    """The shipped tables extended by the files of ``EFFIPIA_REGISTRY_TABLES`` (if set).

    Raises :class:`ValidationFailed` when a user file is malformed and
    :class:`EffipiaError` when the folder does not exist."""
    folder = _user_folder()
    return _cached(str(folder) if folder else None)


def load_tables(
    aliases: Iterable[str | Path] | str | Path | None = None,
    recoding: Iterable[str | Path] | str | Path | None = None,
    yes_no: Iterable[str | Path] | str | Path | None = None,
) -> RegistryTables:
    """The effective tables with the user's files ``aliases`` (``column_aliases.csv`` layout),
    ``recoding`` (``category_recoding.csv`` layout) and ``yes_no`` added above the
    ``EFFIPIA_REGISTRY_TABLES`` folder and the shipped tables (a later file wins over an
    earlier one). Raises :class:`ValidationFailed` with every problem of every file."""

    def paths(value: Iterable[str | Path] | str | Path | None) -> list[str | Path]:
        if value is None:
            return []
        return [value] if isinstance(value, (str, Path)) else list(value)

    if aliases is None and recoding is None and yes_no is None:
        return default_tables()
    return _build(_user_folder(), paths(aliases), paths(recoding), paths(yes_no))


# Module-level helpers over the default tables (other stages map campus headers with them).


def header_aliases(table: str) -> list[tuple[str, str]]:
    """(normalised alias, canonical column) pairs of ``table`` in priority order (default tables)."""
    return default_tables().header_aliases(table)


def map_header(header: list[str | None], table: str, tables: RegistryTables | None = None) -> dict[str, int]:
    """Canonical column → index of the file column that feeds it (see :meth:`RegistryTables.map_header`)."""
    return (tables or default_tables()).map_header(header, table)


def category_recoding() -> dict[str, str]:
    """Normalised free text → ``partner_type`` code (default tables)."""
    return default_tables().recoding


def recode_category(text: str, tables: RegistryTables | None = None) -> str | None:
    """``partner_type`` code for a free-text category, or ``None`` when unknown."""
    return (tables or default_tables()).recode_category(text)


def yes_no() -> dict[str, int]:
    """Normalised yes/no text → 1/0 (default tables)."""
    return default_tables().yes_no


def recode_yes_no(text: str, tables: RegistryTables | None = None) -> int | None:
    """1 or 0 for a yes/no cell, ``None`` when unknown."""
    return (tables or default_tables()).recode_yes_no(text)


def partner_type_groups() -> dict[str, str]:
    """``partner_type`` code → survey group (``category``)."""
    types = nomenclatures.load("partner_types")
    return dict(zip(types["code"], types["survey_group"], strict=True))
