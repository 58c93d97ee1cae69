"""The conditions of a move, as the machine asks them: role, separation, join, documents, guard — in that order.

Each check is a plain function raising the refusal that says what is missing; `gates` wraps them into the
callables `transitions` evaluates as a transition's `conditions`. A gate that refuses records its refusal on
the attempt (the cursor the machine moves) and answers False, so `transitions` stops at the first one, and
the runtime raises what it recorded. `available()` runs the same checks directly, to list every reason.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from ..calendars import WorkingCalendar
from ..definition.model import ProcessDefinition, Requirement, Transition
from ..errors import (
    DocumentsMissing,
    DutiesNotSeparated,
    ExpressionError,
    GuardFailed,
    Refusal,
    RegionsNotDone,
    RoleNotAllowed,
    SignoffRefused,
)
from ..records import SYSTEM_ROLE, Actor, Case, DocumentVersion
from .machine import Cursor, Gate
from .signoff import current_round

if TYPE_CHECKING:  # the expression language (Jinja2) is imported when a guard is evaluated: a status needs none
    from ..expressions import Expression

Shared = Mapping[str, tuple[DocumentVersion, ...]]


@dataclass(frozen=True)
class CompiledTransition:
    """One move from one source state, with everything its checks need compiled."""

    transition: Transition
    source: str
    requires: tuple[Requirement, ...]  # the source state's plus the transition's own
    guard: Expression | None
    guard_documents: frozenset[str]  # documents the guard needs whichever way it holds: reported when missing
    join: tuple[str, ...] = ()  # regions of the source that must be done first (none for an interrupting move)
    guard_reads: frozenset[str] = frozenset()  # every document the guard may read (on some branch)


class Attempt(Cursor):
    """One try at a move: the cursor `transitions` moves, plus what the gates read and the first refusal."""

    __slots__ = ("actor", "case", "now", "refusal", "shared")

    def __init__(self, case: Case, actor: Actor, shared: Shared, now: datetime) -> None:
        super().__init__()
        self.case, self.actor, self.shared, self.now = case, actor, shared, now
        self.refusal: Refusal | None = None


def latest_data(case: Case, shared: Shared) -> dict[str, Mapping[str, Any]]:
    """document id → data of its latest version, shared documents included."""
    view = {name: versions[-1].data for name, versions in shared.items() if versions}
    view.update((name, version.data) for name, version in case.latest_versions.items())
    return view


def guard_context(
    case: Case, shared: Shared, now: datetime | None = None, calendar: WorkingCalendar | None = None
) -> dict[str, Any]:
    """What a guard reads: documents (date-times as instants), case data, the state, `now` in the
    process's time zone, and the calendar its `working_days_to` counts on."""
    from ..expressions import CALENDAR_KEY
    from ..guards import InstantView

    context: dict[str, Any] = {
        "documents": InstantView(latest_data(case, shared)),
        "data": case.data,
        "state": case.state,
        CALENDAR_KEY: calendar,
    }
    if now is not None:
        context["now"] = now.astimezone(calendar.zone) if calendar is not None else now
    return context


def check_separation(definition: ProcessDefinition, case: Case, kind: str, name: str, actor: Actor) -> None:
    """Refuse a step the actor may not take because they took another one on this case."""
    for rule in definition.separation:
        if rule.may_not.kind != kind or rule.may_not.name != name:
            continue
        if actor.user in case.doers.get(f"{rule.did.kind}:{rule.did.name}", ()):  # who took it, from the snapshot
            raise DutiesNotSeparated(actor.user, f"{kind} {name}", rule.id, f"{rule.did.kind} {rule.did.name}")


def check_role(move: CompiledTransition, actor: Actor) -> None:
    if actor.role not in move.transition.roles:
        raise RoleNotAllowed(f"fire {move.transition.trigger!r}", actor.role or "(no role)", move.transition.roles)


def check_decided(definition: ProcessDefinition, move: CompiledTransition, case: Case, actor: Actor) -> None:
    """A move a sign-off decides: only once the round went its way; then the system (or its roles) fires it."""
    rule = definition.states[move.source].signoff
    assert rule is not None
    round_ = current_round(definition, case, move.source)
    wanted = "approved" if move.transition.trigger == rule.on_approve else "rejected"
    if round_ is None or round_.outcome != wanted:
        outcome = round_.outcome if round_ else "open"
        raise SignoffRefused(
            move.source,
            "undecided",
            f"{move.transition.trigger!r} follows the {move.source!r} sign-off once it is {wanted}; it is {outcome}"
            + (f" (waiting for {', '.join(round_.pending)})" if round_ and outcome == "open" else ""),
        )
    if actor.role != SYSTEM_ROLE:
        check_role(move, actor)


