"""Who may do what, now: `fire` asks the machine, `available` lists every move with its reasons.

Deny by default: a move whose YAML names no role can be fired by nobody. The checks themselves live in
`gates` (the machine evaluates them as conditions); this module turns the machine's answer into a move or
the refusal that says what is missing, in the order trigger, role, separation, join, documents, guard.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType

from ..chain import seal
from ..errors import DocumentsMissing, ExpressionError, GuardFailed, Refusal, TriggerNotAvailable, UnknownName
from ..records import Actor, Case, Event
from . import gates
from .compiled import CompiledProcess
from .gates import Attempt, CompiledTransition, Shared, check_separation, guard_context, latest_data
from .machine import Configuration, NotAvailable

__all__ = [
    "Option",
    "Shared",
    "check_fire",
    "check_separation",
    "fired_event",
    "guard_context",
    "latest_data",
    "options",
]


@dataclass(frozen=True)
class Option:
    """A trigger from the case's configuration, and whether the actor can fire it now (and if not, why)."""

    trigger: str
    dest: str
    allowed: bool
    reasons: tuple[str, ...] = ()
    source: str = ""  # the state it leaves: a region's current state, or the state holding the regions
    kind: str = "fire"  # or "sign": a verdict (the trigger is approve / reject) on the round of `source`


def describe(case: Case) -> str:
    """`fulfilment (invoicing, chasing_payment)` for a case in regions, the state alone otherwise."""
    return f"{case.state} ({', '.join(case.leaves)})" if case.leaves else case.state


def current_moves(compiled: CompiledProcess, case: Case) -> list[CompiledTransition]:
    """Every move from the configuration: each region's current state's, then the enclosing state's."""
    sources = (*case.leaves, case.state) if case.leaves else (case.state,)
    return [move for source in sources for move in compiled.moves[source].values()]


def check_fire(
    compiled: CompiledProcess, case: Case, trigger: str, actor: Actor, shared: Shared, now: datetime
) -> tuple[CompiledTransition, Configuration]:
    """The move `transitions` makes for `actor`, and the configuration it reaches; or the first refusal."""
    if trigger not in compiled.triggers:
        raise UnknownName("trigger", trigger, sorted(compiled.triggers))
    attempt = Attempt(case, actor, shared, now)
    try:
        reached = compiled.machine.fire((case.state, tuple(case.leaves)), trigger, attempt)
    except NotAvailable:
        raise TriggerNotAvailable(
            trigger, describe(case), sorted({m.transition.trigger for m in current_moves(compiled, case)})
        ) from None
    if reached is None or attempt.fired is None:
        raise attempt.refusal or Refusal(f"{trigger!r} is not allowed now")
    transition, source = attempt.fired
    return compiled.moves[source][transition.trigger], reached


def roles_for(compiled: CompiledProcess, case: Case, trigger: str) -> tuple[str, ...]:
    """The roles that may take `trigger` from the case's configuration (the directory resolves who acts in
    one of them), or the refusal that the trigger is unknown or leaves nowhere from here."""
    if trigger not in compiled.triggers:
        raise UnknownName("trigger", trigger, sorted(compiled.triggers))
    if not case.leaves:  # one state: its move by this trigger, if any (the index is keyed by trigger)
        move = compiled.moves[case.state].get(trigger)
        if move is not None:
            return tuple(dict.fromkeys(move.transition.roles))
    moves = [m for m in current_moves(compiled, case) if m.transition.trigger == trigger]
    if not moves:
        raise TriggerNotAvailable(
            trigger, describe(case), sorted({m.transition.trigger for m in current_moves(compiled, case)})
        )
    return tuple(dict.fromkeys(role for m in moves for role in m.transition.roles))


def fired_event(
    compiled: CompiledProcess,
    case: Case,
    trigger: str,
    actor: Actor,
    shared: Shared,
    at: datetime,
    basis: str | None = None,
) -> Event:
    """The sealed `fired` event of the move `transitions` makes (or the refusal): the configuration it
    reaches rides in the event's data when it is inside regions."""
    move, (state, leaves) = check_fire(compiled, case, trigger, actor, shared, at)
    return seal(
        Event(
            case_id=case.id,
            seq=case.version + 1,
            kind="fired",
            at=at,
            actor=actor.user,
            role=actor.role or "",  # resolved from the directory before any move is made
            definition_hash=case.definition_hash,
            trigger=trigger,
            source=move.source,
            dest=move.transition.dest,
            data=MappingProxyType({"state": state, "active": list(leaves)}) if leaves else None,
            basis=basis,
        ),
        case,
    )


def options(compiled: CompiledProcess, case: Case, actor: Actor, shared: Shared, now: datetime) -> list[Option]:
    result = []
    definition = compiled.definition
    for move in current_moves(compiled, case):
        trigger = move.transition.trigger
        reasons: list[str] = []
        try:
            gates.check_who(definition, move, case, actor)
            check_separation(definition, case, "fire", trigger, actor)
            gates.check_join(definition, move, case)
        except Refusal as exc:
            reasons.append(exc.message)
        missing = gates.missing_documents(move, case, shared)
        if missing:
            reasons.append("needs " + "; ".join(missing))
        elif move.guard is not None:
            try:
                gates.check_guard(move, case, shared, now, compiled.calendar)
            except (GuardFailed, DocumentsMissing, ExpressionError) as exc:
                reasons.append(exc.message)
        result.append(Option(trigger, move.transition.dest, not reasons, tuple(reasons), move.source))
    return result
