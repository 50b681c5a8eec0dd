"""The questionnaire as plain values: items, choice lists, routing.

Everything comes from the XLSForm workbook through pyxform's JSON form: item
names, types, choice lists and their codes, French labels, ``relevant``
conditions (with their groups'), ``choice_filter`` and the ``count-selected``
constraint. Nothing here is retyped from the codebook.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import polars as pl

from effipia.errors import EffipiaError, Problem
from effipia.questionnaire import routing
from effipia.questionnaire.workbook import read_definition, saved_json, shipped_path, to_json

__all__ = ["Block", "Choice", "Item", "Questionnaire", "load_questionnaire"]

# pyxform JSON type names → XLSForm type names.
_TYPES = {"select one": "select_one", "select all that apply": "select_multiple"}
# Survey elements that are not answers of the respondent.
_NOT_ANSWERS = {"note", "start", "end", "today", "deviceid", "username", "phonenumber",
                "simserial", "subscriberid", "audit", "email"}
_COUNT_SELECTED = re.compile(r"^\s*count-selected\(\s*\.\s*\)\s*(<=|<)\s*(\d+)\s*$")
_TRUE = {"yes", "true", "true()", "1"}


@dataclass(frozen=True)
class Choice:
    """One answer code of a choice list, its French label and extra columns (e.g. ``group``)."""

    code: str
    label: str
    properties: tuple[tuple[str, str], ...] = ()

    def get(self, key: str) -> str | None:
        """Value of the extra choices-sheet column ``key``."""
        return dict(self.properties).get(key)


@dataclass(frozen=True)
class Block:
    """A ``begin group`` of the survey sheet (its name is the KoboToolbox column prefix)."""

    name: str
    label: str
    relevant: str | None


@dataclass(frozen=True)
class Item:
    """One question.

    ``relevant`` is the effective condition (the item's own joined with those of
    its groups with ``and``), ``own_relevant`` the item's cell alone; ``block`` is
    the enclosing group's name (``None`` for identification items at top level).
    """

    name: str
    type: str
    list_name: str | None
    choices: tuple[Choice, ...]
    label: str
    relevant: str | None
    block: str | None
    required: bool = False
    own_relevant: str | None = None
    choice_filter: str | None = None
    max_choices: int | None = None

    @property
    def codes(self) -> list[str]:
        """Answer codes of the item's choice list, in workbook order."""
        return [c.code for c in self.choices]

    @cached_property
    def integer_coded(self) -> bool:
        """True when the answer is one integer code (a select_one whose codes are all integers)."""
        if self.type == "integer":
            return True
        return self.type == "select_one" and bool(self.choices) and all(_is_int(c) for c in self.codes)


def _is_int(text: str) -> bool:
    return re.fullmatch(r"-?\d+", text) is not None


def _text(value: Any, language: str | None) -> str:
    if isinstance(value, dict):
        if language and language in value:
            return value[language]
        return value.get("default") or next(iter(value.values()), "")
    return value or ""


