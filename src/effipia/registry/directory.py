"""Partner directories as campus directors send them → the canonical partner frame.

Pipeline: read each file (:mod:`effipia.registry.reading`), map its French headers
(``column_aliases.csv``), check and recode every cell (category → ``partner_type``
and survey group, yes/no, SIRET, UAI, e-mail, NAF, size class, commune), merge
duplicates within a campus (same SIRET, same UAI or same normalised name), and give
each partner a stable ``partner_id`` when the file has none. Every problem of every
file is collected before failing with :class:`~effipia.errors.ValidationFailed`.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import polars as pl

from effipia import nomenclatures
from effipia.errors import Problem, ValidationFailed, message
from effipia.registry.identifiers import (
    is_valid_siret,
    is_valid_uai,
    normalize_siret,
    normalize_uai,
    uai_check_letter,
)
from effipia.registry.reading import read_table
from effipia.registry.tables import RegistryTables, default_tables, partner_type_groups
from effipia.registry.text import cell_text, normalize
from effipia.schema import PARTNER_COLUMNS
from effipia.store.limits import column_limits

__all__ = ["DirectoryImport", "Merge", "partner_id_for", "read_directories"]

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_COMMUNE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
_NAF = re.compile(r"^(\d{2})\.?(\d{1,2})?([A-Z])?$")


@dataclass(frozen=True)
class Merge:
    """Rows of a campus merged into one partner (information, not an error)."""

    campus_id: str
    name: str
    reason: str  # siret | uai | name
    sources: tuple[tuple[str, int], ...]  # (file, line) of every merged row, kept row first

    def __str__(self) -> str:
        where = ", ".join(f"{f}:{line}" for f, line in self.sources)
        reason = message(f"registry.key_{self.reason}")
        return message("registry.merged", campus=self.campus_id, name=self.name, reason=reason, where=where)


@dataclass
class DirectoryImport:
    """Result of reading directories: the partner frame (canonical layout), the number of
    data rows read and the merges done."""

    partners: pl.DataFrame
    rows_read: int
    merges: list[Merge] = field(default_factory=list)


@dataclass
class _Row:
    file: str
    line: int
    values: dict[str, object]
    headers: dict[str, str | None]  # canonical column → header as written in the file


def partner_id_for(campus_id: str, name: str, identifier: str | None = None) -> str:
    """Stable identifier of a partner without one: campus + hash of its normalised name
    (and of its SIRET or UAI for homonyms: partners of one campus sharing a name)."""
    key = f"{campus_id}\x1f{normalize(name)}" + (f"\x1f{identifier}" if identifier else "")
    return f"{campus_id}-{hashlib.sha1(key.encode()).hexdigest()[:10]}"


@cache
def _naf_codes() -> frozenset[str]:
    return frozenset(nomenclatures.codes("naf_hierarchy"))


@cache
def _size_classes() -> dict[str, str]:
    sizes = nomenclatures.load("sirene_size_classes")
    mapping = {normalize(label): code for code, label in zip(sizes["code_tefen"], sizes["label"], strict=True)}
    mapping.update({code: code for code in sizes["code_tefen"]})
    return mapping


def _normalize_naf(text: str) -> str:
    compact = text.replace(" ", "").upper()
    m = _NAF.match(compact)
    if not m:
        return compact
    division, rest, letter = m.groups()
    if rest is None:
        return division
    return f"{division}.{rest}{letter or ''}"


def _survey_group(text: str, tables: RegistryTables) -> str | None:
    """Survey group named by ``text``: a group code, or the group of the type it recodes to."""
    groups = tables.groups
    if text in groups.values():
        return text
    partner_type = tables.recode_category(text)
    return groups[partner_type] if partner_type else None


def _check_type_and_group(
    text: dict[str, str | None],
    col: Callable[[str], str],
    bad: Callable[..., None],
    out: dict[str, object],
    tables: RegistryTables,
) -> None:
    """A file with a ``partner_type`` column (the codebook layout): the type is taken from
    it (empty stays unknown) and the category is the survey group, which must be the
    type's group when both are given."""
    groups = tables.groups
    type_text, category = text.get("partner_type"), text.get("category")
    partner_type = None
    if type_text:
        partner_type = tables.recode_category(type_text)
        if partner_type is None:
            bad(col("partner_type"), "registry.unknown_category", value=type_text)
        else:
            out["partner_type"] = partner_type
            out["category"] = groups[partner_type]
    if not category:
        if not type_text:
            bad(col("category"), "registry.empty_category")
        return
    group = _survey_group(category, tables)
    if group is None:
        bad(col("category"), "registry.unknown_category", value=category)
    elif partner_type is not None and group != groups[partner_type]:
        bad(col("category"), "registry.type_group_mismatch", value=category, partner_type=partner_type,
            group=groups[partner_type])
    else:
        out["category"] = group


