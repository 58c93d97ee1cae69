"""Guard and computed-field expressions: Jinja2 expression syntax in a tight sandbox.

An expression can read `documents.<doc>.<field>`, `data.<key>`, `state`,
(in guards) `now` — the clock, in the process's time zone — and (in computed
fields) `this.<field>`; `x | instant` reads an ISO date-time as an instant and
`a | working_days_to(b)` counts the working days from `a` to `b` on the
process's calendar; it can compare, combine and use a short
list of pure filters. It can never call a function or method, reach Python
internals, build huge values, or run for long: there are no loops, calls are
refused, and `*`, `**` and `%` are bounded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from jinja2 import StrictUndefined, TemplateError, Undefined, nodes, pass_context
from jinja2.exceptions import SecurityError, TemplateSyntaxError, UndefinedError
from jinja2.filters import FILTERS as JINJA_FILTERS
from jinja2.parser import Parser
from jinja2.tests import TESTS as JINJA_TESTS

from .errors import ExpressionError
from .sandbox import BoundedSandbox

NAMES = ("documents", "data", "state", "this")
TOO_DEEP = "the expression is nested too deeply; split it up"
FILTERS = (
    "length",
    "lower",
    "upper",
    "int",
    "float",
    "abs",
    "round",
    "min",
    "max",
    "sum",
    "list",
    "select",
    "reject",
    "unique",
    "join",
    "first",
    "last",
    "default",
    "instant",
    "working_days_to",
)
CALENDAR_KEY = "calendar"  # where the process's working calendar rides in an evaluation context
MAX_SPAN_DAYS = 3660
TESTS = (
    "in",
    "defined",
    "undefined",
    "none",
    "number",
    "string",
    "boolean",
    "mapping",
    "sequence",
    "eq",
    "ne",
    "gt",
    "ge",
    "lt",
    "le",
    "true",
    "false",
    "integer",
    "float",
)


class _Environment(BoundedSandbox):
    """No calls, no globals, only pure filters."""

    def __init__(self) -> None:
        super().__init__(undefined=StrictUndefined, autoescape=False)
        self.globals.clear()
        self.filters = {name: JINJA_FILTERS[name] for name in FILTERS if name in JINJA_FILTERS}
        self.filters.update(instant=_instant, working_days_to=_working_days_to)
        self.tests = {name: _strict(name, JINJA_TESTS[name]) for name in TESTS}  # type: ignore[arg-type]

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        raise SecurityError("expressions cannot call functions or methods")


def _strict(name: str, test: Callable[..., Any]) -> Callable[..., Any]:
    """A test that raises on a missing field instead of answering False (only `defined` may ask)."""
    if name in ("defined", "undefined"):
        return test

    def strict(value: Any, *args: Any) -> Any:
        if isinstance(value, Undefined):
            value._fail_with_undefined_error()
        return test(value, *args)

    return strict


def _instant(value: Any) -> datetime:
    """An ISO date-time (with an offset, or naive in UTC) or date as an aware instant."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a date-time")
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@pass_context
def _working_days_to(context: Any, start: Any, end: Any) -> int:
    """Working days after `start`'s day up to and including `end`'s day (negative if `end` is earlier)."""
    calendar = context.get(CALENDAR_KEY)
    if calendar is None:
        raise ValueError("working_days_to needs a calendar: add calendar: {country: …, timezone: …} to the process")
    first, last = (_instant(start).astimezone(calendar.zone).date(), _instant(end).astimezone(calendar.zone).date())
    sign = 1 if last >= first else -1
    low, high = min(first, last), max(first, last)
    if (high - low).days > MAX_SPAN_DAYS:
        raise ValueError(f"the span is longer than {MAX_SPAN_DAYS} days")
    count = sum(1 for n in range(1, (high - low).days + 1) if calendar.is_working_day(low + timedelta(days=n)))
    return sign * count


_ENV = _Environment()


@dataclass(frozen=True)
class Reference:
    """A dotted name an expression reads, e.g. ('documents', 'lead_grading', 'grade')."""

    parts: tuple[str | int, ...]

    def __str__(self) -> str:
        return ".".join(str(p) for p in self.parts)


def parse(expression: str) -> nodes.Expr:
    """Parse one expression; raise `TemplateSyntaxError` with a position on bad syntax."""
    parser = Parser(_ENV, expression, state="variable")
    node = parser.parse_expression()
    if not parser.stream.eos:
        token = parser.stream.current
        raise TemplateSyntaxError(f"unexpected {token.value!r} after the expression", token.lineno)
    return node


