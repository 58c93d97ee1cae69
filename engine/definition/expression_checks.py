"""Load-time checks of the expressions a definition holds: transition guards and computed documents' fields.

An expression must parse in the sandbox, read only the names its place allows, and name documents and fields
that exist; a computed document may read only its declared inputs and earlier fields, and never itself.
"""

from __future__ import annotations

from collections.abc import Iterator

from .. import expressions
from ..suggest import did_you_mean
from .check_context import Context, Finding
from .model import ProcessDefinition
from .reader import Path


def _expression_refs(
    c: Context,
    source: str,
    path: Path,
    allowed: tuple[str, ...],
    this_fields: list[str],
    inputs: tuple[str, ...] | None,
) -> Iterator[Finding]:
    problems = list(expressions.problems(source, allowed))
    for message in problems:
        yield Finding(path, message)
    if problems:
        return
    d = c.definition
    for ref in expressions.references(source):
        head, rest = ref.parts[0], ref.parts[1:]
        if head == "this" and rest and rest[0] not in this_fields:
            yield Finding(path, f"this.{rest[0]} is not an earlier field{did_you_mean(str(rest[0]), this_fields)}")
        if head != "documents" or not rest:
            continue
        doc_id = str(rest[0])
        if doc_id not in d.documents:
            yield Finding(path, c.unknown("document", doc_id, d.documents))
            continue
        if inputs is not None and doc_id not in inputs:
            yield Finding(path, f"documents.{doc_id} is not among this computation's inputs ({', '.join(inputs)})")
        doc = d.documents[doc_id]
        if (
            len(rest) > 1
            and doc.schema_file not in c.missing_files
            and c.schemas.field(doc.schema_file, rest[1:]) is None
        ):
            known = list(doc.schema.get("properties", {}))
            field = ".".join(str(p) for p in rest[1:])
            yield Finding(path, f"document {doc_id!r} has no field {field!r}{did_you_mean(str(rest[1]), known)}")


def guard_checks(c: Context) -> Iterator[Finding]:
    for t in c.definition.transitions:
        if t.guard is not None:
            allowed = ("documents", "data", "state", "now")
            yield from _expression_refs(c, t.guard, ("transitions", t.index, "guard"), allowed, [], None)


def computed_checks(c: Context) -> Iterator[Finding]:
    d = c.definition
    for doc in d.documents.values():
        if doc.computed is None:
            continue
        base: Path = ("documents", doc.id, "computed")
        for i, name in enumerate(doc.computed.inputs):
            if name not in d.documents:
                yield Finding((*base, "inputs", i), c.unknown("document", name, d.documents))
            elif _reaches(d, name, doc.id):
                yield Finding(
                    (*base, "inputs", i),
                    f"computed document {doc.id!r} depends on itself through {name!r}; break the loop",
                )
        declared = list(doc.schema.get("properties", {}))
        earlier: list[str] = []
        allowed = ("documents", "data", "this")
        for f in doc.computed.fields:
            path: Path = (*base, "fields", f.name)
            if doc.schema_file not in c.missing_files and f.name not in declared:
                yield Finding(
                    path,
                    f"field {f.name!r} is not declared in {doc.schema_file}{did_you_mean(f.name, declared)}",
                    key=True,
                )
            sources = (
                [(path, f.expression)]
                if f.expression
                else [((*path, j, "when"), rule.when) for j, rule in enumerate(f.rules) if rule.when is not None]
            )
            for where, source in sources:
                yield from _expression_refs(c, source, where, allowed, earlier, doc.computed.inputs)
            if f.rules and f.rules[-1].when is not None:
                yield Finding(path, f"field {f.name!r} has no 'otherwise' rule; add one as the last rule", "warning")
            earlier.append(f.name)


def _reaches(d: ProcessDefinition, start: str, target: str) -> bool:
    """Whether computed document `target` is `start` or one of its inputs, directly or transitively."""
    stack, seen = [start], set()
    while stack:
        name = stack.pop()
        if name == target:
            return True
        if name in seen or name not in d.documents:
            continue
        seen.add(name)
        computed = d.documents[name].computed
        stack.extend(computed.inputs if computed else ())
    return False
