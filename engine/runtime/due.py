"""What a commit writes to the due index: the case's deadline trail kept from the events at hand, and the
open obligations judged on it, so a step never reads the case's history to find what is due."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from .. import calendars, deadline_trail
from ..calendars import WorkingCalendar
from ..deadlines import Obligation, alerts
from ..definition.model import ProcessDefinition
from ..fold import with_trail
from ..records import Case, Event
from ..store.base import DueItem


class Timed(Protocol):
    """What judging a case's deadlines needs of its process: the definition's rules and its calendar. A
    `CompiledProcess` has them; so does a `Timing`, which a command that only reads deadlines builds instead
    (no machine, validators, expressions or templates: `overdue` answers as fast as `status`)."""

    @property
    def definition(self) -> ProcessDefinition: ...

    @property
    def calendar(self) -> WorkingCalendar | None: ...

    @property
    def has_deadlines(self) -> bool: ...


@dataclass(frozen=True)
class Timing:
    """A stored definition's deadline rules and calendar, built without compiling it."""

    definition: ProcessDefinition
    calendar: WorkingCalendar | None
    has_deadlines: bool

    @classmethod
    def of(cls, definition: ProcessDefinition) -> Timing:
        return cls(definition, calendars.for_declaration(definition.calendar), definition_has_deadlines(definition))


def definition_has_deadlines(definition: ProcessDefinition) -> bool:
    return any(s.deadlines for s in definition.states.values()) or any(g.deadlines for g in definition.stages)


def settled(compiled: Timed, case: Case, events: Sequence[Event], now: datetime) -> tuple[Case, list[DueItem] | None]:
    """The case after `events` with its deadline trail kept, and its due items (None: no deadlines)."""
    if not compiled.has_deadlines:  # a case migrated here from a version with deadlines: no items are left
        return case, [] if any(e.kind == "migrated" for e in events) else None
    trail = deadline_trail.kept(compiled.definition, case, events)
    if trail is not case.trail:  # the same trail when no event at hand moved the case or counts for a deadline
        case = with_trail(case, trail)
    return case, _items(compiled, case, now)


def trailed(compiled: Timed, case: Case) -> Case:
    """The case with its deadline trail: its own, or rebuilt from its history when it has none (a store
    migrated from before trails, an imported case)."""
    if case.trail is not None:
        return case
    return with_trail(case, deadline_trail.from_history(compiled.definition, case.history))


def open_obligations(compiled: Timed, case: Case, now: datetime) -> list[Obligation]:
    """The obligations of the scopes the case is in now, judged on its trail."""
    return deadline_trail.open_obligations(compiled.definition, trailed(compiled, case), compiled.calendar, now)


def due_items(compiled: Timed, case: Case, now: datetime) -> list[DueItem] | None:
    """The case's open obligations as the store indexes them (None when its process has no deadlines);
    from the trail `settled` keeps."""
    if not compiled.has_deadlines:
        return None
    return _items(compiled, trailed(compiled, case), now)


def _items(compiled: Timed, case: Case, now: datetime) -> list[DueItem]:
    """`due_items` of a case with its trail."""
    recorded = deadline_trail.recorded_alerts(case)
    items = []
    for obligation in deadline_trail.open_obligations(compiled.definition, case, compiled.calendar, now):
        running_period = (
            obligation.deadline.kind == "recurring" and obligation.due_at is not None and obligation.due_at > now
        )
        if obligation.due_at is None or not (
            obligation.status in ("open", "overdue") or late(obligation) or running_period
        ):
            continue
        # its due time is still to act on when it is open, or ends a running period (met early or not: the
        # period's end starts the next one); then no escalation, all later than it, can be the next alert
        due_pending = obligation.status == "open" or running_period
        pending = (
            []  # nor a reminder, when it has none
            if due_pending and obligation.deadline.remind_before is None
            else [
                a.at
                for a in alerts(obligation, compiled.calendar, recorded, escalations=not due_pending)
                if a.kind != "reminded" or obligation.status == "open"  # a reminder for late work is never sent
            ]
        )
        if due_pending:
            pending.append(obligation.due_at)
        if obligation.status == "missed" and not pending:
            continue  # a past recurring miss with nothing left to do
        items.append(
            DueItem(
                case.id,
                obligation.key,
                case.process_id,
                obligation.deadline.id,
                case.state,
                obligation.owner,
                obligation.due_at,
                min(pending) if pending else None,
                obligation.opened_at,
                obligation.provisional,
            )
        )
    return items


def late(obligation: Obligation) -> bool:
    return obligation.status == "overdue" or (obligation.deadline.kind == "recurring" and obligation.status == "missed")