def problems(expression: str, allowed_names: tuple[str, ...] = NAMES) -> Iterator[str]:
    """Everything forbidden in `expression` (syntax, calls, unknown names, filters, tests)."""
    try:
        node = parse(expression)
        found = list(walk(node, (nodes.Call, nodes.Name, nodes.Filter, nodes.Test, nodes.Getattr, nodes.Getitem)))
    except TemplateSyntaxError as exc:
        yield f"the expression does not parse: {exc.message}"
        return
    except RecursionError:
        yield TOO_DEEP
        return
    for item in found:
        if isinstance(item, (nodes.Getattr, nodes.Getitem)):
            name = item.attr if isinstance(item, nodes.Getattr) else getattr(item.arg, "value", None)
            if isinstance(name, str) and name.startswith("_"):
                yield f"{name!r}: names starting with '_' are not allowed"
        elif isinstance(item, nodes.Call):
            yield "expressions cannot call functions or methods"
        elif isinstance(item, nodes.Name) and item.name not in allowed_names:
            yield f"unknown name {item.name!r}; expressions can use {', '.join(allowed_names)}"
        elif isinstance(item, nodes.Filter) and item.name not in FILTERS:
            yield f"the filter {item.name!r} is not allowed; allowed: {', '.join(FILTERS)}"
        elif isinstance(item, nodes.Test) and item.name not in TESTS:
            yield f"the test {item.name!r} is not allowed; allowed: {', '.join(TESTS)}"


def references(expression: str) -> list[Reference]:
    """The dotted names `expression` reads (longest chains), for load-time checks."""
    try:
        node = parse(expression)
    except RecursionError:
        return []
    inner: set[int] = set()
    found: list[Reference] = []
    for item in walk(node, (nodes.Getattr, nodes.Getitem)):
        inner.add(id(item.node))
    for item in walk(node, (nodes.Getattr, nodes.Getitem, nodes.Name)):
        if id(item) in inner:
            continue
        parts = chain(item)
        if parts:
            found.append(Reference(parts))
    return found


def walk(node: nodes.Node, kinds: tuple[type[nodes.Node], ...]) -> Iterator[Any]:
    """The node itself and its descendants of the given kinds (`find_all` skips the root)."""
    if isinstance(node, kinds):
        yield node
    yield from node.find_all(kinds)


def chain(node: nodes.Node) -> tuple[str | int, ...] | None:
    """The dotted name a node reads (`documents.x.y` → ('documents', 'x', 'y')), or None for anything else."""
    if isinstance(node, nodes.Name):
        return (node.name,)
    if isinstance(node, nodes.Getattr):
        head = chain(node.node)
        return (*head, node.attr) if head else None
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
        head = chain(node.node)
        key = node.arg.value
        return (*head, key) if head and isinstance(key, (str, int)) else head
    return None


class Expression:
    """A compiled expression, evaluated against a context of plain data."""

    __slots__ = ("_compiled", "source")

    def __init__(self, source: str) -> None:
        self.source = source
        try:
            self._compiled = _ENV.compile_expression(source, undefined_to_none=False)
        except TemplateError as exc:
            raise ExpressionError(source, exc.message or str(exc)) from None
        except RecursionError:
            raise ExpressionError(source, TOO_DEEP) from None

    def evaluate(self, context: Mapping[str, Any]) -> Any:
        try:
            value = self._compiled(**context)
            if isinstance(value, StrictUndefined):
                str(value)  # raises UndefinedError naming what is missing
            return value
        except UndefinedError as exc:
            raise ExpressionError(
                self.source, f"{exc.message}; check the field name or test it with 'is defined'"
            ) from None
        except (TemplateError, ArithmeticError, TypeError, ValueError, LookupError, AttributeError) as exc:
            raise ExpressionError(self.source, str(exc)) from None
        except RecursionError:
            raise ExpressionError(self.source, TOO_DEEP) from None

    def holds(self, context: Mapping[str, Any]) -> bool:
        value = self.evaluate(context)
        if not isinstance(value, bool):
            raise ExpressionError(self.source, f"a condition must give true or false, not {value!r}")
        return value

    def __repr__(self) -> str:
        return f"Expression({self.source!r})"
