"""Everything the runtime needs from one definition, compiled once and shared by all its cases."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from jsonschema.protocols import Validator

from engine import expressions
from engine.definition.model import ComputedField, DocumentSpec, ProcessDefinition, Requirement, Transition
from engine.documents import SchemaSet
from engine.expressions import Expression
from engine.rendering import Renderer
from engine.runtime.machine import ProcessMachine


@dataclass(frozen=True)
class CompiledTransition:
    transition: Transition
    requires: tuple[Requirement, ...]  # the source state's plus the transition's own
    guard: Expression | None
    guard_documents: frozenset[str]  # documents the guard reads: missing ones are reported as missing


@dataclass(frozen=True)
class CompiledField:
    field: ComputedField
    expression: Expression | None
    rules: tuple[tuple[Expression | None, Any], ...]


@dataclass
class CompiledProcess:
    definition: ProcessDefinition
    machine: ProcessMachine
    moves: Mapping[str, Mapping[str, CompiledTransition]]  # state → trigger → move
    validators: Mapping[str, Validator]
    computed: Mapping[str, tuple[CompiledField, ...]]
    dependents: Mapping[str, tuple[str, ...]]  # input document → computed documents using it
    renderer: Renderer
    triggers: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def compile(cls, definition: ProcessDefinition) -> CompiledProcess:
        schemas = SchemaSet(definition.schemas)
        moves: dict[str, dict[str, CompiledTransition]] = {state: {} for state in definition.states}
        for t in definition.transitions:
            guard = Expression(t.guard) if t.guard else None
            reads = frozenset(
                str(ref.parts[1])
                for ref in (expressions.references(t.guard) if t.guard else ())
                if ref.parts[0] == "documents" and len(ref.parts) > 1
            )
            for source in t.sources:
                requires = _merge(definition.states[source].requires, t.requires)
                moves[source][t.trigger] = CompiledTransition(t, requires, guard, reads)
        computed: dict[str, tuple[CompiledField, ...]] = {}
        dependents: dict[str, list[str]] = {}
        for doc in definition.documents.values():
            if doc.computed is None:
                continue
            computed[doc.id] = tuple(_compile_field(f) for f in doc.computed.fields)
            for name in doc.computed.inputs:
                dependents.setdefault(name, []).append(doc.id)
        return cls(
            definition=definition,
            machine=ProcessMachine(definition),
            moves=MappingProxyType({s: MappingProxyType(m) for s, m in moves.items()}),
            validators=MappingProxyType(
                {d.id: schemas.validator(d.schema_file) for d in definition.documents.values()}
            ),
            computed=MappingProxyType(computed),
            dependents=MappingProxyType({k: tuple(v) for k, v in dependents.items()}),
            renderer=Renderer(definition.templates),
            triggers=frozenset(t.trigger for t in definition.transitions),
        )

    def document(self, name: str) -> DocumentSpec:
        return self.definition.documents[name]


def _merge(first: tuple[Requirement, ...], second: tuple[Requirement, ...]) -> tuple[Requirement, ...]:
    merged: dict[str, Requirement] = {}
    for req in (*first, *second):
        old = merged.get(req.document)
        merged[req.document] = Requirement(req.document, req.fresh or bool(old and old.fresh))
    return tuple(merged.values())


def _compile_field(f: ComputedField) -> CompiledField:
    if f.expression is not None:
        return CompiledField(f, Expression(f.expression), ())
    return CompiledField(f, None, tuple((Expression(r.when) if r.when else None, r.value) for r in f.rules))
