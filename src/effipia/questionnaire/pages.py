"""The questionnaire as a respondent goes through it: one page per group, routing from the
registry facts and earlier answers, answers of one page checked, the final response row.

Plain values in, plain values out (used by the web questionnaire, testable without it).
Routing is the questionnaire's own compiled ``relevant`` (:meth:`Questionnaire.asked`), the
very expressions the response imports check files against, so a web response and the same
answers imported from a file are routed identically.

A condition on an answer of the *same* page (``real_pia_k`` asked when ``real_known_k`` =
1) cannot be known before the page is sent without JavaScript: such a question is shown
with the condition in words (and hidden by the page script when JavaScript runs), and its
answer is dropped when the condition is false, as ODK and KoboToolbox drop the answers of
questions that are not relevant.
"""

from __future__ import annotations

import itertools
import math
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from effipia.questionnaire import routing
from effipia.questionnaire.model import Choice, Item, Questionnaire
from effipia.schema import RESPONSE_ID_COLUMNS

__all__ = [
    "REGISTRY_FACTS",
    "Page",
    "PageField",
    "Survey",
    "FieldError",
]

#: Identification items that come from the partner registry, never asked when known.
REGISTRY_FACTS = ("respondent_id", "campus_id", "category", "partner_type", "consortium", "pia_concerned")
#: Name of the page asking the identification items the registry left empty.
IDENTIFICATION_PAGE = "structure"
_TEXT_MAX = 500


@dataclass(frozen=True)
class Page:
    """One page: a group of the workbook (or the identification page)."""

    name: str
    title: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class PageField:
    """A question as shown on a page to one respondent."""

    item: Item
    choices: tuple[Choice, ...]
    value: Any
    condition: str | None = None  # the same-page condition, in words
    depends_on: str | None = None  # same-page item the condition reads (for the page script)
    shows_for: tuple[str, ...] = ()  # its answers that make the question asked
    error: str | None = None

    @property
    def selected(self) -> set[str]:
        """Codes currently chosen (as text), for checked boxes and radios."""
        if self.value is None:
            return set()
        if self.item.type == "select_multiple":
            return set(str(self.value).split())
        return {str(self.value)}


@dataclass
class FieldError:
    item: str
    message: str


