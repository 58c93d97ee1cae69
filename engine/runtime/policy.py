"""Who may do what, now: the checks behind `fire`, `submit` and `available`, in a fixed order.

Deny by default: a move whose YAML names no role can be fired by nobody.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from engine.definition.model import ProcessDefinition
from engine.errors import (
    DocumentsMissing,
    DutiesNotSeparated,
    ExpressionError,
    GuardFailed,
    Refusal,
    RoleNotAllowed,
    TriggerNotAvailable,
    UnknownName,
)
from engine.records import Actor, Case, DocumentVersion, performs
from engine.runtime.compiled import CompiledProcess, CompiledTransition

Shared = Mapping[str, tuple[DocumentVersion, ...]]


@dataclass(frozen=True)
class Option:
    """A trigger from the case's state, and whether the actor can fire it now (and if not, why)."""

    trigger: str
    dest: str
    allowed: bool
    reasons: tuple[str, ...] = ()


def latest_data(case: Case, shared: Shared) -> dict[str, Mapping[str, Any]]:
    """document id → data of its latest version, shared documents included."""
    view = {name: versions[-1].data for name, versions in shared.items() if versions}
    view.update((name, versions[-1].data) for name, versions in case.documents.items() if versions)
    return view


def guard_context(case: Case, shared: Shared) -> dict[str, Any]:
    return {"documents": latest_data(case, shared), "data": case.data, "state": case.state}


def find_move(compiled: CompiledProcess, case: Case, trigger: str) -> CompiledTransition:
    moves = compiled.moves[case.state]
    move = moves.get(trigger)
    if move is None:
        if trigger not in compiled.triggers:
            raise UnknownName("trigger", trigger, sorted(compiled.triggers))
        raise TriggerNotAvailable(trigger, case.state, sorted(moves))
    return move


def check_separation(definition: ProcessDefinition, case: Case, kind: str, name: str, actor: Actor) -> None:
    """Refuse a step the actor may not take because they took another one on this case."""
    for rule in definition.separation:
        if rule.may_not.kind != kind or rule.may_not.name != name:
            continue
        for event in case.history:
            if event.actor == actor.user and performs(event, rule.did.kind, rule.did.name):
                raise DutiesNotSeparated(actor.user, f"{kind} {name}", rule.id, f"{rule.did.kind} {rule.did.name}")


def check_role(move: CompiledTransition, actor: Actor) -> None:
    if actor.role not in move.transition.roles:
        raise RoleNotAllowed(f"fire {move.transition.trigger!r}", str(actor.role), move.transition.roles)


def missing_documents(move: CompiledTransition, case: Case, shared: Shared) -> list[str]:
    missing = []
    for req in move.requires:
        latest = case.latest(req.document)
        if latest is None and req.document in shared and shared[req.document]:
            latest = shared[req.document][-1]
        if latest is None:
            missing.append(f"{req.document} (not submitted)")
        elif req.fresh and latest.seq <= case.entered_seq:
            missing.append(f"{req.document} (a new version since entering {case.state!r})")
    required = {req.document for req in move.requires}
    for name in sorted(move.guard_documents - required):
        if case.latest(name) is None and not shared.get(name):
            missing.append(f"{name} (read by the condition; not submitted)")
    return missing


def check_guard(move: CompiledTransition, case: Case, shared: Shared) -> None:
    if move.guard is not None and not move.guard.holds(guard_context(case, shared)):
        raise GuardFailed(move.transition.trigger, move.guard.source)


def check_fire(compiled: CompiledProcess, case: Case, trigger: str, actor: Actor, shared: Shared) -> CompiledTransition:
    """The move `actor` may make now, or the first refusal in the order: trigger, role, documents, guard."""
    move = find_move(compiled, case, trigger)
    check_role(move, actor)
    check_separation(compiled.definition, case, "fire", trigger, actor)
    missing = missing_documents(move, case, shared)
    if missing:
        raise DocumentsMissing(trigger, missing)
    check_guard(move, case, shared)
    return move


def options(compiled: CompiledProcess, case: Case, actor: Actor, shared: Shared) -> list[Option]:
    result = []
    for trigger, move in compiled.moves[case.state].items():
        reasons: list[str] = []
        try:
            check_role(move, actor)
            check_separation(compiled.definition, case, "fire", trigger, actor)
        except Refusal as exc:
            reasons.append(exc.message)
        missing = missing_documents(move, case, shared)
        if missing:
            reasons.append("needs " + "; ".join(missing))
        elif move.guard is not None:
            try:
                check_guard(move, case, shared)
            except (GuardFailed, ExpressionError) as exc:
                reasons.append(exc.message)
        result.append(Option(trigger, move.transition.dest, not reasons, tuple(reasons)))
    return result
