"""Deadline status from a case's history: pure functions of (definition, case, calendar, now).

An obligation is one deadline in one visit of its state or stage (and, for a
recurring deadline, one period of that visit). Its status is one of:

* `open` — not met yet, not due yet;  `overdue` — not met, past due, still in scope;
* `met` — met on time;  `late` — met after the due time;
* `missed` — the case left the scope without meeting it, or a recurring period
  ended with too few occurrences;
* `waiting` — the anchor is not known yet (e.g. the document holding the date);
* `breach` — a soft lead-time rule was broken (the submission was accepted).

What the rules read of the past comes through `Past`: the whole history here (for status, reports and
`verify`), or the bounded bookkeeping a step keeps on the case (`procflow.deadline_trail`), so finding a case's
open obligations after a step never reads its history.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Literal, Protocol

from .calendars import WorkingCalendar, add
from .definition.model import Deadline, ProcessDefinition
from .definition.values import Action, Duration, FieldRef
from .records import Case, Event, performs

Status = Literal["open", "overdue", "met", "late", "missed", "waiting", "breach"]
MAX_PERIODS = 200
ALERT_KINDS = ("reminded", "escalated")


@dataclass(frozen=True)
class Visit:
    scope: str
    entered_seq: int
    entered_at: datetime
    left_seq: int | None = None
    left_at: datetime | None = None

    def holds(self, seq: int) -> bool:
        return seq > self.entered_seq and (self.left_seq is None or seq < self.left_seq)


@dataclass(frozen=True)
class Obligation:
    key: str  # unique in the case: deadline@visit[#period]
    deadline: Deadline
    scope: str
    owner: str | None
    status: Status
    opened_at: datetime
    due_at: datetime | None = None
    met_at: datetime | None = None
    met_by: str | None = None
    count: int | None = None  # recurring: occurrences in the period
    provisional: bool = False  # computed on a calendar year whose official arrangement is not published

    def lateness(self, now: datetime) -> timedelta | None:
        if self.due_at is None:
            return None
        if self.status == "late" and self.met_at:
            return self.met_at - self.due_at
        if self.status in ("overdue", "missed"):
            return (self.met_at or now) - self.due_at if self.status == "overdue" else None
        return None

    def remaining(self, now: datetime) -> timedelta | None:
        return self.due_at - now if self.status == "open" and self.due_at else None


@dataclass(frozen=True)
class Alert:
    """A reminder or escalation that is due for an obligation and has not been recorded yet."""

    kind: Literal["reminded", "escalated"]
    obligation: Obligation
    rule: int  # index into deadline.escalate (0 for reminders)
    at: datetime


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


def move_of(event: Event, current: set[str]) -> Move | None:
    """How an event moves the case between states (None: it does not)."""
    if event.kind == "migrated" and "active" in (event.data or {}):  # a new version's regions start
        state, new = str((event.data or {})["state"]), {str((event.data or {})["state"])}
        new |= {str(leaf) for leaf in (event.data or {})["active"]}
        return state, new, new - current
    if event.kind in ("started", "fired") and event.dest:
        state, new = configuration_after(event)
        return state, new, new if event.dest == state else {event.dest}  # a state entered starts all its regions
    return None


def scope_changes(
    definition: ProcessDefinition, current: set[str], top: str | None, move: Move
) -> tuple[list[str], list[str]]:
    """The scopes (`state:<id>`, `stage:<id>`) a move leaves, and those it enters, in the order visits see them."""
    state, new, entered = move
    left = [f"state:{name}" for name in sorted((current - new) | (current & entered))]
    came = [f"state:{name}" for name in sorted(entered)]
    old_stage, stage = (definition.states[top].stage if top else None), definition.states[state].stage
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
    data = event.data or {}
    active = [str(leaf) for leaf in data.get("active", ())]
    state = str(data.get("state") or event.dest) if active else str(event.dest)
    return state, {state, *active}


def _field_value(case: Case, ref: FieldRef, upto: int | None = None) -> tuple[datetime, bool] | None:
    """The latest value of a date/date-time field (submitted before event `upto`), and whether date-only."""
    if upto is None:  # the latest version is on the snapshot: no need to read every version
        latest = case.latest(ref.document)
        raw = None if latest is None else latest.data.get(ref.field)
        return parse_instant(raw) if isinstance(raw, str) else None
    for version in reversed(case.documents.get(ref.document, ())):
        if upto is not None and version.seq >= upto:
            continue
        raw = version.data.get(ref.field)
        return parse_instant(raw) if isinstance(raw, str) else None
    return None


def parse_instant(text: str) -> tuple[datetime, bool] | None:
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime(day.year, day.month, day.day), True
        return datetime.fromisoformat(text.replace("Z", "+00:00")), False
    except ValueError:
        return None


def _localised(value: datetime, calendar: WorkingCalendar | None) -> datetime:
    if value.tzinfo is not None:
        return value
    return value.replace(tzinfo=calendar.zone if calendar else UTC)


def _occurrences(case: Case, action: Action, visit: Visit) -> Iterator[Event]:
    for event in case.history:
        # the transition that leaves the state still happens in it (a `fire:` that exits counts)
        if not (visit.holds(event.seq) or (action.kind == "fire" and event.seq == visit.left_seq)):
            continue
        if performs(event, action.kind, action.name):
            yield event


def _anchor(
    deadline: Deadline, case: Case, past: Past, visit: Visit, calendar: WorkingCalendar | None
) -> tuple[datetime, bool] | None:
    anchor = deadline.after
    if anchor.kind == "entered":
        return visit.entered_at, False
    if anchor.kind == "event":
        fired = past.last_fired(anchor.trigger, visit.left_seq)
        return (fired, False) if fired else None
    assert anchor.field is not None
    found = _field_value(case, anchor.field, upto=visit.left_seq)
    return None if found is None else (_localised(found[0], calendar), found[1])


def _within(
    deadline: Deadline,
    case: Case,
    past: Past,
    visit: Visit,
    key: str,
    owner: str | None,
    calendar: WorkingCalendar | None,
    now: datetime,
) -> Obligation:
    assert deadline.within is not None
    met = visit.left_at if deadline.met_by.kind == "leave" else None
    met_by = None
    if deadline.met_by.kind == "leave" and visit.left_seq is not None:
        met_by = past.actor_of(visit.left_seq)
    elif deadline.met_by.kind != "leave":
        met, met_by = next(past.occurrences(deadline.met_by, visit), (None, None))
    anchor = _anchor(deadline, case, past, visit, calendar)
    if anchor is None:
        return Obligation(key, deadline, visit.scope, owner, "waiting", visit.entered_at, met_at=met, met_by=met_by)
    due = add(anchor[0], deadline.within, calendar, date_only=anchor[1])
    provisional = bool(calendar and deadline.within.unit == "working_days" and calendar.provisional(due.date()))
    if met is not None:
        status: Status = "met" if met <= due else "late"
    elif visit.left_at is not None:
        status = "missed"
    else:
        status = "overdue" if now > due else "open"
    return Obligation(
        key, deadline, visit.scope, owner, status, visit.entered_at, due, met, met_by, provisional=provisional
    )


def _recurring(
    deadline: Deadline,
    past: Past,
    visit: Visit,
    key: str,
    owner: str | None,
    calendar: WorkingCalendar | None,
    now: datetime,
) -> Iterator[Obligation]:
    assert deadline.per is not None and deadline.action is not None
    end_of_scope = visit.left_at or now
    times = [at for at, _ in past.occurrences(deadline.action, visit)]
    starts = [visit.entered_at]
    while len(starts) <= MAX_PERIODS * 10:
        nxt = add(starts[-1], deadline.per, calendar)
        if nxt > end_of_scope:
            break
        starts.append(nxt)
    for index, start in enumerate(starts[-MAX_PERIODS:], start=max(0, len(starts) - MAX_PERIODS)):
        end = add(start, deadline.per, calendar)
        count = sum(1 for t in times if start <= t < end)
        complete = end <= end_of_scope
        if not complete and visit.left_at is not None:
            continue  # the part-period before leaving is not judged
        status: Status = (
            ("met" if count >= deadline.min else "missed")
            if complete
            else ("met" if count >= deadline.min else ("overdue" if now > end else "open"))
        )
        yield Obligation(f"{key}#{index + 1}", deadline, visit.scope, owner, status, start, end, count=count)


def _lead_time(
    deadline: Deadline, case: Case, visit: Visit, key: str, owner: str | None, calendar: WorkingCalendar | None
) -> Iterator[Obligation]:
    assert deadline.field is not None and deadline.at_least is not None
    for version in case.documents.get(deadline.field.document, ()):
        if not visit.holds(version.seq):
            continue
        raw = version.data.get(deadline.field.field)
        value = parse_instant(raw) if isinstance(raw, str) else None
        if value is None:
            continue
        earliest = earliest_allowed(version.at, deadline, calendar)
        status: Status = "met" if _localised(value[0], calendar) >= earliest else "breach"
        yield Obligation(
            f"{key}/v{version.version}",
            deadline,
            visit.scope,
            owner,
            status,
            version.at,
            earliest,
            version.at,
            version.actor,
        )


def earliest_allowed(recorded_at: datetime, deadline: Deadline, calendar: WorkingCalendar | None) -> datetime:
    assert deadline.at_least is not None
    return add(recorded_at, deadline.at_least, calendar)


def obligations(
    definition: ProcessDefinition,
    case: Case,
    calendar: WorkingCalendar | None,
    now: datetime,
    *,
    current_only: bool = False,
) -> list[Obligation]:
    """Every obligation of the case (or only those of the scopes it is in now), in time order."""
    return judged(definition, case, visits(definition, case), HistoryPast(case), calendar, now, current_only)


_DECLARED: dict[str, dict[str, tuple[tuple[Deadline, ...], str | None]]] = {}  # by definition content hash


def declared(definition: ProcessDefinition) -> dict[str, tuple[tuple[Deadline, ...], str | None]]:
    """Scope → (its deadlines, the owner who answers for them), for every scope that declares any."""
    known = _DECLARED.get(definition.content_hash)
    if known is None:
        known = {f"state:{s.id}": (tuple(s.deadlines), s.owner) for s in definition.states.values() if s.deadlines}
        known.update((f"stage:{g.id}", (tuple(g.deadlines), None)) for g in definition.stages if g.deadlines)
        _DECLARED[definition.content_hash] = known
    return known


def judged(
    definition: ProcessDefinition,
    case: Case,
    scopes: dict[str, list[Visit]],
    past: Past,
    calendar: WorkingCalendar | None,
    now: datetime,
    current_only: bool,
    *,
    lead_times: bool = True,
) -> list[Obligation]:
    """The obligations of the given visits, judged on `past`, in time order (`lead_times`: also the
    lead-time records of each submission, which are on record and never open)."""
    result: list[Obligation] = []
    state = definition.states[case.state]
    declaring = declared(definition)
    for scope, found in scopes.items():
        if scope not in declaring:
            continue
        deadlines, owner = declaring[scope]
        for visit in found:
            if current_only and visit.left_seq is not None:
                continue
            who = owner or (state.owner if visit.left_seq is None else None)
            for deadline in deadlines:
                key = f"{deadline.id}@{visit.entered_seq}"
                if deadline.kind == "within":
                    result.append(_within(deadline, case, past, visit, key, who, calendar, now))
                elif deadline.kind == "recurring":
                    result.extend(_recurring(deadline, past, visit, key, who, calendar, now))
                elif lead_times:
                    result.extend(_lead_time(deadline, case, visit, key, who, calendar))
    return sorted(result, key=lambda o: (o.due_at or o.opened_at, o.key))


def subtract(at: datetime, duration: Duration) -> datetime:
    """`at` minus a duration, for reminders (working days count as days here)."""
    if duration.unit == "hours":
        return at - timedelta(hours=duration.amount)
    days = duration.amount * (7 if duration.unit == "weeks" else 1)
    return (at.replace(tzinfo=None) - timedelta(days=days)).replace(tzinfo=at.tzinfo)


def alerts(
    obligation: Obligation, calendar: WorkingCalendar | None, recorded: set[tuple[str, str, int]]
) -> list[Alert]:
    """Reminders and escalations this obligation calls for, whenever they fall due, minus those already recorded."""
    recurring_miss = obligation.deadline.kind == "recurring" and obligation.status == "missed"
    if (obligation.status not in ("open", "overdue") and not recurring_miss) or obligation.due_at is None:
        return []
    deadline, due, found = obligation.deadline, obligation.due_at, []
    if deadline.remind_before is not None and not recurring_miss and ("reminded", obligation.key, 0) not in recorded:
        found.append(Alert("reminded", obligation, 0, subtract(due, deadline.remind_before)))
    for index, rule in enumerate(deadline.escalate):
        if ("escalated", obligation.key, index) not in recorded:
            found.append(Alert("escalated", obligation, index, add(due, rule.overdue_by, calendar)))
    return found


def recorded_alerts(case: Case) -> set[tuple[str, str, int]]:
    return {
        (e.kind, str((e.data or {}).get("key")), int((e.data or {}).get("rule", 0)))
        for e in case.history
        if e.kind in ALERT_KINDS
    }
