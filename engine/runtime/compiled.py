"""Everything the runtime needs from one definition, compiled once and shared by all its cases."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from .. import calendars
from ..calendars import WorkingCalendar
from ..definition.model import ComputedField, DocumentSpec, ProcessDefinition, Requirement
from ..errors import ProcflowError
from .gates import CompiledTransition, gates
from .machine import ProcessMachine

if TYPE_CHECKING:  # a status or a list reads a case without compiling its process, and `overdue` without its
    from jsonschema.protocols import Validator  # machine: validators, templates, expressions come on first use

    from ..expressions import Expression
    from ..rendering import Renderer


@dataclass(frozen=True)
class CompiledField:
    field: ComputedField
    expression: Expression | None
    rules: tuple[tuple[Expression | None, Any], ...]


class CompiledProcess:
    """One definition made ready to run. The parts a move or a document needs (the machine and its index of
    moves, the schema validators, the computed fields' expressions, the templates) are built on first use:
    `overdue`, `tick` or a report judge deadlines on the definition and its calendar alone, and skip most of
    a command's start-up. `compile` builds every part at once, so a definition being registered shows any
    fault of its own there, not at some later step."""

    def __init__(self, definition: ProcessDefinition) -> None:
        self.definition = definition
        self.calendar: WorkingCalendar | None = calendars.for_declaration(definition.calendar)
        self.triggers = frozenset(t.trigger for t in definition.transitions)
        self.has_shared = any(d.shared for d in definition.documents.values())  # only then are they read
        self.has_deadlines = any(s.deadlines for s in definition.states.values()) or any(
            g.deadlines for g in definition.stages
        )

    @classmethod
    def compile(cls, definition: ProcessDefinition) -> CompiledProcess:
        """Every part built now (see the class)."""
        compiled = cls(definition)
        for part in _PARTS:
            getattr(compiled, part)
        return compiled

    @cached_property
    def moves(self) -> Mapping[str, Mapping[str, CompiledTransition]]:
        """State → trigger → move."""
        from .. import expressions
        from ..expressions import Expression
        from ..guards import needed_documents

        definition = self.definition
        moves: dict[str, dict[str, CompiledTransition]] = {state: {} for state in definition.states}
        for t in definition.transitions:
            guard = Expression(t.guard) if t.guard else None
            reads = frozenset(
                str(ref.parts[1])
                for ref in (expressions.references(t.guard) if t.guard else ())
                if ref.parts[0] == "documents" and len(ref.parts) > 1
            )
            needs = needed_documents(t.guard) if t.guard else frozenset()
            for source in t.sources:
                spec = definition.states[source]
                requires = _merge(spec.requires, t.requires)
                join = () if t.interrupts else spec.join
                moves[source][t.trigger] = CompiledTransition(t, source, requires, guard, needs, join, reads)
        return MappingProxyType({s: MappingProxyType(m) for s, m in moves.items()})

    @cached_property
    def machine(self) -> ProcessMachine:
        definition, moves, calendar = self.definition, self.moves, self.calendar
        machine = ProcessMachine(definition, lambda t, source: gates(definition, moves[source][t.trigger], calendar))
        check_index(definition, moves, machine)
        return machine

    @cached_property
    def validators(self) -> Mapping[str, Validator]:
        from ..documents import SchemaSet

        schemas = SchemaSet(self.definition.schemas)
        return MappingProxyType({d.id: schemas.validator(d.schema_file) for d in self.definition.documents.values()})

    @cached_property
    def computed(self) -> Mapping[str, tuple[CompiledField, ...]]:
        return MappingProxyType(
            {
                doc.id: tuple(_compile_field(f) for f in doc.computed.fields)
                for doc in self.definition.documents.values()
                if doc.computed is not None
            }
        )

    @cached_property
    def computation_order(self) -> tuple[str, ...]:
        return _computation_order(self.definition)

    @cached_property
    def dependents(self) -> Mapping[str, tuple[str, ...]]:
        """Document → the computed documents to redo when it changes, in computation order."""
        return MappingProxyType(_dependents(self.definition, self.computation_order))

    @cached_property
    def renderer(self) -> Renderer:
        from ..rendering import Renderer

        return Renderer(self.definition.templates, self.definition.locale)

    def document(self, name: str) -> DocumentSpec:
        return self.definition.documents[name]


_PARTS = ("moves", "machine", "validators", "computed", "computation_order", "dependents", "renderer")


class IndexDisagrees(ProcflowError):
    """The hand-kept index of moves (for `available`) says something the machine does not: a bug, never input."""


def check_index(
    definition: ProcessDefinition, moves: Mapping[str, Mapping[str, CompiledTransition]], machine: ProcessMachine
) -> None:
    """Prove the index `available()` reads agrees with `transitions`: the same triggers from every state
    (its own and its enclosing state's) and the same destination for every move."""
    for sid, spec in definition.states.items():
        listed = set(moves[sid]) | (set(moves[spec.parent]) if spec.parent else set())
        known = machine.triggers(sid)
        if listed != known:
            raise IndexDisagrees(f"moves from {sid!r}: the index lists {sorted(listed)}, the machine {sorted(known)}")
        for trigger, move in moves[sid].items():
            found = machine.destinations(trigger, sid)
            if found != {move.transition.dest}:
                raise IndexDisagrees(
                    f"{trigger!r} from {sid!r}: the index goes to {move.transition.dest!r}, "
                    f"the machine to {sorted(found)}"
                )


def _computation_order(definition: ProcessDefinition) -> tuple[str, ...]:
    """Computed documents, each after the computed documents it reads."""
    inputs = {d.id: d.computed.inputs for d in definition.documents.values() if d.computed is not None}
    order: list[str] = []

    def visit(name: str, seen: frozenset[str]) -> None:
        if name in order or name in seen:  # cycles are a load-time error; never loop here
            return
        for source in inputs[name]:
            if source in inputs:
                visit(source, seen | {name})
        order.append(name)

    for name in inputs:
        visit(name, frozenset())
    return tuple(order)


def _dependents(definition: ProcessDefinition, order: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """For each document, every computed document downstream of it, directly or through other
    computed documents, in computation order."""
    direct: dict[str, set[str]] = {}
    for name in order:
        for source in definition.documents[name].computed.inputs:  # type: ignore[union-attr]
            direct.setdefault(source, set()).add(name)

    def closure(source: str, seen: set[str]) -> set[str]:
        for target in direct.get(source, ()):
            if target not in seen:
                seen.add(target)
                closure(target, seen)
        return seen

    return {source: tuple(n for n in order if n in closure(source, set())) for source in direct}


def _merge(first: tuple[Requirement, ...], second: tuple[Requirement, ...]) -> tuple[Requirement, ...]:
    merged: dict[str, Requirement] = {}
    for req in (*first, *second):
        old = merged.get(req.document)
        merged[req.document] = Requirement(req.document, req.fresh or bool(old and old.fresh))
    return tuple(merged.values())


def _compile_field(f: ComputedField) -> CompiledField:
    from ..expressions import Expression

    if f.expression is not None:
        return CompiledField(f, Expression(f.expression), ())
    return CompiledField(f, None, tuple((Expression(r.when) if r.when else None, r.value) for r in f.rules))
