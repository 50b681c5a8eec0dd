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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import polars as pl

from effipia import nomenclatures
from effipia.errors import Problem, ValidationFailed, message
from effipia.registry.columns import by_value, columns_of, text_frame
from effipia.registry.identifiers import (
    LA_POSTE_SIREN,
    is_valid_uai,
    normalize_siret,
    normalize_uai,
    uai_check_letter,
)
from effipia.registry.reading import read_table
from effipia.registry.tables import RegistryTables, default_tables
from effipia.registry.text import WHITESPACE, cell_text, normalize, normalized
from effipia.schema import PARTNER_COLUMNS
from effipia.store.limits import column_limits

__all__ = ["DirectoryImport", "Merge", "partner_id_for", "read_directories"]

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


@cache
def _text_limits() -> dict[str, int]:
    """Declared length of each text column of the stored partners (checked on every row)."""
    return {column: limit for column, (kind, limit) in column_limits("partners").items() if kind == "text"}


#: E-mail shape: the same pattern as a Python ``re`` over one cell (``\s`` spelled out as
#: the characters ``str.isspace`` names, so both engines agree on every character).
_WS = "".join(f"\\x{{{ord(c):x}}}" for c in WHITESPACE)
_EMAIL_COLUMN = rf"^[^@{_WS}]+@[^@{_WS}]+\.[^@{_WS}]+$"
_SIRET_SEPARATORS = rf"[{_WS}.\-\x{{a0}}\x{{202f}}]"
_FLAGS = ("consortium", "pia_concerned")


@dataclass(frozen=True)
class _Source:
    """A file read: its name (as problems name it) and canonical column → header as written."""

    file: str
    headers: dict[str, str | None]

    def column(self, canonical: str) -> str:
        """The header as the user wrote it, for a problem's location."""
        return self.headers.get(canonical) or canonical


def _id_for_key(campus_id: str, key: str, identifier: str | None) -> str:
    text = f"{campus_id}\x1f{key}" + (f"\x1f{identifier}" if identifier else "")
    return f"{campus_id}-{hashlib.sha1(text.encode()).hexdigest()[:10]}"


def partner_id_for(campus_id: str, name: str, identifier: str | None = None) -> str:
    """Stable identifier of a partner without one: campus + hash of its normalised name
    (and of its SIRET or UAI for homonyms: partners of one campus sharing a name)."""
    return _id_for_key(campus_id, normalize(name), identifier)


def _category_check(tables: RegistryTables, with_type: bool) -> Callable[..., tuple[dict, list]]:
    """The category (and partner type) check of one distinct value (pair of values)."""

    def check(type_text: str | None, category: str | None) -> tuple[dict, list]:
        found: list = []
        out: dict[str, object] = {}
        text = {"partner_type": type_text, "category": category}
        bad = lambda column, code, **params: found.append((column, code, params))  # noqa: E731
        if with_type:
            _check_type_and_group(text, lambda c: c, bad, out, tables)
        elif not category:
            bad("category", "registry.empty_category")
        else:
            partner_type = tables.recode_category(category)
            if partner_type is None:
                bad("category", "registry.unknown_category", value=category)
            else:
                out["partner_type"] = partner_type
                out["category"] = tables.groups[partner_type]
        return out, found

    return check


def _flag_check(tables: RegistryTables, flag: str, codebook: bool) -> Callable[..., tuple[dict, list]]:
    def check(value: str | None) -> tuple[dict, list]:
        # A column of marks (« Membre du consortium » with x for members): empty = no.
        # The codebook's own column (what effipia writes): empty = not asked, kept empty.
        if value is None:
            return {flag: None if codebook else 0}, []
        recoded = tables.recode_yes_no(value)
        if recoded is None:
            return {flag: None}, [(flag, "registry.bad_yes_no", {"value": value})]
        return {flag: recoded}, []

    return check


def _uai_check(text: str | None) -> tuple[dict, list]:
    if not text:
        return {"uai": None}, []
    uai = normalize_uai(text)
    if len(uai) == 8 and uai[:7].isdigit() and uai[7].isalpha():
        if is_valid_uai(uai):
            return {"uai": uai}, []
        return {"uai": None}, [("uai", "registry.bad_uai_key", {"value": uai, "expected": uai_check_letter(uai[:7])})]
    return {"uai": None}, [("uai", "registry.bad_uai_format", {"value": text})]


def _naf_check(text: str | None) -> tuple[dict, list]:
    if not text:
        return {"naf": None}, []
    naf = _normalize_naf(text)
    if naf in _naf_codes():
        return {"naf": naf}, []
    return {"naf": None}, [("naf", "registry.bad_naf", {"value": text})]


