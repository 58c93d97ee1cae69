"""Everything the runtime needs from one definition, compiled once and shared by all its cases."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from .. import calendars
from ..calendars import WorkingCalendar
from ..definition.model import ComputedField, DocumentSpec, ProcessDefinition, Requirement
from ..errors import ProcflowError
from .due import definition_has_deadlines
from .gates import CompiledTransition, gates
from .machine import ProcessMachine

if TYPE_CHECKING:  # a status or a list reads a case without compiling its process: no validators, templates or
    from jsonschema.protocols import Validator  # expressions are imported before `compile` runs

    from ..expressions import Expression
    from ..rendering import Renderer


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
    dependents: Mapping[str, tuple[str, ...]]  # document → computed documents to redo when it changes, in order
    renderer: Renderer
    computation_order: tuple[str, ...] = ()
    triggers: frozenset[str] = field(default_factory=frozenset)
    calendar: WorkingCalendar | None = None
    has_deadlines: bool = False
    has_shared: bool = False  # any shared document: only then is the store asked for them

    @classmethod
    def compile(cls, definition: ProcessDefinition) -> CompiledProcess:
        from .. import expressions
        from ..documents import SchemaSet
        from ..expressions import Expression
        from ..guards import needed_documents
        from ..rendering import Renderer

        schemas = SchemaSet(definition.schemas)
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
        calendar = calendars.for_declaration(definition.calendar)
        machine = ProcessMachine(definition, lambda t, source: gates(definition, moves[source][t.trigger], calendar))
        check_index(definition, moves, machine)
        order = _computation_order(definition)
        computed = {
            doc.id: tuple(_compile_field(f) for f in doc.computed.fields)
            for doc in definition.documents.values()
            if doc.computed is not None
        }
        return cls(
            definition=definition,
            machine=machine,
            moves=MappingProxyType({s: MappingProxyType(m) for s, m in moves.items()}),
            validators=MappingProxyType(
                {d.id: schemas.validator(d.schema_file) for d in definition.documents.values()}
            ),
            computed=MappingProxyType(computed),
            dependents=MappingProxyType(_dependents(definition, order)),
            computation_order=order,
            renderer=Renderer(definition.templates, definition.locale),
            triggers=frozenset(t.trigger for t in definition.transitions),
            calendar=calendar,
            has_shared=any(d.shared for d in definition.documents.values()),
            has_deadlines=definition_has_deadlines(definition),
        )

    def document(self, name: str) -> DocumentSpec:
        return self.definition.documents[name]


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
