"""Visits: when a case entered and left each state and stage, and what the deadline rules read of its past.

Deadline rules are judged per visit of a scope (`state:<id>`, `stage:<id>`); finding those visits from the
events, and the `Past` through which the rules see the steps taken in them, is bookkeeping apart from judging
obligations (`procflow.deadlines`) and shared by the whole-history reading here and the bounded trail a step
keeps on the case (`procflow.deadline_trail`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from datetime import datetime
from typing import Protocol

from .definition.model import ProcessDefinition
from .definition.values import Action
from .immutable import record
from .records import Case, Event, performs


@record
class Visit:
    scope: str
    entered_seq: int
    entered_at: datetime
    left_seq: int | None = None
    left_at: datetime | None = None

    def holds(self, seq: int) -> bool:
        return seq > self.entered_seq and (self.left_seq is None or seq < self.left_seq)


class Past(Protocol):
    """What the deadline rules read of a case's past: the steps taken in a visit and the last move by a trigger."""

    def occurrences(self, action: Action, visit: Visit) -> Iterator[tuple[datetime, str]]:
        """(when, who) of each time `action` was taken in `visit`, in order (a `fire:` that exits counts)."""
        ...

    def last_fired(self, trigger: str, before: int | None) -> datetime | None:
        """When `trigger` last fired before event `before` (None: ever)."""
        ...

    def actor_of(self, seq: int) -> str:
        """Who made event `seq` (for a visit that has ended)."""
        ...


class HistoryPast:
    """`Past` read from the whole history."""

    def __init__(self, case: Case) -> None:
        self.case = case

    def occurrences(self, action: Action, visit: Visit) -> Iterator[tuple[datetime, str]]:
        return ((e.at, e.actor) for e in _occurrences(self.case, action, visit))

    def last_fired(self, trigger: str, before: int | None) -> datetime | None:
        fired = [
            e.at
            for e in self.case.history
            if e.kind == "fired" and e.trigger == trigger and (before is None or e.seq < before)
        ]
        return fired[-1] if fired else None

    def actor_of(self, seq: int) -> str:
        return next(e.actor for e in self.case.history if e.seq == seq)


Move = tuple[str, set[str], set[str]]  # the top-level state after an event, every state then, the states entered


def move_of(event: Event, current: Collection[str]) -> Move | None:
    """How an event moves the case between states (None: it does not)."""
    if event.kind == "migrated" and "active" in (event.data or {}):  # a new version's regions start
        state, new = str((event.data or {})["state"]), {str((event.data or {})["state"])}
        new |= {str(leaf) for leaf in (event.data or {})["active"]}
        return state, new, new.difference(current)
    if event.kind in ("started", "fired") and event.dest:
        state, new = configuration_after(event)
        return state, new, new if event.dest == state else {event.dest}  # a state entered starts all its regions
    return None


def scope_changes(
    definition: ProcessDefinition, current: Collection[str], top: str | None, move: Move
) -> tuple[list[str], list[str]]:
    """The scopes (`state:<id>`, `stage:<id>`) a move leaves, and those it enters, in the order visits see them
    (`current`: the states the case was in, each once). Every step that moves a case with deadlines runs this."""
    state, new, entered = move
    left, came = [], []  # loops, not comprehensions: each of those costs a function call
    for name in sorted(current):
        if name not in new or name in entered:
            left.append("state:" + name)
    for name in sorted(entered):
        came.append("state:" + name)
    states = definition.states
    old_stage, stage = (states[top].stage if top else None), states[state].stage
    if old_stage != stage:
        if old_stage is not None:
            left.append(f"stage:{old_stage}")
        came.append(f"stage:{stage}")
    return left, came


def visits(definition: ProcessDefinition, case: Case) -> dict[str, list[Visit]]:
    """Visits of every state and stage, keyed 'state:<id>' and 'stage:<id>'."""
    found: dict[str, list[Visit]] = {}
    open_: dict[str, Visit] = {}
    current: set[str] = set()  # the states the case is in: its top-level state and its regions' states
    top: str | None = None
    for event in case.history:
        move = move_of(event, current)
        if move is None:
            continue
        left, came = scope_changes(definition, current, top, move)
        for scope in left:
            visit = open_.pop(scope)
            found.setdefault(scope, []).append(Visit(scope, visit.entered_seq, visit.entered_at, event.seq, event.at))
        for scope in came:
            open_[scope] = Visit(scope, event.seq, event.at)
        top, current = move[0], move[1]
    for scope, visit in open_.items():
        found.setdefault(scope, []).append(visit)
    return found


def configuration_after(event: Event) -> tuple[str, set[str]]:
    """The top-level state after a start or a move, and every state the case is then in."""
    active = event.data.get("active") if event.data else None
    if not active:
        state = str(event.dest)
        return state, {state}
    data = event.data or {}
    state = str(data.get("state") or event.dest)
    return state, {state, *(str(leaf) for leaf in active)}


def _occurrences(case: Case, action: Action, visit: Visit) -> Iterator[Event]:
    for event in case.history:
        # the transition that leaves the state still happens in it (a `fire:` that exits counts)
        if not (visit.holds(event.seq) or (action.kind == "fire" and event.seq == visit.left_seq)):
            continue
        if performs(event, action.kind, action.name):
            yield event
