"""What a guard needs and what it says when it refuses.

* `needed_documents`: the documents a guard reads on *every* way it can come true — a document read only
  inside one branch of an `or` is not required for the other branch, and one only tested with
  `is defined` is not required at all.
* `instants`: a read-only view of document data in which date-times with an offset are instants, so
  `2026-10-20T01:30:00Z` equals `2026-10-20T09:30:00+08:00` and compares with `now`.
* `explain`: the values that made a guard false, e.g. `documents.go_no_go.score was 40, needs >= 60`.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any

from jinja2 import nodes

from . import expressions

_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})$")
_OPERATORS: dict[str, tuple[str, Callable[[Any, Any], bool]]] = {
    "eq": ("==", operator.eq),
    "ne": ("!=", operator.ne),
    "gt": (">", operator.gt),
    "gteq": (">=", operator.ge),
    "lt": ("<", operator.lt),
    "lteq": ("<=", operator.le),
    "in": ("in", lambda a, b: a in b),
    "notin": ("not in", lambda a, b: a not in b),
}


# --- instants -----------------------------------------------------------------------------------


class InstantView(Mapping[str, Any]):
    """Document data as a guard sees it: nested values converted on access, nothing copied up front."""

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, Any]) -> None:
        self._data = data

    def __getitem__(self, key: str) -> Any:
        return instants(self._data[key])

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)


def instants(value: Any) -> Any:
    """`value` with every date-time that carries an offset turned into an aware `datetime`."""
    if isinstance(value, str) and _INSTANT.match(value):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    if isinstance(value, Mapping):
        return InstantView(value)
    if isinstance(value, (list, tuple)):
        return [instants(item) for item in value]
    return value


# --- what a guard needs ---------------------------------------------------------------------------


def needed_documents(source: str) -> frozenset[str]:
    """Documents `source` reads whichever way it comes true (see the module docstring)."""
    try:
        return frozenset(_needed(expressions.parse(source)))
    except Exception:  # noqa: BLE001 - a guard that does not parse is a load-time error, reported there
        return frozenset()


def _needed(node: nodes.Node) -> set[str]:
    if isinstance(node, nodes.Or):
        return _needed(node.left) & _needed(node.right)
    if isinstance(node, nodes.And):
        return _needed(node.left) | _needed(node.right)
    if isinstance(node, nodes.CondExpr):
        both = _needed(node.expr1) & (_needed(node.expr2) if node.expr2 is not None else set())
        return _needed(node.test) | both
    if isinstance(node, nodes.Test) and node.name in ("defined", "undefined"):
        return set()
    if isinstance(node, nodes.Getattr | nodes.Getitem):
        chain = expressions.chain(node)
        if chain and chain[0] == "documents" and len(chain) > 1:
            return {str(chain[1])}
    found: set[str] = set()
    for child in node.iter_child_nodes():
        found |= _needed(child)
    return found


# --- what a refused guard says -----------------------------------------------------------------


def explain(source: str, context: Mapping[str, Any]) -> tuple[str, ...]:
    """The comparisons that failed, with the values read; else every value the guard read."""
    try:
        tree = expressions.parse(source)
    except Exception:  # noqa: BLE001 - nothing to explain in a guard that does not parse
        return ()
    failed = [line for compare in expressions.walk(tree, (nodes.Compare,)) if (line := _failed(compare, context))]
    if failed:
        return tuple(dict.fromkeys(failed))
    read = []
    for ref in expressions.references(source):
        found, value = _value(ref.parts, context)
        if found and ref.parts[0] != "now":
            read.append(f"{ref} was {_show(value)}")
    return tuple(dict.fromkeys(read))


def _failed(compare: nodes.Compare, context: Mapping[str, Any]) -> str | None:
    if len(compare.ops) != 1:
        return None
    op = compare.ops[0]
    left, right = expressions.chain(compare.expr), expressions.chain(op.expr)
    symbol, test = _OPERATORS.get(op.op, ("", None))
    if test is None or left is None:
        return None
    found, value = _value(left, context)
    if not found:
        return None
    if isinstance(op.expr, nodes.Const):
        wanted, shown = instants(op.expr.value), _show(op.expr.value)
    elif right is not None:
        ok, wanted = _value(right, context)
        if not ok:
            return None
        shown = f"{'.'.join(map(str, right))} ({_show(wanted)})"
    elif isinstance(op.expr, nodes.List) and all(isinstance(i, nodes.Const) for i in op.expr.items):
        wanted = [i.value for i in op.expr.items]  # type: ignore[attr-defined]
        shown = _show(wanted)
    else:
        return None
    try:
        if test(value, wanted):
            return None
    except TypeError:
        pass
    return f"{'.'.join(map(str, left))} was {_show(value)}, needs {symbol} {shown}"


def _value(parts: tuple[str | int, ...], context: Mapping[str, Any]) -> tuple[bool, Any]:
    node: Any = context
    for part in parts:
        if isinstance(node, list) and isinstance(part, int):
            found = -len(node) <= part < len(node)
        else:
            found = isinstance(node, Mapping) and part in node
        if not found:
            return False, None
        node = node[part]
    return True, node


def _show(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, InstantView):
        return "{…}"
    return repr(value)