@dataclass
class Questionnaire:
    """An XLSForm questionnaire: items in order, choice lists, routing and validation."""

    form_id: str
    title: str
    version: str
    items: list[Item]
    blocks: list[Block]
    lists: dict[str, list[Choice]]
    source: str
    _routing: dict[str, routing.Node | None] = field(repr=False, default_factory=dict)

    # --- look-ups -----------------------------------------------------------
    @cached_property
    def _by_name(self) -> dict[str, Item]:
        return {item.name: item for item in self.items}

    def item(self, name: str) -> Item:
        """The item called ``name``; :class:`EffipiaError` if the questionnaire has none."""
        try:
            return self._by_name[name]
        except KeyError:
            raise EffipiaError("questionnaire.unknown_item", item=name) from None

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __iter__(self) -> Iterator[Item]:
        return iter(self.items)

    @property
    def id_columns(self) -> list[str]:
        """Identification columns: items outside any group (``respondent_id``, ``campus_id``…)."""
        return [item.name for item in self.items if item.block is None]

    @property
    def required_columns(self) -> list[str]:
        """Identification columns every response file must have (required, outside groups)."""
        return [item.name for item in self.items if item.block is None and item.required]

    @property
    def columns(self) -> list[str]:
        """Response item columns in questionnaire order (items inside blocks; ``expectations`` is one column)."""
        return [item.name for item in self.items if item.block is not None]

    @property
    def dtypes(self) -> dict[str, pl.DataType]:
        """Polars dtype of every item column: ``Int64`` for integer codes, ``String`` otherwise."""
        out: dict[str, pl.DataType] = {}
        for item in self.items:
            if item.integer_coded:
                out[item.name] = pl.Int64
            elif item.type == "decimal":
                out[item.name] = pl.Float64
            else:
                out[item.name] = pl.String
        return out

    def block_columns(self, block: str) -> list[str]:
        """Item columns of block ``block`` (a group name such as ``grp_dyn``)."""
        return [item.name for item in self.items if item.block == block]

    def choice_labels(self, name: str) -> dict[str, str]:
        """Code → French label for item ``name`` (or, failing that, choice list ``name``)."""
        choices = self.item(name).choices if name in self else self.lists.get(name)
        if choices is None:
            raise EffipiaError("questionnaire.unknown_item", item=name)
        return {c.code: c.label for c in choices}

    def choices_for(self, name: str, **context: str) -> list[Choice]:
        """Choices of item ``name`` offered to a respondent whose answers are ``context``.

        Applies the item's ``choice_filter`` (e.g. ``selected(group, ${category})``).
        """
        item = self.item(name)
        if not item.choice_filter:
            return list(item.choices)
        node = routing.bind(routing.parse(item.choice_filter, allow_bare=True), context)
        missing = routing.references(node)
        if missing:
            raise routing.RoutingError("questionnaire.expr_unbound", name=sorted(missing)[0])
        keys = sorted({k for c in item.choices for k, _ in c.properties})
        table = pl.DataFrame(
            {
                "name": [c.code for c in item.choices],
                "label": [c.label for c in item.choices],
                **{k: [c.get(k) for c in item.choices] for k in keys if k not in ("name", "label")},
            },
            schema_overrides={k: pl.String for k in keys},
        )
        keep = table.select(routing.compile_expr(node, table.schema).alias("keep"))["keep"].to_list()
        return [c for c, k in zip(item.choices, keep, strict=True) if k]

    def expectation_choices(self, group: str) -> list[Choice]:
        """Expectations offered to survey group ``group`` (``entreprise``, ``lycee``…)."""
        return self.choices_for("expectations", category=group)

    # --- routing ------------------------------------------------------------
    @cached_property
    def routing_references(self) -> set[str]:
        """Items whose answers the routing depends on (``category``, ``real_known_k``…)."""
        return set().union(*(routing.references(n) for n in self._routing.values() if n is not None))

    def asked_exprs(self, schema: Mapping[str, pl.DataType], names: Sequence[str] | None = None) -> dict[str, pl.Expr]:
        """Boolean expression « question asked » for each item, for frames of ``schema``."""
        names = [item.name for item in self.items] if names is None else names
        memo: dict[str, pl.Expr] = {}

        def asked(name: str) -> pl.Expr:
            if name not in memo:
                node = self._routing.get(name)
                # An answer to a question that is not asked reads as blank, as in ODK/Kobo.
                memo[name] = pl.lit(True) if node is None else routing.compile_expr(node, schema, column)
            return memo[name]

        def column(ref: routing.Ref) -> pl.Expr:
            if ref.bare or self._routing.get(ref.name) is None:
                return pl.col(ref.name)
            return pl.when(asked(ref.name)).then(pl.col(ref.name))

        return {name: asked(name) for name in names}

    def asked(self, frame: pl.DataFrame) -> pl.DataFrame:
        """One boolean column per item: would the questionnaire ask this row that question?

        Blank and absent columns read as unanswered (XPath semantics), so
        ``real_pia_k`` is asked only where ``real_known_k`` = 1.
        """
        exprs = self.asked_exprs(frame.schema)
        tmp = [f"__asked_{i}" for i in range(len(exprs))]
        return (
            frame.lazy()
            .with_columns([e.alias(t) for e, t in zip(exprs.values(), tmp, strict=True)])
            .select([pl.col(t).alias(n) for t, n in zip(tmp, exprs, strict=True)])
            .collect()
        )

    # --- validation ---------------------------------------------------------
    def validate(self, frame: pl.DataFrame, file: str) -> list[Problem]:
        """Every problem of a response frame at once (see :mod:`effipia.questionnaire.validate`)."""
        from effipia.questionnaire.validate import validate_frame

        return validate_frame(self, frame, file)