def _size_check(value: str | None) -> tuple[dict, list]:
    if not value:
        return {"size_class": None}, []
    code = _size_classes().get(value.zfill(2) if value.isdigit() else normalize(value))
    if code is None:
        return {"size_class": None}, [("size_class", "registry.bad_size_class", {"value": value})]
    return {"size_class": code}, []


def _commune_check(text: str | None) -> tuple[dict, list]:
    if not text:
        return {"commune_insee": None}, []
    commune = text.upper()
    commune = commune.zfill(5) if commune.isdigit() else commune
    if _COMMUNE.match(commune):
        return {"commune_insee": commune}, []
    return {"commune_insee": None}, [("commune_insee", "registry.bad_commune", {"value": text})]


_BY_VALUE = {"uai": _uai_check, "naf": _naf_check, "size_class": _size_check, "commune_insee": _commune_check}


def _sirets(raw: list[object], text: pl.Series, text_only: bool) -> pl.Series:
    """SIRETs as typed, separators removed; workbook numbers that lost their leading zeros
    padded back (:func:`normalize_siret`)."""
    if text_only or all(v is None or isinstance(v, str) for v in raw):
        return text.str.replace_all(_SIRET_SEPARATORS, "")
    return pl.Series([normalize_siret(v if not isinstance(v, str) else v.strip()) if cell_text(v) else None for v in raw],
                     dtype=pl.String)


def _siret_checks(siret: pl.Series) -> tuple[pl.Series, pl.Series]:
    """(14 digits?, check rule passed?) of every SIRET: Luhn, or La Poste's rule
    (:func:`effipia.registry.identifiers.is_valid_siret`, column-wise)."""
    frame = pl.DataFrame({"s": siret})
    shape = pl.col("s").str.contains(r"^[0-9]{14}$")
    digits = [pl.col("s").str.slice(i, 1).cast(pl.Int32, strict=False) for i in range(14)]
    # Luhn from the right: the 2nd, 4th… digits from the right (even positions from the left) doubled.
    luhn = pl.sum_horizontal([(pl.when(d > 4).then(d * 2 - 9).otherwise(d * 2) if i % 2 == 0 else d)
                              for i, d in enumerate(digits)])
    poste = pl.col("s").str.starts_with(LA_POSTE_SIREN) & (pl.sum_horizontal(digits) % 5 == 0)
    valid = shape & ((luhn % 10 == 0) | poste)
    result = frame.select(shape.fill_null(False).alias("shape"), valid.fill_null(False).alias("valid"))
    return result.get_column("shape"), result.get_column("valid")


def _report(problems: list[Problem], source: _Source, lines: list[int], found: list) -> None:
    for row, column, code, params in found:
        problems.append(Problem.at(source.file, lines[row], source.column(column), code, **params))