def decided_by_signoff(definition: ProcessDefinition, move: CompiledTransition) -> bool:
    rule = definition.states[move.source].signoff
    return rule is not None and move.transition.trigger in (rule.on_approve, rule.on_reject)


def check_who(definition: ProcessDefinition, move: CompiledTransition, case: Case, actor: Actor) -> None:
    """The role check, or for a move a sign-off decides, the round's outcome."""
    if decided_by_signoff(definition, move):
        check_decided(definition, move, case, actor)
    else:
        check_role(move, actor)


def check_join(definition: ProcessDefinition, move: CompiledTransition, case: Case) -> None:
    """Refuse to leave a state with regions while a region it joins is not at one of its ends."""
    if not move.join:
        return
    waiting = [
        region.id
        for region in definition.states[move.source].regions
        if region.id in move.join
        and not any(definition.states[leaf].final for leaf in case.leaves if leaf in region.states)
    ]
    if waiting:
        raise RegionsNotDone(move.transition.trigger, move.source, waiting)


def missing_documents(move: CompiledTransition, case: Case, shared: Shared) -> list[str]:
    missing = []
    entered = case.entered(move.source)
    for req in move.requires:
        latest = case.latest(req.document)
        if latest is None and req.document in shared and shared[req.document]:
            latest = shared[req.document][-1]
        if latest is None:
            missing.append(f"{req.document} (not submitted)")
        elif req.fresh and latest.seq <= entered:
            missing.append(f"{req.document} (a new version since entering {move.source!r})")
    required = {req.document for req in move.requires}
    for name in sorted(move.guard_documents - required):
        if case.latest(name) is None and not shared.get(name):
            missing.append(f"{name} (read by the condition; not submitted)")
    return missing


def check_documents(move: CompiledTransition, case: Case, shared: Shared) -> None:
    missing = missing_documents(move, case, shared)
    if missing:
        raise DocumentsMissing(move.transition.trigger, missing)


def check_guard(
    move: CompiledTransition, case: Case, shared: Shared, now: datetime, calendar: WorkingCalendar | None
) -> None:
    """Refuse when the guard is false, naming the values that made it so; a document the guard turned out
    to need on the way it was evaluated (one branch of an `or`) is reported as missing."""
    if move.guard is None:
        return
    context = guard_context(case, shared, now, calendar)
    try:
        holds = move.guard.holds(context)
    except ExpressionError:
        missing = sorted(name for name in move.guard_reads if case.latest(name) is None and not shared.get(name))
        if missing:
            raise DocumentsMissing(
                move.transition.trigger, [f"{name} (read by the condition; not submitted)" for name in missing]
            ) from None
        raise
    if not holds:
        from ..guards import explain

        raise GuardFailed(move.transition.trigger, move.guard.source, explain(move.guard.source, context))


def gates(
    definition: ProcessDefinition, move: CompiledTransition, calendar: WorkingCalendar | None = None
) -> tuple[Gate, ...]:
    """The conditions `transitions` evaluates for `move`, in the documented refusal order. A check that can
    never refuse this move (no separation rule names it, it needs no document) is left out."""
    who: Callable[[Attempt], None] = (
        (lambda a: check_decided(definition, move, a.case, a.actor))
        if decided_by_signoff(definition, move)
        else (lambda a: check_role(move, a.actor))
    )
    checks: list[Callable[[Attempt], None]] = [who]
    trigger = move.transition.trigger
    if any(rule.may_not.kind == "fire" and rule.may_not.name == trigger for rule in definition.separation):
        checks.append(lambda a: check_separation(definition, a.case, "fire", trigger, a.actor))
    if move.join:
        checks.append(lambda a: check_join(definition, move, a.case))
    if move.requires or move.guard_documents:
        checks.append(lambda a: check_documents(move, a.case, a.shared))
    if move.guard is not None:
        checks.append(lambda a: check_guard(move, a.case, a.shared, a.now, calendar))
    return tuple(_gate(check) for check in checks)


def _gate(check: Callable[[Attempt], None]) -> Gate:
    def gate(cursor: Cursor) -> bool:
        attempt = cast(Attempt, cursor)  # the runtime only ever moves attempts
        try:
            check(attempt)
        except Refusal as exc:
            if attempt.refusal is None:
                attempt.refusal = exc
            return False
        return True

    return gate
