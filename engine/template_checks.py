"""What can be known about a template before it runs: names it may not use, and files it needs.

Each check walks the parsed template and yields (template, line, message):
attributes the sandbox would refuse (`__class__`, `_private`, a function's
`__globals__`), filters and tests that do not exist (Jinja only finds out
when it compiles, and a removed filter such as `xmlattr` would otherwise fail
at render time), and `include`/`import`/`extends` of a template that is not in
the definition's bundle, or whose name is computed and so cannot be checked.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from jinja2 import Environment, nodes
from jinja2.sandbox import (
    UNSAFE_ASYNC_GENERATOR_ATTRIBUTES,
    UNSAFE_COROUTINE_ATTRIBUTES,
    UNSAFE_FUNCTION_ATTRIBUTES,
    UNSAFE_GENERATOR_ATTRIBUTES,
    UNSAFE_METHOD_ATTRIBUTES,
)

from .expressions import walk
from .suggest import did_you_mean

UNSAFE_ATTRIBUTES = frozenset(
    UNSAFE_FUNCTION_ATTRIBUTES
    | UNSAFE_METHOD_ATTRIBUTES
    | UNSAFE_GENERATOR_ATTRIBUTES
    | UNSAFE_COROUTINE_ATTRIBUTES
    | UNSAFE_ASYNC_GENERATOR_ATTRIBUTES
    | {"mro", "format", "format_map"}
)
REFERENCES = (nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)


def unsafe_attributes(tree: nodes.Template) -> Iterator[tuple[int, str]]:
    for node in walk(tree, (nodes.Getattr, nodes.Getitem)):
        name = node.attr if isinstance(node, nodes.Getattr) else _const_text(node.arg)
        if name is not None and (name.startswith("_") or name in UNSAFE_ATTRIBUTES):
            yield node.lineno, f"the template reads {name!r}, which templates may not use (Python internals)"


def unknown_filters_and_tests(tree: nodes.Template, env: Environment) -> Iterator[tuple[int, str]]:
    for node in walk(tree, (nodes.Filter, nodes.Test)):  # a {% filter %} block holds a Filter node too
        kind, known = ("filter", env.filters) if isinstance(node, nodes.Filter) else ("test", env.tests)
        if node.name not in known:
            yield node.lineno, f"unknown {kind} {node.name!r}{did_you_mean(node.name, known)}"


def referenced(tree: nodes.Template) -> Iterator[tuple[int, str | None]]:
    """(line, template name) for each include/import/extends; the name is None when it is computed."""
    for node in walk(tree, REFERENCES):
        yield node.lineno, _const_text(node.template)


def missing_references(tree: nodes.Template, templates: Mapping[str, str]) -> Iterator[tuple[int, str]]:
    for line, name in referenced(tree):
        if name is None:
            yield line, "include/import names must be written out as text, so they can be checked at load"
        elif name not in templates:
            yield line, f"the template {name!r} it includes is not in doc_templates/{did_you_mean(name, templates)}"


def defined_names(tree: nodes.Template) -> set[str]:
    """Names a template defines for itself: macros, and what it imports."""
    names = {m.name for m in walk(tree, (nodes.Macro,))}
    names |= {i.target for i in walk(tree, (nodes.Import,))}
    for node in walk(tree, (nodes.FromImport,)):
        names |= {n if isinstance(n, str) else n[1] for n in node.names}
    return names


def _const_text(node: nodes.Node) -> str | None:
    return node.value if isinstance(node, nodes.Const) and isinstance(node.value, str) else None