def _read_file(
    path: str | Path, index: int, campus: str | None, problems: list[Problem], tables: RegistryTables
) -> tuple[_Source, pl.DataFrame] | None:
    """One directory file checked column-wise: its canonical frame (``__source``,
    ``__line`` then :data:`PARTNER_COLUMNS`), every problem appended to ``problems``."""
    try:
        is_header = lambda header: "name" in tables.map_header(header, "partner")  # noqa: E731
        used = lambda header: bool(tables.map_header([header], "partner"))  # noqa: E731
        table = read_table(path, is_header, "registry.missing_name_column", used=used, require_rows=True)
    except ValidationFailed as exc:
        problems.extend(exc.problems)
        return None
    problems.extend(table.problems)
    columns = tables.map_header(table.header, "partner")
    source = _Source(table.file, {canonical: table.header[i] for canonical, i in columns.items()})
    headers = source.headers
    if "category" not in columns and "partner_type" not in columns:
        problems.append(Problem.at(table.file, table.header_line, None, "registry.missing_category_column"))
    if campus is None and "campus_id" not in columns:
        problems.append(Problem.at(table.file, table.header_line, None, "registry.missing_campus_column"))
    lines = table.lines
    height = len(lines)
    raw = table.column_cells(columns)
    text_only = table.text_only
    del table
    text = text_frame(raw, height, text_only)
    found: list = []
    out: dict[str, pl.Series | pl.Expr] = {}
    for column in ("partner_id", "campus_id", "name"):
        if column in text.columns:
            out[column] = text.get_column(column)
    if "name" in headers:
        found += [(i, "name", "registry.empty_name", {}) for i in text.get_column("name").is_null().arg_true()]

    def checked(keys: list[str], check: Callable, schema: dict[str, pl.DataType]) -> None:
        values, problems_found = by_value(columns_of(text, keys), check, schema)
        out.update({c: values.get_column(c) for c in schema})
        found.extend(problems_found)

    if "partner_type" in headers or "category" in headers:
        checked(["partner_type", "category"], _category_check(tables, "partner_type" in headers),
                {"partner_type": pl.String, "category": pl.String})
    for flag in _FLAGS:
        if flag in headers:
            checked([flag], _flag_check(tables, flag, (headers[flag] or "").strip() == flag), {flag: pl.Int64})
    if "email" in text.columns:
        email = text.get_column("email")
        shaped = email.str.contains(_EMAIL_COLUMN)
        out["email"] = email.set(~shaped.fill_null(True), None) if height else email
        bad = email.filter(shaped.not_()).to_list()
        found += [(i, "email", "registry.bad_email", {"value": v}) for i, v in zip(shaped.not_().arg_true(), bad, strict=True)]
    if "siret" in text.columns:
        siret = _sirets(raw["siret"], text.get_column("siret"), text_only)
        shape, valid = _siret_checks(siret)
        given = text.get_column("siret").is_not_null()
        out["siret"] = siret.set(~valid, None) if height else siret
        typed = text.get_column("siret")
        for i in (given & ~shape).arg_true():
            found.append((i, "siret", "registry.bad_siret_format", {"value": typed[i]}))
        for i in (given & shape & ~valid).arg_true():
            found.append((i, "siret", "registry.bad_siret_key", {"value": siret[i]}))
    del raw
    for column, check in _BY_VALUE.items():
        if column in text.columns:
            checked([column], check, {column: pl.String})
    frame = pl.DataFrame(
        [pl.Series("__source", [index] * height, dtype=pl.Int64), pl.Series("__line", lines, dtype=pl.Int64)]
        + [(out[c].alias(c) if c in out else pl.Series(c, [None] * height, dtype=d)) for c, d in PARTNER_COLUMNS.items()]
    )
    for column, limit in _text_limits().items():
        if column not in PARTNER_COLUMNS:
            continue
        lengths = frame.get_column(column).str.len_chars()
        for i, length in zip((lengths > limit).arg_true(), lengths.filter(lengths > limit), strict=True):
            found.append((i, column, "reading.text_too_long", {"length": length, "limit": limit}))
    if campus is not None:
        given = frame.get_column("campus_id")
        for i in (given.is_not_null() & (given != campus)).arg_true():
            found.append((i, "campus_id", "registry.campus_mismatch", {"value": given[i], "campus": campus}))
        frame = frame.with_columns(pl.lit(campus, pl.String).alias("campus_id"))
    elif "campus_id" in columns:
        found += [(i, "campus_id", "registry.empty_campus", {}) for i in frame.get_column("campus_id").is_null().arg_true()]
    _report(problems, source, lines, found)
    return source, frame


def _merge(frame: pl.DataFrame, sources: list[_Source]) -> tuple[pl.DataFrame, list[Merge]]:
    """Union of rows sharing a SIRET, a UAI or a normalised name within a campus (the
    frame's order decides, as row by row); rows whose SIRETs (or UAIs) differ are never
    merged: two lycées « Notre-Dame » in two towns are two partners.

    Only rows that share a key with another row can merge: the union is worked out on
    them alone, the others are kept as they are."""
    campus = pl.col("campus_id").fill_null("None")
    marked = frame.with_row_index("__order").with_columns(normalized(frame.get_column("name")).alias("__key"))
    meets = pl.any_horizontal(
        [pl.col(value).is_not_null() & pl.struct(campus, pl.col(value)).is_duplicated()
         for value in ("siret", "uai")]
        + [pl.col("name").is_not_null() & pl.struct(campus, pl.col("__key")).is_duplicated()]
    )
    marked = marked.with_columns(meets.alias("__meets"))
    alone = marked.filter(~pl.col("__meets"))
    candidates = marked.filter(pl.col("__meets")).drop("__meets").to_dicts()
    if not candidates:
        return alone.drop("__meets"), []
    rows = candidates
    parent = list(range(len(rows)))
    reason: dict[int, str] = {}
    known: dict[int, dict[str, set]] = {}

    def identifiers(i: int) -> dict[str, set]:
        found = known.get(i)
        if found is None:
            found = known[i] = {key: {rows[i][key]} if rows[i].get(key) else set() for key in ("siret", "uai")}
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
    for i, v in enumerate(rows):
        for key in ("siret", "uai", "name"):
            value = v.get(key)
            if not value:
                continue
            marker = (str(v["campus_id"]), key, v["__key"] if key == "name" else str(value))
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
    kept: list[dict] = []
    merges: list[Merge] = []
    for root, members in sorted(groups.items()):
        base = dict(rows[members[0]])
        if len(members) > 1 and base["name"] is None:  # the name may come from another row
            base["__key"] = None
        for j in members[1:]:
            for column in PARTNER_COLUMNS:
                value = rows[j][column]
                if base.get(column) is None and value is not None:
                    base[column] = value
                elif column in _FLAGS and value is not None:
                    base[column] = max(int(base[column]), int(value))
        if base["__key"] is None and base["name"] is not None:
            base["__key"] = normalize(base["name"])
        kept.append(base)
        if len(members) > 1:
            where = tuple((sources[rows[j]["__source"]].file, rows[j]["__line"]) for j in members)
            merges.append(Merge(str(base["campus_id"]), str(base.get("name") or ""), reason.get(root, "name"), where))
    merged = pl.DataFrame(kept, schema=alone.drop("__meets").schema)
    return pl.concat([alone.drop("__meets"), merged]).sort("__order"), merges


