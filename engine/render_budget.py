"""A time and size budget for one template render, enforced inside the compiled template.

The sandbox bounds single operations (`*`, `**`); it cannot see that
`range(99999)` inside `range(99999)` runs for hours, or that a loop appends
ten thousand copies of a large value to a buffer. Templates are therefore
compiled by `BudgetedCodeGenerator` (Jinja's supported `code_generator_class`
hook), which routes every piece of output, every loop step and every `~`
through the active `Budget`: the render stops with `BudgetExceeded` once it
has run `seconds` or produced `max_chars` characters, wherever in the
template (macro, loop, `{% set %}` block) that happens. A function call goes
through the sandbox's `call`, which also checks the clock.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextvars import ContextVar
from typing import Any

from jinja2 import nodes, pass_environment
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError
from jinja2.filters import make_attrgetter

MAX_RENDER_SECONDS = 2.0
MAX_OUTPUT_CHARS = 1_000_000


class BudgetExceeded(SecurityError):
    """A render ran too long or produced too much."""


class Budget:
    """What one render may still spend: wall-clock time and characters of output."""

    def __init__(self, seconds: float = MAX_RENDER_SECONDS, max_chars: int = MAX_OUTPUT_CHARS) -> None:
        self.seconds, self.max_chars = seconds, max_chars
        self.deadline = time.monotonic() + seconds
        self.chars = 0

    def tick(self) -> None:
        if time.monotonic() > self.deadline:
            raise BudgetExceeded(f"rendering took longer than {self.seconds:g} s; simplify the template's loops")

    def spend(self, size: int) -> None:
        self.chars += size
        if self.chars > self.max_chars:
            raise BudgetExceeded(f"the output is larger than {self.max_chars} characters")
        self.tick()


ACTIVE: ContextVar[Budget | None] = ContextVar("procflow_render_budget", default=None)


def tick() -> None:
    budget = ACTIVE.get()
    if budget is not None:
        budget.tick()


def spent(value: Any) -> Any:
    """`value` (a piece of output, or a value built by `~`), after charging its length to the budget."""
    budget = ACTIVE.get()
    if budget is not None:
        budget.spend(len(value) if isinstance(value, str) else 1)
    return value


def stepped(iterable: Iterable[Any]) -> Iterator[Any]:
    """The items of a loop, checking the clock before each."""
    for item in iterable:
        tick()
        yield item


class BudgetedCodeGenerator(CodeGenerator):
    """Jinja's code generator, with output, `~` and loops charged to the active budget."""

    def _output_const_repr(self, group: Iterable[Any]) -> str:
        return f"environment.budget_spent({super()._output_const_repr(group)})"

    def _output_child_pre(self, node: nodes.Expr, frame: Frame, finalize: Any) -> None:
        self.write("environment.budget_spent(")
        super()._output_child_pre(node, frame, finalize)

    def _output_child_post(self, node: nodes.Expr, frame: Frame, finalize: Any) -> None:
        super()._output_child_post(node, frame, finalize)
        self.write(")")

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:  # noqa: N802 - Jinja's visitor name
        self.write("environment.budget_spent(")
        super().visit_Concat(node, frame)
        self.write(")")

    def visit_For(self, node: nodes.For, frame: Frame) -> None:  # noqa: N802 - Jinja's visitor name
        if not getattr(node, "budgeted", False):
            node.iter = nodes.Call(
                nodes.EnvironmentAttribute("budget_stepped"), [node.iter], [], None, None, lineno=node.lineno
            )
            node.budgeted = True  # type: ignore[attr-defined]
        super().visit_For(node, frame)


# --- filters: each result is charged; those that can multiply their input are checked first --------


def guarded_filters(filters: dict[str, Callable[..., Any]]) -> dict[str, Callable[..., Any]]:
    """`filters` wrapped so no filter call can build more than the budget allows; `join` counts as it goes."""
    guarded = {name: _guarded(name, func) for name, func in filters.items()}
    if "join" in filters:
        guarded["join"] = _guarded("join", bounded_join)
    return guarded


@pass_environment
def bounded_join(environment: Any, value: Iterable[Any], d: str = "", attribute: str | int | None = None) -> str:
    """Jinja's `join` for text templates (no autoescape), refusing before the text outgrows the budget.

    Its items may be produced lazily (`map(attribute=...)`), so they are counted one by one as they come.
    """
    items = map(make_attrgetter(environment, attribute), value) if attribute is not None else value
    parts, total, limit = [], 0, _limit()
    for item in items:
        text = str(item)
        total += len(text) + len(d)
        if total > limit:
            raise BudgetExceeded(f"the joined text would be larger than the {limit} characters left for this document")
        parts.append(text)
    return str(d).join(parts)


def _guarded(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    check = _PRECHECKS.get(name)
    skip = 1 if hasattr(func, "jinja_pass_arg") else 0  # the context or eval context comes first

    @functools.wraps(func)  # keeps jinja_pass_arg, so Jinja still passes the context
    def run(*args: Any, **kwargs: Any) -> Any:
        if check is not None:
            check(*args[skip:], **kwargs)
        result = func(*args, **kwargs)
        if isinstance(result, (str, list, tuple, dict)):
            _charge(result)
        return result

    return run


def _charge(value: Any) -> None:
    budget = ACTIVE.get()
    if budget is not None:
        budget.spend(len(value))


def size_of(value: Any, limit: int) -> int:
    """The characters `value` takes as text (strings counted at their length), stopping once past `limit`."""
    total, stack = 0, [value]
    while stack and total <= limit:
        item = stack.pop()
        if isinstance(item, str):
            total += len(item) + 2
        elif isinstance(item, Mapping):
            total += 2
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            total += 2
            stack.extend(item)
        else:
            total += 8
    return total


def _limit() -> int:
    budget = ACTIVE.get()
    return budget.max_chars - budget.chars if budget is not None else MAX_OUTPUT_CHARS


def _refuse_if_large(size: int, what: str) -> None:
    if size > _limit():
        raise BudgetExceeded(f"{what} would be larger than the {_limit()} characters left for this document")


def _check_text_of(value: Any, *args: Any, **kwargs: Any) -> None:
    indent = kwargs.get("indent", args[0] if args else None)
    if isinstance(indent, int) and indent > MAX_INDENT:
        raise BudgetExceeded(f"an indent of {indent} is not allowed (at most {MAX_INDENT})")
    if isinstance(value, (list, tuple, Mapping)):
        _refuse_if_large(size_of(value, _limit()) * (1 + (indent or 0)), "the text of the value")


def _check_count(value: Any, count: Any = 0, *args: Any, **kwargs: Any) -> None:
    if isinstance(count, int) and count > MAX_PIECES:
        raise BudgetExceeded(f"{count} pieces are too many (at most {MAX_PIECES})")


def _check_replace(value: Any, old: Any = "", new: Any = "", count: Any = None) -> None:
    if isinstance(value, str) and isinstance(old, str) and isinstance(new, str):
        hits = value.count(old) if old else len(value) + 1
        if isinstance(count, int) and count >= 0:
            hits = min(hits, count)
        _refuse_if_large(len(value) + hits * max(0, len(new) - len(old)), "the replaced text")


MAX_INDENT = 16
MAX_PIECES = 10_000
_PRECHECKS: dict[str, Callable[..., None]] = {
    "string": _check_text_of,
    "tojson": _check_text_of,
    "pprint": _check_text_of,
    "batch": _check_count,
    "slice": _check_count,
    "replace": _check_replace,
}
