"""A strict evaluator of the XPath subset used by the workbook's routing.

Supported: ``${name}`` references, string and number literals, ``=`` and ``!=``
between a reference and a literal, ``and``, ``or``, ``not(…)``, parentheses,
``selected(haystack, needle)``, ``true()`` and ``false()``. In a ``choice_filter``
bare names (``group``) refer to columns of the choices sheet. Anything else is
refused with a :class:`RoutingError` when the workbook is loaded, never silently
ignored.

Expressions compile to Polars expressions so that routing is evaluated on whole
frames at once. Blank values follow XPath's string semantics: a blank cell is the
empty string, so ``${x} = 'v'`` is false and ``${x} != 'v'`` is true on it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import polars as pl

from effipia.errors import EffipiaError

__all__ = [
    "And",
    "Compare",
    "Const",
    "Literal",
    "Node",
    "Not",
    "Or",
    "Ref",
    "RoutingError",
    "Selected",
    "bind",
    "compile_expr",
    "parse",
    "references",
]


class RoutingError(EffipiaError):
    """An expression outside the supported XPath subset (message in French)."""


@dataclass(frozen=True)
class Ref:
    """``${name}`` (``bare=False``) or a bare choices-sheet column name (``bare=True``)."""

    name: str
    bare: bool = False


@dataclass(frozen=True)
class Literal:
    """A string or number literal, kept as written (numbers as ``float``)."""

    value: str | float


@dataclass(frozen=True)
class Const:
    """``true()`` or ``false()``."""

    value: bool


@dataclass(frozen=True)
class Compare:
    """``column op literal`` with ``op`` in ``=``, ``!=`` (normalised: column first).

    In a ``choice_filter`` the column is a bare choices column and the other side may
    be a ``${…}`` reference, replaced by the respondent's answer with :func:`bind`.
    """

    op: str
    column: Ref
    literal: Literal | Ref


@dataclass(frozen=True)
class Selected:
    """``selected(haystack, needle)``: the space-separated ``haystack`` contains ``needle``."""

    haystack: Ref
    needle: Ref | Literal


@dataclass(frozen=True)
class Not:
    operand: Node


@dataclass(frozen=True)
class And:
    operands: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    operands: tuple[Node, ...]


Node = Ref | Literal | Const | Compare | Selected | Not | And | Or

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<ref>\$\{(?P<refname>[A-Za-z_][\w.-]*)\})
    | (?P<string>'[^']*'|"[^"]*")
    | (?P<number>\d+(?:\.\d+)?)
    | (?P<op>!=|=|\(|\)|,)
    | (?P<name>[A-Za-z_][\w-]*)
    )""",
    re.VERBOSE,
)


@dataclass(frozen=True)
class _Token:
    kind: str  # ref | string | number | op | name | end
    text: str
    position: int