def _identified(kept: pl.DataFrame) -> pl.DataFrame:
    """``partner_id`` given to every partner without one (:func:`partner_id_for`: the SIRET
    or UAI joins the hash for homonyms of a campus). ``kept`` has ``__key``, the
    normalised name (a partner without a name is hashed as the text « None »)."""
    campus = pl.col("campus_id").fill_null("None")
    keyed = kept.with_columns(pl.col("__key").fill_null(normalize("None")))
    homonym = pl.len().over(campus, "__key") > 1
    keyed = keyed.with_columns(
        campus.alias("__campus"), pl.when(homonym).then(pl.coalesce("siret", "uai")).alias("__identifier")
    )
    missing = keyed.with_row_index("__at").filter(pl.col("partner_id").is_null())
    if missing.height == 0:
        return kept
    # The hashed text of _id_for_key, built column-wise; only the SHA-1 is one call per row.
    hashed = missing.select(
        pl.concat_str([pl.col("__campus"), pl.lit("\x1f"), pl.col("__key"),
                       pl.when(pl.col("__identifier").is_not_null()).then(pl.lit("\x1f") + pl.col("__identifier"))
                       .otherwise(pl.lit(""))])
    ).to_series().to_list()
    digests = pl.Series([hashlib.sha1(text.encode()).hexdigest()[:10] for text in hashed], dtype=pl.String)
    filled = missing.select(pl.concat_str([pl.col("__campus"), pl.lit("-"), pl.lit(digests)])).to_series()
    return kept.with_columns(kept.get_column("partner_id").scatter(missing.get_column("__at"), filled))


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
    Raises :class:`ValidationFailed` with every problem at once. Cells are checked
    column-wise (each distinct value once), so that 10^5 rows cost little more than
    reading them.
    """
    tables = tables or default_tables()
    if isinstance(paths, (str, Path)):
        paths = [paths]
    problems: list[Problem] = []
    known = None if known_campuses is None else set(known_campuses)
    if campus is not None and known is not None and campus not in known:
        raise ValidationFailed([Problem.at(str(p), None, None, "registry.unknown_campus", campus=campus) for p in paths])
    sources: list[_Source] = []
    frames: list[pl.DataFrame] = []
    for path in paths:
        read = _read_file(path, len(sources), campus, problems, tables)
        if read is not None:
            sources.append(read[0])
            frames.append(read[1])
    empty = pl.DataFrame(schema={"__source": pl.Int64, "__line": pl.Int64, **PARTNER_COLUMNS})
    rows = pl.concat(frames) if frames else empty
    del frames

    def located(frame: pl.DataFrame, column: str, code: str, **params: Callable[[dict], object]) -> None:
        for row in frame.iter_rows(named=True):
            source = sources[row["__source"]]
            problems.append(Problem.at(source.file, row["__line"], source.headers.get(column) if column == "campus_id"
                                       else source.column(column), code, **{k: f(row) for k, f in params.items()}))

    if known is not None and campus is None:
        unknown = rows.filter(pl.col("campus_id").is_not_null() & ~pl.col("campus_id").is_in(sorted(known)))
        located(unknown, "campus_id", "registry.unknown_campus", campus=lambda r: r["campus_id"])
    # Merges and identifiers are worked out even when cells are bad, so that a duplicate
    # partner_id is reported with them, not only once they are fixed.
    kept, merges = _merge(rows, sources)
    kept = _identified(kept)
    firsts = kept.filter(pl.col("partner_id").is_first_distinct()).select(
        "partner_id", pl.col("__source").alias("__first_source"), pl.col("__line").alias("__first_line")
    )
    again = kept.filter(~pl.col("partner_id").is_first_distinct()).join(firsts, on="partner_id", how="left")
    located(again, "partner_id", "registry.duplicate_partner_id", value=lambda r: r["partner_id"],
            other=lambda r: f"{sources[r['__first_source']].file}:{r['__first_line']}")
    if problems:
        raise ValidationFailed(problems)
    return DirectoryImport(kept.select(list(PARTNER_COLUMNS)).sort("partner_id"), rows.height, merges)