def _check_row(
    file: str,
    line: int,
    cells: dict[str, object],
    headers: dict[str, str | None],
    problems: list[Problem],
    tables: RegistryTables,
) -> dict[str, object]:
    """Canonical values of one row; problems appended for every bad cell."""
    out: dict[str, object] = {}

    def bad(column: str, code: str, **params: object) -> None:
        problems.append(Problem.at(file, line, column, code, **params))

    def col(canonical: str) -> str:
        """The header as the user wrote it, for the problem's location."""
        return headers.get(canonical) or canonical

    text = {name: cell_text(v) for name, v in cells.items()}

    out["partner_id"] = text.get("partner_id")
    out["campus_id"] = text.get("campus_id")
    out["name"] = text.get("name")
    if "name" in headers and not out["name"]:
        bad(col("name"), "registry.empty_name")

    if "partner_type" in headers:
        _check_type_and_group(text, col, bad, out, tables)
    else:
        category = text.get("category")
        if not category:
            if "category" in headers:
                bad(col("category"), "registry.empty_category")
        else:
            partner_type = tables.recode_category(category)
            if partner_type is None:
                bad(col("category"), "registry.unknown_category", value=category)
            else:
                out["partner_type"] = partner_type
                out["category"] = tables.groups[partner_type]

    for flag in ("consortium", "pia_concerned"):
        if flag in headers:
            value = text.get(flag)
            # A column of marks (« Membre du consortium » with x for members): empty = no.
            # The codebook's own column (what effipia writes): empty = not asked, kept empty.
            codebook = (headers[flag] or "").strip() == flag
            if value is None:
                out[flag] = None if codebook else 0
                continue
            recoded = tables.recode_yes_no(value)
            if recoded is None:
                bad(col(flag), "registry.bad_yes_no", value=value)
            out[flag] = recoded

    email = text.get("email")
    if email:
        if _EMAIL.match(email):
            out["email"] = email
        else:
            bad(col("email"), "registry.bad_email", value=email)

    raw_siret = cells.get("siret")
    if cell_text(raw_siret):
        siret = normalize_siret(raw_siret if not isinstance(raw_siret, str) else raw_siret.strip())
        if len(siret) != 14 or not siret.isdigit():
            bad(col("siret"), "registry.bad_siret_format", value=cell_text(raw_siret))
        elif not is_valid_siret(siret):
            bad(col("siret"), "registry.bad_siret_key", value=siret)
        else:
            out["siret"] = siret

    if text.get("uai"):
        uai = normalize_uai(text["uai"])
        if len(uai) == 8 and uai[:7].isdigit() and uai[7].isalpha():
            if is_valid_uai(uai):
                out["uai"] = uai
            else:
                bad(col("uai"), "registry.bad_uai_key", value=uai, expected=uai_check_letter(uai[:7]))
        else:
            bad(col("uai"), "registry.bad_uai_format", value=text["uai"])

    if text.get("naf"):
        naf = _normalize_naf(text["naf"])
        if naf in _naf_codes():
            out["naf"] = naf
        else:
            bad(col("naf"), "registry.bad_naf", value=text["naf"])

    if text.get("size_class"):
        value = text["size_class"]
        code = _size_classes().get(value.zfill(2) if value.isdigit() else normalize(value))
        if code is None:
            bad(col("size_class"), "registry.bad_size_class", value=value)
        else:
            out["size_class"] = code

    if text.get("commune_insee"):
        commune = text["commune_insee"].upper()
        commune = commune.zfill(5) if commune.isdigit() else commune
        if _COMMUNE.match(commune):
            out["commune_insee"] = commune
        else:
            bad(col("commune_insee"), "registry.bad_commune", value=text["commune_insee"])
    for column, limit in _text_limits().items():
        value = out.get(column)
        if value is not None and len(value) > limit:
            bad(col(column), "reading.text_too_long", length=len(value), limit=limit)
    return out