@dataclass
class Survey:
    """The pages of ``questionnaire`` for one respondent whose registry facts are ``facts``."""

    questionnaire: Questionnaire
    facts: dict[str, Any]
    pages: list[Page] = field(init=False)

    def __post_init__(self) -> None:
        self.pages = list(_questionnaire_pages(self.questionnaire))

    # --- values and routing -------------------------------------------------
    def values(self, answers: Mapping[str, Any]) -> dict[str, Any]:
        """Registry facts with the answers on top (an answer never overrides a known fact)."""
        merged = dict(answers)
        for name, value in self.facts.items():
            if value is not None:
                merged[name] = value
        return merged

    def asked(self, answers: Mapping[str, Any]) -> dict[str, bool]:
        """For every item: is it asked of this respondent, given ``answers``?"""
        return _asked_rows(self.questionnaire, [self.values(answers)])[0]

    def page(self, name: str) -> Page | None:
        return next((p for p in self.pages if p.name == name), None)

    def page_items(self, page: Page, answers: Mapping[str, Any]) -> list[tuple[Item, bool]]:
        """Items of ``page`` to show, each with « depends on the same page » flag.

        An item is shown when it is asked now, or when it may become asked by an answer
        on this same page (its other conditions holding)."""
        return [(item, bool(refs)) for item, refs, _ in self._analyse(page, answers)]

    def _analyse(self, page: Page, answers: Mapping[str, Any]) -> list[tuple[Item, list[str], list[tuple[str, ...]]]]:
        """Shown items of ``page`` with their same-page references and the combinations of
        answers to those that make them asked (one routing evaluation for the whole page)."""
        values = self.values(answers)
        names = {i.name for i in page.items}
        rows: list[dict[str, Any]] = [values]
        plan: list[tuple[Item, list[str], int, list[tuple[str, ...]]]] = []
        for item in page.items:
            if page.name == IDENTIFICATION_PAGE and self.facts.get(item.name) is not None:
                continue
            refs = self._same_page_refs(item, names)
            combos: list[tuple[str, ...]] = []
            if refs:
                options = [[c.code for c in self.questionnaire.item(r).choices] or [""] for r in refs]
                combos = list(itertools.product(*options))
            plan.append((item, refs, len(rows), combos))
            for combo in combos:
                rows.append({**values, **{r: _typed(self.questionnaire.item(r), v) for r, v in zip(refs, combo, strict=True)}})
        asked = _asked_rows(self.questionnaire, rows)
        out = []
        for item, refs, start, combos in plan:
            showing = [c for i, c in enumerate(combos) if asked[start + i][item.name]]
            if asked[0][item.name] or showing:
                out.append((item, refs, showing))
        return out

    def _same_page_refs(self, item: Item, names: set[str]) -> list[str]:
        node = self.questionnaire._routing.get(item.name)
        return sorted(routing.references(node) & names - {item.name}) if node else []

    def route(self, answers: Mapping[str, Any]) -> list[Page]:
        """Pages this respondent goes through, given the answers so far: those with a
        question asked (a question that depends on its own page is asked only if the
        question it reads is, so the page is on the route through that one)."""
        asked = self.asked(answers)
        known = self._known_facts
        return [
            p for p in self.pages
            if any(asked[i.name] and not (p.name == IDENTIFICATION_PAGE and i.name in known) for i in p.items)
        ]

    def next_page(self, current: str, answers: Mapping[str, Any]) -> str:
        """The page after ``current`` (``relecture`` after the last one)."""
        names = [p.name for p in self.pages]
        after = names[names.index(current) + 1 :] if current in names else names
        route = {p.name for p in self.route(answers)}
        return next((n for n in after if n in route), "relecture")

    def previous_page(self, current: str, answers: Mapping[str, Any]) -> str | None:
        names = [p.name for p in self.route(answers)]
        if current == "relecture":
            return names[-1] if names else None
        everything = [p.name for p in self.pages]
        before = everything[: everything.index(current)] if current in everything else []
        return next((n for n in reversed(before) if n in names), None)

    def first_page(self) -> str:
        route = self.route({})
        return route[0].name if route else "relecture"

    def progress(self, current: str, answers: Mapping[str, Any]) -> tuple[int, int]:
        """(position of ``current`` counted from 1, number of pages) on this respondent's route."""
        names = [p.name for p in self.route(answers)]
        total = len(names)
        if current == "relecture":
            return total + 1, total + 1
        return (names.index(current) + 1 if current in names else 1), total + 1

    # --- one page's form ----------------------------------------------------
    def fields(self, page: Page, answers: Mapping[str, Any], errors: Mapping[str, str] | None = None,
               shown_values: Mapping[str, Any] | None = None) -> list[PageField]:
        """The questions of ``page`` with their offered choices, current values and errors."""
        out = []
        current = {**answers, **(shown_values or {})}
        for item, refs, combos in self._analyse(page, answers):
            condition = depends_on = None
            shows_for: tuple[str, ...] = ()
            if refs:
                condition = _condition_text(self.questionnaire, refs, combos)
                if len(refs) == 1:
                    depends_on, shows_for = refs[0], tuple(c[0] for c in combos)
            out.append(
                PageField(
                    item=item,
                    choices=tuple(self.choices(item)),
                    value=current.get(item.name),
                    condition=condition,
                    depends_on=depends_on,
                    shows_for=shows_for,
                    error=(errors or {}).get(item.name),
                )
            )
        return _after_their_condition(out)

    def choices(self, item: Item) -> list[Choice]:
        """Choices offered to this respondent (``choice_filter`` on the registry facts)."""
        if not item.choice_filter:
            return list(item.choices)
        context = {k: str(v) for k, v in self.facts.items() if v is not None}
        return self.questionnaire.choices_for(item.name, **context)

    def read_form(self, page: Page, answers: Mapping[str, Any], form: Mapping[str, list[str]], *,
                  check_required: bool) -> tuple[dict[str, Any], dict[str, str]]:
        """The answers after ``page``'s form (``name → list of values``) and the errors, by item.

        Values are checked against the choices offered; ``select_multiple`` against its
        maximum; a required question that is asked must be answered (``check_required``:
        not when going back). Answers to questions no longer asked are dropped."""
        updated = dict(answers)
        errors: dict[str, str] = {}
        for item, _dependent in self.page_items(page, answers):
            raw = [v.strip() for v in form.get(item.name, []) if v is not None and v.strip() != ""]
            value, error = _parse(item, raw, self.choices(item))
            if error:
                errors[item.name] = error
                updated.pop(item.name, None)
                continue
            if value is None:
                updated.pop(item.name, None)
            else:
                updated[item.name] = value
        updated = self.clean(updated)
        if check_required:
            asked = self.asked(updated)
            for item, _ in self.page_items(page, updated):
                if item.required and asked[item.name] and updated.get(item.name) is None and item.name not in errors:
                    errors[item.name] = "Cette question est obligatoire : choisissez une réponse."
        return updated, errors

    def clean(self, answers: Mapping[str, Any]) -> dict[str, Any]:
        """``answers`` without the answers to questions that are not asked (repeated until stable)."""
        current = {k: v for k, v in answers.items() if v is not None and k not in self._known_facts}
        for _ in range(len(self.questionnaire.items)):
            asked = self.asked(current)
            kept = {k: v for k, v in current.items() if asked.get(k, False)}
            if kept == current:
                break
            current = kept
        return current

    @property
    def _known_facts(self) -> set[str]:
        return {k for k, v in self.facts.items() if v is not None}

    # --- the response row ---------------------------------------------------
    def response(self, answers: Mapping[str, Any]) -> pl.DataFrame:
        """The final response in the codebook's wide layout: identification columns then
        every item column of the questionnaire (``Int64``; ``expectations`` ``String``),
        empty where not asked or not answered."""
        values = self.values(self.clean(answers))
        dtypes = self.questionnaire.dtypes
        row: dict[str, Any] = {}
        schema: dict[str, pl.DataType] = {}
        for name, dtype in RESPONSE_ID_COLUMNS.items():
            row[name], schema[name] = values.get(name), dtype
        for name in self.questionnaire.columns:
            dtype = dtypes[name]
            schema[name] = pl.Int64 if dtype == pl.Int64 else pl.String
            row[name] = values.get(name)
        return pl.DataFrame([row], schema=schema, orient="row")