def _walk(
    children: list[dict[str, Any]],
    language: str | None,
    block: Block | None,
    conditions: tuple[str, ...],
    blocks: list[Block],
) -> Iterator[tuple[dict[str, Any], Block | None, tuple[str, ...]]]:
    for child in children:
        own = (child.get("bind") or {}).get("relevant")
        inherited = conditions + ((own,) if own else ())
        if child.get("type") in ("group", "repeat"):
            if child.get("name") == "meta" or (child.get("control") or {}).get("bodyless"):
                continue
            group = Block(child["name"], _text(child.get("label"), language), own)
            blocks.append(group)
            yield from _walk(child.get("children", []), language, group, inherited, blocks)
        elif child.get("type") not in _NOT_ANSWERS:
            yield child, block, inherited


def _joined(conditions: tuple[str, ...]) -> str | None:
    if not conditions:
        return None
    if len(conditions) == 1:
        return conditions[0]
    return " and ".join(f"({c})" for c in conditions)


def from_json(form: dict[str, Any], source: str) -> Questionnaire:
    """Build a :class:`Questionnaire` from pyxform's JSON form; refuse unsupported expressions."""
    language = form.get("default_language")
    lists = {
        name: [_choice(c, language) for c in choices] for name, choices in (form.get("choices") or {}).items()
    }
    blocks: list[Block] = []
    items: list[Item] = []
    nodes: dict[str, routing.Node | None] = {}
    for element, block, conditions in _walk(form.get("children", []), language, None, (), blocks):
        name = element["name"]
        kind = _TYPES.get(element["type"], element["type"])
        bind = element.get("bind") or {}
        parsed = []
        for condition in conditions:
            try:
                parsed.append(routing.parse(condition))
            except routing.RoutingError as exc:
                raise EffipiaError("questionnaire.bad_relevant", item=name, detail=str(exc)) from None
        choice_filter = element.get("choice_filter")
        if choice_filter:
            try:
                routing.parse(choice_filter, allow_bare=True)
            except routing.RoutingError as exc:
                raise EffipiaError("questionnaire.bad_choice_filter", item=name, detail=str(exc)) from None
        max_choices = None
        if bind.get("constraint"):
            match = _COUNT_SELECTED.match(bind["constraint"])
            if not match or kind != "select_multiple":
                raise EffipiaError("questionnaire.bad_constraint", item=name, constraint=bind["constraint"])
            max_choices = int(match.group(2)) - (1 if match.group(1) == "<" else 0)
        list_name = element.get("list_name") or element.get("itemset")
        choices = lists.get(list_name) if list_name else None
        if choices is None:
            choices = [_choice(c, language) for c in element.get("choices") or []]
        items.append(
            Item(
                name=name,
                type=kind,
                list_name=list_name,
                choices=tuple(choices),
                label=_text(element.get("label"), language),
                relevant=_joined(conditions),
                block=block.name if block else None,
                required=str(bind.get("required", "")).strip().lower() in _TRUE,
                own_relevant=bind.get("relevant"),
                choice_filter=choice_filter,
                max_choices=max_choices,
            )
        )
        nodes[name] = None if not parsed else parsed[0] if len(parsed) == 1 else routing.And(tuple(parsed))
    known = {item.name for item in items}
    for item in items:
        node = nodes[item.name]
        for ref in sorted(routing.references(node) if node else ()):
            if ref not in known:
                raise EffipiaError("questionnaire.unknown_reference", item=item.name, name=ref)
    return Questionnaire(
        form_id=str(form.get("id_string") or form.get("name") or ""),
        title=_text(form.get("title"), language),
        version=str(form.get("version") or ""),
        items=items,
        blocks=blocks,
        lists=lists,
        source=source,
        _routing=nodes,
    )


def _choice(raw: dict[str, Any], language: str | None) -> Choice:
    extra = tuple(sorted((k, str(v)) for k, v in raw.items() if k not in ("name", "label", "media")))
    return Choice(str(raw["name"]), _text(raw.get("label"), language), extra)


@cache
def _shipped() -> Questionnaire:
    path = shipped_path()
    saved = saved_json(path)  # pyxform's JSON form saved beside the workbook, if made from it
    return from_json(saved, str(path)) if saved is not None else _load(path)


def _load(path: Path) -> Questionnaire:
    return from_json(to_json(read_definition(path)), str(path))


def load_questionnaire(path: str | Path | None = None) -> Questionnaire:
    """Load a questionnaire workbook (default: the shipped « enquête unique », cached)."""
    if path is None:
        return _shipped()
    return _load(Path(path))