@cache
def _text_limits() -> dict[str, int]:
    """Declared length of each text column of the stored partners (checked on every row)."""
    return {column: limit for column, (kind, limit) in column_limits("partners").items() if kind == "text"}


def _read_rows(path: str | Path, campus: str | None, problems: list[Problem], tables: RegistryTables) -> list[_Row]:
    try:
        is_header = lambda header: "name" in tables.map_header(header, "partner")
        used = lambda header: bool(tables.map_header([header], "partner"))
        table = read_table(path, is_header, "registry.missing_name_column", used=used, require_rows=True)
    except ValidationFailed as exc:
        problems.extend(exc.problems)
        return []
    problems.extend(table.problems)
    columns = tables.map_header(table.header, "partner")
    headers = {canonical: table.header[index] for canonical, index in columns.items()}
    if "category" not in columns and "partner_type" not in columns:
        problems.append(Problem.at(table.file, table.header_line, None, "registry.missing_category_column"))
    if campus is None and "campus_id" not in columns:
        problems.append(Problem.at(table.file, table.header_line, None, "registry.missing_campus_column"))
    rows: list[_Row] = []
    for line, cells in table.rows:
        values: dict[str, object] = {c: (cells[i] if i < len(cells) else None) for c, i in columns.items()}
        checked = _check_row(table.file, line, values, headers, problems, tables)
        if campus is not None:
            given = checked.get("campus_id")
            if given is not None and given != campus:
                problems.append(
                    Problem.at(table.file, line, headers["campus_id"], "registry.campus_mismatch", value=given, campus=campus)
                )
            checked["campus_id"] = campus
        elif "campus_id" in columns and not checked.get("campus_id"):
            problems.append(Problem.at(table.file, line, headers["campus_id"], "registry.empty_campus"))
        rows.append(_Row(table.file, line, checked, headers))
    return rows


def _merge(rows: list[_Row]) -> tuple[list[_Row], list[Merge]]:
    """Union of rows sharing a SIRET, a UAI or a normalised name within a campus.

    Rows whose SIRETs (or UAIs) differ are never merged: two lycées « Notre-Dame » in
    two towns are two partners."""
    parent = list(range(len(rows)))
    reason: dict[int, str] = {}
    # SIRETs and UAIs of each group, made only for rows that meet another (most never do).
    known: dict[int, dict[str, set]] = {}

    def identifiers(i: int) -> dict[str, set]:
        found = known.get(i)
        if found is None:
            values = rows[i].values
            found = known[i] = {key: {values[key]} if values.get(key) else set() for key in ("siret", "uai")}
        return found

    def conflict(a: int, b: int) -> bool:
        ia, ib = identifiers(a), identifiers(b)
        return any(ia[k] and ib[k] and ia[k] != ib[k] for k in ("siret", "uai"))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    seen: dict[tuple[str, str, str], int] = {}
    for i, row in enumerate(rows):
        v = row.values
        for key in ("siret", "uai", "name"):
            value = v.get(key)
            if not value:
                continue
            marker = (str(v["campus_id"]), key, normalize(str(value)) if key == "name" else str(value))
            if marker in seen:
                a, b = find(seen[marker]), find(i)
                if a != b and not conflict(a, b):
                    first, second = min(a, b), max(a, b)
                    parent[second] = first
                    for k in ("siret", "uai"):
                        identifiers(first)[k] |= identifiers(second)[k]
                    reason.setdefault(first, key)
            else:
                seen[marker] = i
    groups: dict[int, list[int]] = {}
    for i in range(len(rows)):
        groups.setdefault(find(i), []).append(i)
    kept: list[_Row] = []
    merges: list[Merge] = []
    for root, members in sorted(groups.items()):
        base = rows[members[0]].values if len(members) == 1 else dict(rows[members[0]].values)
        for j in members[1:]:
            for column, value in rows[j].values.items():
                if base.get(column) is None and value is not None:
                    base[column] = value
                elif column in ("consortium", "pia_concerned") and value is not None:
                    base[column] = max(int(base[column]), int(value))
        kept.append(_Row(rows[members[0]].file, rows[members[0]].line, base, rows[members[0]].headers))
        if len(members) > 1:
            merges.append(
                Merge(
                    str(base["campus_id"]),
                    str(base.get("name") or ""),
                    reason.get(root, "name"),
                    tuple((rows[j].file, rows[j].line) for j in members),
                )
            )
    return kept, merges