def _after_their_condition(fields: list[PageField]) -> list[PageField]:
    """A question conditioned on one question of its page comes right after that one (the
    workbook lists ``real_pia_1..19`` after all of ``real_known_1..19``)."""
    placed = [f for f in fields if f.depends_on is None]
    for dependent in (f for f in fields if f.depends_on is not None):
        at = next((i for i, f in enumerate(placed) if f.item.name == dependent.depends_on), None)
        if at is None:
            placed.append(dependent)
            continue
        while at + 1 < len(placed) and placed[at + 1].depends_on == dependent.depends_on:
            at += 1
        placed.insert(at + 1, dependent)
    return placed


_PAGES: dict[int, tuple[Questionnaire, tuple[Page, ...]]] = {}


def _questionnaire_pages(q: Questionnaire) -> tuple[Page, ...]:
    """The pages of ``q``, built once per questionnaire (a Survey is made for every request)."""
    cached = _PAGES.get(id(q))
    if cached is None or cached[0] is not q:
        cached = _PAGES[id(q)] = (q, tuple(_pages(q)))
    return cached[1]


def _pages(q: Questionnaire) -> Iterable[Page]:
    identification = tuple(i for i in q.items if i.block is None and i.name in REGISTRY_FACTS and i.name not in
                           ("respondent_id", "campus_id", "category", "partner_type"))
    if identification:
        yield Page(IDENTIFICATION_PAGE, "Votre structure", identification)
    for block in q.blocks:
        items = tuple(i for i in q.items if i.block == block.name)
        if items:
            yield Page(block.name, block.label, items)


def _typed(item: Item, code: str) -> Any:
    if code == "":
        return None
    if item.integer_coded:
        return int(code)
    return code