def _tokenize(expression: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    while position < len(expression):
        if expression[position:].strip() == "":
            break
        match = _TOKEN.match(expression, position)
        if match is None:
            start = len(expression) - len(expression[position:].lstrip())
            raise RoutingError(
                "questionnaire.expr_bad_character",
                expression=expression,
                character=expression[start],
                position=start + 1,
            )
        kind = next(k for k in ("ref", "string", "number", "op", "name") if match.group(k) is not None)
        text = match.group("refname") if kind == "ref" else match.group(kind)
        tokens.append(_Token(kind, text, match.start(kind) + 1))
        position = match.end()
    tokens.append(_Token("end", "", len(expression) + 1))
    return tokens


class _Parser:
    def __init__(self, expression: str, allow_bare: bool) -> None:
        self.expression = expression
        self.allow_bare = allow_bare
        self.tokens = _tokenize(expression)
        self.index = 0

    def _peek(self) -> _Token:
        return self.tokens[self.index]

    def _next(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def _fail(self, token: _Token) -> RoutingError:
        if token.kind == "end":
            return RoutingError("questionnaire.expr_unexpected_end", expression=self.expression)
        return RoutingError(
            "questionnaire.expr_unexpected_token",
            expression=self.expression,
            token=token.text,
            position=token.position,
        )

    def _expect(self, text: str) -> None:
        token = self._next()
        if token.kind != "op" or token.text != text:
            raise self._fail(token)

    def parse(self) -> Node:
        node = self._or()
        token = self._peek()
        if token.kind != "end":
            raise self._fail(token)
        return node

    def _or(self) -> Node:
        operands = [self._and()]
        while self._peek().kind == "name" and self._peek().text == "or":
            self._next()
            operands.append(self._and())
        return operands[0] if len(operands) == 1 else Or(tuple(operands))

    def _and(self) -> Node:
        operands = [self._comparison()]
        while self._peek().kind == "name" and self._peek().text == "and":
            self._next()
            operands.append(self._comparison())
        return operands[0] if len(operands) == 1 else And(tuple(operands))

    def _comparison(self) -> Node:
        start = self._peek()
        left = self._primary()
        token = self._peek()
        if token.kind == "op" and token.text in ("=", "!="):
            self._next()
            right = self._primary()
            if isinstance(left, Ref) and isinstance(right, Literal):
                return Compare(token.text, left, right)
            if isinstance(left, Literal) and isinstance(right, Ref):
                return Compare(token.text, right, left)
            if isinstance(left, Ref) and isinstance(right, Ref) and left.bare != right.bare:
                # choice_filter « group = ${category} »: the answer is bound before evaluation
                return Compare(token.text, left if left.bare else right, right if left.bare else left)
            raise RoutingError(
                "questionnaire.expr_bad_comparison", expression=self.expression, position=start.position
            )
        if isinstance(left, Ref | Literal):
            raise RoutingError(
                "questionnaire.expr_not_condition", expression=self.expression, position=start.position
            )
        return left

    def _primary(self) -> Node:
        token = self._next()
        if token.kind == "ref":
            return Ref(token.text)
        if token.kind == "string":
            return Literal(token.text[1:-1])
        if token.kind == "number":
            return Literal(float(token.text))
        if token.kind == "op" and token.text == "(":
            node = self._or()
            self._expect(")")
            return node
        if token.kind == "name":
            follows_paren = self._peek().kind == "op" and self._peek().text == "("
            if token.text in ("not", "selected", "true", "false") and follows_paren:
                return self._function(token.text)
            if follows_paren:
                raise RoutingError(
                    "questionnaire.expr_unknown_function", expression=self.expression, name=token.text
                )
            if self.allow_bare and token.text not in ("and", "or"):
                return Ref(token.text, bare=True)
        raise self._fail(token)

    def _function(self, name: str) -> Node:
        self._expect("(")
        if name in ("true", "false"):
            self._expect(")")
            return Const(name == "true")
        if name == "not":
            operand = self._or()
            self._expect(")")
            return Not(operand)
        haystack = self._primary()
        self._expect(",")
        needle = self._primary()
        self._expect(")")
        if not isinstance(haystack, Ref) or not isinstance(needle, Ref | Literal):
            raise RoutingError("questionnaire.expr_bad_selected", expression=self.expression)
        return Selected(haystack, needle)


def parse(expression: str, *, allow_bare: bool = False) -> Node:
    """Parse ``expression``; raise :class:`RoutingError` outside the supported subset.

    ``allow_bare`` accepts bare names (choices-sheet columns), as in a ``choice_filter``.
    """
    return _Parser(expression, allow_bare).parse()


def references(node: Node) -> set[str]:
    """Names of the ``${…}`` references used by ``node``."""
    match node:
        case Ref(name, bare):
            return set() if bare else {name}
        case Compare(_, column, other):
            return references(column) | references(other)
        case Selected(haystack, needle):
            return references(haystack) | references(needle)
        case Not(operand):
            return references(operand)
        case And(operands) | Or(operands):
            return set().union(*(references(o) for o in operands))
    return set()


def bind(node: Node, values: Mapping[str, str]) -> Node:
    """Replace the ``${name}`` references found in ``values`` by string literals."""
    match node:
        case Ref(name, False) if name in values:
            return Literal(values[name])
        case Compare(op, column, other):
            bound, value = bind(column, values), bind(other, values)
            if isinstance(bound, Literal) and isinstance(value, Literal):
                return Const(_literal_equal(bound, value) == (op == "="))
            return Compare(op, bound, value)  # type: ignore[arg-type]
        case Selected(haystack, needle):
            return Selected(bind(haystack, values), bind(needle, values))  # type: ignore[arg-type]
        case Not(operand):
            return Not(bind(operand, values))
        case And(operands):
            return And(tuple(bind(o, values) for o in operands))
        case Or(operands):
            return Or(tuple(bind(o, values) for o in operands))
    return node


def _literal_equal(a: Literal, b: Literal) -> bool:
    if isinstance(a.value, float) or isinstance(b.value, float):
        return _as_number(a.value) == _as_number(b.value)
    return a.value == b.value


def _as_number(value: str | float) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


def _is_integral(value: float | None) -> bool:
    return value is not None and float(value).is_integer()


def compile_expr(node: Node, schema: Mapping[str, pl.DataType], column: Callable[[Ref], pl.Expr] | None = None) -> pl.Expr:
    """Compile ``node`` to a boolean Polars expression that is never null.

    ``schema`` gives the dtype of each available column; a reference to a column
    absent from it reads as blank. ``column`` maps a reference to its expression
    (default ``pl.col(name)``).
    """
    def col(ref: Ref) -> pl.Expr:
        return column(ref) if column else pl.col(ref.name)

    match node:
        case Const(value):
            return pl.lit(value)
        case Not(operand):
            return ~compile_expr(operand, schema, column)
        case And(operands):
            return pl.all_horizontal([compile_expr(o, schema, column) for o in operands])
        case Or(operands):
            return pl.any_horizontal([compile_expr(o, schema, column) for o in operands])
        case Compare(op, ref, literal):
            if isinstance(literal, Ref):
                raise RoutingError("questionnaire.expr_unbound", name=literal.name)
            if ref.name not in schema:
                equal: pl.Expr = pl.lit(_literal_equal(Literal(""), literal))
                return equal if op == "=" else ~equal
            equal = _equal(col(ref), schema[ref.name], literal)
            return equal.fill_null(False) if op == "=" else (~equal).fill_null(True)
        case Selected(haystack, needle):
            if haystack.name not in schema:
                return pl.lit(False)
            if isinstance(needle, Ref):
                raise RoutingError("questionnaire.expr_unbound", name=needle.name)
            target = needle.value
            text = str(int(target)) if isinstance(target, float) and target.is_integer() else str(target)
            dtype = schema[haystack.name]
            if dtype.is_numeric():
                return _equal(col(haystack), dtype, Literal(text)).fill_null(False)
            return col(haystack).str.split(" ").list.contains(pl.lit(text)).fill_null(False)
    raise RoutingError("questionnaire.expr_not_condition", expression=str(node), position=1)


def _equal(expr: pl.Expr, dtype: pl.DataType, literal: Literal) -> pl.Expr:
    number = _as_number(literal.value)
    if dtype.is_numeric():
        if number is None:  # XPath: a non-numeric string never equals a number
            return pl.lit(False)
        if dtype.is_integer() and not _is_integral(number):
            return pl.lit(False)
        return expr == (int(number) if dtype.is_integer() else number)
    if isinstance(literal.value, float):
        return expr.cast(pl.Float64, strict=False) == number
    return expr == literal.value