def read_directories(
    paths: Sequence[str | Path] | str | Path,
    campus: str | None = None,
    known_campuses: Iterable[str] | None = None,
    tables: RegistryTables | None = None,
) -> DirectoryImport:
    """Read partner directory files (CSV or XLSX) into the canonical partner frame.

    ``campus``: every row belongs to this campus (one-campus files); otherwise each
    file needs a campus column. ``known_campuses``: the campus registry, to reject
    unknown campuses. ``tables``: header aliases and recoding tables (default: the shipped
    ones extended by ``EFFIPIA_REGISTRY_TABLES``; see :func:`effipia.registry.tables.load_tables`).
    Raises :class:`ValidationFailed` with every problem at once.
    """
    tables = tables or default_tables()
    if isinstance(paths, (str, Path)):
        paths = [paths]
    problems: list[Problem] = []
    known = None if known_campuses is None else set(known_campuses)
    if campus is not None and known is not None and campus not in known:
        raise ValidationFailed([Problem.at(str(p), None, None, "registry.unknown_campus", campus=campus) for p in paths])
    rows: list[_Row] = []
    for path in paths:
        rows.extend(_read_rows(path, campus, problems, tables))
    if known is not None and campus is None:
        for row in rows:
            cid = row.values.get("campus_id")
            if cid and cid not in known:
                problems.append(
                    Problem.at(row.file, row.line, row.headers.get("campus_id"), "registry.unknown_campus", campus=cid)
                )
    # Merges and identifiers are worked out even when cells are bad, so that a duplicate
    # partner_id is reported with them, not only once they are fixed.
    kept, merges = _merge(rows)
    names = Counter((str(r.values["campus_id"]), normalize(str(r.values["name"]))) for r in kept)
    ids: dict[str, tuple[str, int]] = {}
    for row in kept:
        v = row.values
        if not v.get("partner_id"):
            campus_id, name = str(v["campus_id"]), str(v["name"])
            homonym = names[(campus_id, normalize(name))] > 1
            v["partner_id"] = partner_id_for(campus_id, name, (v.get("siret") or v.get("uai")) if homonym else None)
        pid = str(v["partner_id"])
        if pid in ids:
            other = f"{ids[pid][0]}:{ids[pid][1]}"
            column = row.headers.get("partner_id") or "partner_id"
            problems.append(Problem.at(row.file, row.line, column, "registry.duplicate_partner_id", value=pid, other=other))
        ids.setdefault(pid, (row.file, row.line))
    if problems:
        raise ValidationFailed(problems)
    records = [{c: row.values.get(c) for c in PARTNER_COLUMNS} for row in kept]
    frame = pl.DataFrame(records, schema=PARTNER_COLUMNS) if records else pl.DataFrame(schema=PARTNER_COLUMNS)
    return DirectoryImport(frame.sort("partner_id"), len(rows), merges)