def _asked_rows(q: Questionnaire, rows: list[dict[str, Any]]) -> list[dict[str, bool]]:
    """« Asked » of every item for each row, by the questionnaire's compiled routing.

    The result depends only on the items the routing reads (``category``, ``real_known_k``…):
    rows are keyed by those values and each distinct key is evaluated once per process (a
    pure function's memo, no respondent state)."""
    schema, exprs, memo = _compiled(q)
    names = list(schema)
    keys = [tuple(r.get(n) for n in names) for r in rows]
    with _MEMO_LOCK:  # routes run in a thread pool
        found = {k: memo[k] for k in keys if k in memo}
    missing = list(dict.fromkeys(k for k in keys if k not in found))
    if missing:
        frame = pl.DataFrame(missing, schema=schema, orient="row")
        evaluated = dict(zip(missing, frame.select(exprs).to_dicts(), strict=True))
        found.update(evaluated)
        with _MEMO_LOCK:
            if len(memo) + len(evaluated) > _MEMO_SIZE:
                memo.clear()
            memo.update(evaluated)
    return [found[k] for k in keys]


_MEMO_SIZE = 20_000
_MEMO_LOCK = threading.Lock()
_COMPILED: dict[int, tuple[Questionnaire, dict[str, pl.DataType], list[pl.Expr], dict]] = {}


def _compiled(q: Questionnaire) -> tuple[dict[str, pl.DataType], list[pl.Expr], dict]:
    """Schema of the items the routing reads, the « asked » expressions of every item
    (compiled once per questionnaire) and the memo of evaluated keys."""
    cached = _COMPILED.get(id(q))
    if cached is None or cached[0] is not q:
        read = q.routing_references
        schema: dict[str, pl.DataType] = {}
        for item in q.items:
            if item.name in read:
                schema[item.name] = pl.Int64 if item.integer_coded else (pl.Float64 if item.type == "decimal" else pl.String)
        exprs = [expr.alias(name) for name, expr in q.asked_exprs(schema).items()]
        cached = _COMPILED[id(q)] = (q, schema, exprs, {})
    return cached[1], cached[2], cached[3]


def _parse(item: Item, raw: list[str], offered: list[Choice]) -> tuple[Any, str | None]:
    codes = {c.code for c in offered}
    if not raw:
        return None, None
    if item.type == "select_one":
        if len(raw) > 1 or raw[0] not in codes:
            return None, "Réponse non reconnue : choisissez l'une des réponses proposées."
        return _typed(item, raw[0]), None
    if item.type == "select_multiple":
        chosen = list(dict.fromkeys(raw))
        if any(c not in codes for c in chosen):
            return None, "Réponse non reconnue : cochez parmi les réponses proposées."
        if item.max_choices is not None and len(chosen) > item.max_choices:
            return None, f"Vous avez coché {len(chosen)} réponses : {item.max_choices} au plus."
        order = [c.code for c in offered]
        return " ".join(sorted(chosen, key=order.index)), None
    text = raw[0]
    if item.type == "integer":
        if not re.fullmatch(r"-?\d{1,12}", text):
            return None, "Saisissez un nombre entier (chiffres seulement)."
        return int(text), None
    if item.type == "decimal":
        try:
            number = float(text.replace(",", ".").replace("\u202f", "").replace(" ", ""))
        except ValueError:
            return None, "Saisissez un nombre (par exemple 12,5)."
        return (number, None) if math.isfinite(number) else (None, "Saisissez un nombre (par exemple 12,5).")
    if len(text) > _TEXT_MAX:
        return None, f"Réponse trop longue ({len(text)} caractères, {_TEXT_MAX} au plus)."
    return text, None


def _condition_text(q: Questionnaire, refs: list[str], combos: list[tuple[str, ...]]) -> str:
    if len(refs) == 1 and combos:
        ref = q.item(refs[0])
        labels = {c.code: c.label for c in ref.choices}
        answers = " ou ".join(f"« {labels.get(c[0], c[0])} »" for c in combos)
        return f"Répondez seulement si vous avez répondu {answers} à la question « {_short(ref.label)} »."
    return "Répondez seulement si cette question vous concerne d'après vos réponses précédentes sur cette page."


def _short(label: str, limit: int = 90) -> str:
    text = re.sub(r"\s+", " ", label).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
