"""Sirene size classes (« tranche d'effectif salarié », ``code_tefen``): the one rule reading them.

A size class is accepted as typed in Sirene extracts: ``"01"``, ``"1"`` or ``1.0``
(a spreadsheet's number) all read ``"01"``. Class ``NN`` (no salaried employee at the
reference date: a non-employer unit) is not in the nomenclature file but is a Sirene code:
it is read as 0 employees and grouped with the TPE, as class ``00`` is. Territories'
company descriptors and analysis' ``structure_size`` and reweighting all go through
:func:`size_entry`.
"""

from __future__ import annotations

import re
from functools import cache

import polars as pl

from effipia import nomenclatures

__all__ = [
    "NON_EMPLOYER",
    "SIZE_GROUPS",
    "class_bounds",
    "normalize_size_class",
    "size_bounds",
    "size_classes",
    "size_entry",
    "size_group",
    "size_groups_of",
    "size_classes_of",
]

#: Order of the size groups in tables and figures.
SIZE_GROUPS = ("TPE", "PME", "ETI", "GE")

#: The Sirene class of non-employer units, with its label, employee bounds and group.
NON_EMPLOYER = {"code": "NN", "label": "non employeuse", "bounds": (0, 0.0), "group": "TPE"}


def size_classes() -> pl.DataFrame:
    """Sirene size classes (``code_tefen``, ``label``) and their TPE/PME/ETI/GE group (``taille_lbb``)."""
    return nomenclatures.load("sirene_size_classes")


def size_bounds(text: str) -> tuple[int, float] | None:
    """Employee bounds of a size band or Sirene label: ``"10-249"`` → (10, 249), ``"2000+"`` → (2000, inf)."""
    t = str(text).replace(" ", "").replace("\u202f", "")
    m = re.fullmatch(r"(\d+)\+", t)
    if m:
        return int(m.group(1)), float("inf")
    m = re.fullmatch(r"(\d+)(?:-(\d+))?", t)
    if m:
        lo, hi = int(m.group(1)), int(m.group(2) or m.group(1))
        return (lo, float(hi)) if hi >= lo else None
    return None


def normalize_size_class(value: object) -> str | None:
    """Canonical spelling of a size class (``"1"`` → ``"01"``, ``"21.0"`` → ``"21"``, ``"nn"`` → ``"NN"``)."""
    if value is None:
        return None
    text = str(value).strip().upper().removesuffix(".0")
    return text.zfill(2) if text.isdigit() else (text or None)


@cache
def _table() -> dict[str, tuple[str, str]]:
    rows = size_classes().select("code_tefen", "label", "taille_lbb").iter_rows()
    table = {code: (label, group) for code, label, group in rows}
    table.setdefault(NON_EMPLOYER["code"], (NON_EMPLOYER["label"], NON_EMPLOYER["group"]))
    return table


def size_entry(value: object) -> tuple[str, str, str] | None:
    """``(canonical class, label, group)`` of a known size class; ``None`` if empty or unknown."""
    code = normalize_size_class(value)
    entry = _table().get(code) if code else None
    return (code, *entry) if entry else None


def size_group(value: object) -> str | None:
    """TPE/PME/ETI/GE group of a Sirene size class (``"21"`` → ``"PME"``, ``"NN"`` → ``"TPE"``); ``None`` if unknown."""
    entry = size_entry(value)
    return entry[2] if entry else None


@cache
def class_bounds() -> dict[str, tuple[int, float]]:
    """Employee bounds of every known size class (``"11"`` → (10, 19), ``"NN"`` → (0, 0))."""
    out = {code: size_bounds(label) for code, (label, _) in _table().items()}
    out[NON_EMPLOYER["code"]] = NON_EMPLOYER["bounds"]
    return {k: v for k, v in out.items() if v is not None}


def _per_value(values: pl.Series, rule, name: str) -> pl.Series:
    text = values.cast(pl.String)
    mapping = {v: rule(v) for v in text.unique().drop_nulls().to_list()}
    return text.replace_strict(mapping, default=None, return_dtype=pl.String).alias(name)


def size_groups_of(values: pl.Series) -> pl.Series:
    """:func:`size_group` of every value of a column."""
    return _per_value(values, size_group, "size_group")


def size_classes_of(values: pl.Series) -> pl.Series:
    """Canonical known size class of every value of a column (``None`` when unknown)."""
    return _per_value(values, lambda v: (size_entry(v) or (None,))[0], "size_class")
