"""Message templates a process declares (reminders, escalations, assignments, moves of a followed case): where
they are, what they may use.

The loader reads the files `declared_files` names into the bundle beside document templates; the checks
refuse a template that does not parse or reads a name or field the message context does not have. The
context itself is filled by `procflow.notify.wording`; `CONTEXT` is its contract.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from ..errors import Problem
from .model import ProcessDefinition

if TYPE_CHECKING:  # the builder needs only `KINDS`: rebuilding a stored definition imports no template engine
    from ..rendering import Renderer

KINDS = ("reminder", "escalation", "assignment", "move")
CONTEXT: Mapping[str, tuple[str, ...]] = {
    "person": ("id", "name"),
    "case": ("id", "state", "state_title"),
    "process": ("id", "title"),
    "message": (
        "kind",
        "deadline",
        "deadline_title",
        "ref",
        "due_at",
        "overdue_by",
        "action",
        "role",
        "role_title",
        "actor",
        "from_title",
    ),
}
Where = tuple[str | int, ...]


def _choices(value: Any) -> Iterator[tuple[str, Where]]:
    if isinstance(value, str):
        yield value, ()
    elif isinstance(value, dict):
        yield from ((path, (locale,)) for locale, path in value.items() if isinstance(path, str))


def _deadlines(data: Mapping[str, Any]) -> Iterator[tuple[Where, Mapping[str, Any]]]:
    states, stages = data.get("states"), data.get("stages")
    holders: list[tuple[Where, Any]] = (
        [(("states", sid), s) for sid, s in (states or {}).items()] if isinstance(states, dict) else []
    )
    holders += [(("stages", i), s) for i, s in enumerate(stages)] if isinstance(stages, list) else []
    for where, holder in holders:
        deadlines = holder.get("deadlines") if isinstance(holder, dict) else None
        for j, deadline in enumerate(deadlines if isinstance(deadlines, list) else ()):
            if isinstance(deadline, dict):
                yield (*where, "deadlines", j), deadline


def declared_files(data: Mapping[str, Any]) -> Iterator[tuple[str, Where]]:
    """(template path, where declared) of every message template in a raw process dict; tolerant of bad shapes."""
    messages = data.get("messages")
    for kind, value in messages.items() if isinstance(messages, dict) else ():
        yield from ((path, ("messages", kind, *rest)) for path, rest in _choices(value))
    states = data.get("states")
    for sid, state in states.items() if isinstance(states, dict) else ():
        if isinstance(state, dict):
            value = state.get("assignment_message")
            yield from ((p, ("states", sid, "assignment_message", *r)) for p, r in _choices(value))
    for where, deadline in _deadlines(data):
        yield from ((p, (*where, "reminder_message", *r)) for p, r in _choices(deadline.get("reminder_message")))
        rules = deadline.get("escalate")
        for k, rule in enumerate(rules if isinstance(rules, list) else ()):
            if isinstance(rule, dict):
                yield from ((p, (*where, "escalate", k, "message", *r)) for p, r in _choices(rule.get("message")))


def _unknown_reads(renderer: Renderer, name: str, source: str) -> Iterator[tuple[int, str]]:
    from jinja2 import nodes

    from ..expressions import walk

    tree = renderer.env.parse(source, name)
    assigned = {n.name for n in walk(tree, (nodes.Name,)) if n.ctx in ("store", "param")}
    provided = assigned | set(CONTEXT) | set(renderer.env.globals) | {"loop", "caller", "varargs", "kwargs"}
    for node in walk(tree, (nodes.Name,)):
        if node.ctx == "load" and node.name not in provided:
            yield node.lineno, f"template uses {node.name!r}; message templates can use {', '.join(CONTEXT)}"
    for node in walk(tree, (nodes.Getattr,)):
        root = node.node.name if isinstance(node.node, nodes.Name) else ""
        if root in CONTEXT and root not in assigned and node.attr not in CONTEXT[root]:
            yield node.lineno, f"{root}.{node.attr} is not in a message; {root} has {', '.join(CONTEXT[root])}"


def problems(definition: ProcessDefinition, renderer: Renderer, templates_dir: str) -> Iterator[Problem]:
    """Syntax errors and unknown names in the message templates `definition` declares (missing files are the
    loader's to report)."""
    seen: set[str] = set()
    for path, where in declared_files(definition.raw):
        if path in seen or path not in definition.templates:
            continue
        seen.add(path)
        file, at = f"{templates_dir}/{path}", ".".join(str(p) for p in where)
        syntax = list(renderer.problems(path))
        for template, line, message in syntax:
            yield Problem(f"{templates_dir}/{template}", line, 1, message, at)
        if not syntax:
            for line, message in _unknown_reads(renderer, path, definition.templates[path]):
                yield Problem(file, line, 1, message, at)
