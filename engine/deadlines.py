"""Deadline status from a case's history: pure functions of (definition, case, calendar, now).

An obligation is one deadline in one visit of its state or stage (and, for a
recurring deadline, one period of that visit). Its status is one of:

* `open` — not met yet, not due yet;  `overdue` — not met, past due, still in scope;
* `met` — met on time;  `late` — met after the due time;
* `missed` — the case left the scope without meeting it, or a recurring period
  ended with too few occurrences;
* `waiting` — the anchor is not known yet (e.g. the document holding the date);
* `breach` — a soft lead-time rule was broken (the submission was accepted).

What the rules read of the past comes through `Past` (`procflow.visits`): the whole history (for status,
reports and `verify`), or the bounded bookkeeping a step keeps on the case (`procflow.deadline_trail`), so
finding a case's open obligations after a step never reads its history.
"""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Set as AbstractSet
from datetime import UTC, date, datetime, timedelta
from typing import Literal

from .calendars import WorkingCalendar, add
from .definition.model import Deadline, ProcessDefinition
from .definition.values import Duration, FieldRef
from .immutable import record
from .records import Case
from .visits import HistoryPast, Past, Visit, visits

Status = Literal["open", "overdue", "met", "late", "missed", "waiting", "breach"]
MAX_PERIODS = 200
ALERT_KINDS = ("reminded", "escalated")


@record
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


@record
class Alert:
    """A reminder or escalation that is due for an obligation and has not been recorded yet."""

    kind: Literal["reminded", "escalated"]
    obligation: Obligation
    rule: int  # index into deadline.escalate (0 for reminders)
    at: datetime


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
    anchor = (
        (visit.entered_at, False)
        if deadline.after.kind == "entered"
        else _anchor(deadline, case, past, visit, calendar)
    )
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
    return Obligation(key, deadline, visit.scope, owner, status, visit.entered_at, due, met, met_by, None, provisional)


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


_BY_ID: dict[str, dict[str, tuple[str, Deadline]]] = {}  # by definition content hash


def by_id(definition: ProcessDefinition) -> dict[str, tuple[str, Deadline]]:
    """Deadline id → (the scope that declares it, the deadline); ids are unique in a process."""
    known = _BY_ID.get(definition.content_hash)
    if known is None:
        scopes = declared(definition).items()
        known = _BY_ID[definition.content_hash] = {d.id: (s, d) for s, (found, _) in scopes for d in found}
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
    if len(result) > 1:  # a step's usual one needs no sorting
        result.sort(key=lambda o: (o.due_at or o.opened_at, o.key))
    return result


def subtract(at: datetime, duration: Duration) -> datetime:
    """`at` minus a duration, for reminders (working days count as days here)."""
    if duration.unit == "hours":
        return at - timedelta(hours=duration.amount)
    days = duration.amount * (7 if duration.unit == "weeks" else 1)
    return (at.replace(tzinfo=None) - timedelta(days=days)).replace(tzinfo=at.tzinfo)


def alerts(
    obligation: Obligation,
    calendar: WorkingCalendar | None,
    recorded: AbstractSet[tuple[str, str, int]],
    *,
    escalations: bool = True,
) -> list[Alert]:
    """Reminders and escalations this obligation calls for, whenever they fall due, minus those already recorded
    (`escalations=False`: the reminder only — every escalation falls after the due time, each `overdue_by` at
    least one unit, so one who acts on the due time first needs none of them yet)."""
    recurring_miss = obligation.deadline.kind == "recurring" and obligation.status == "missed"
    if (obligation.status not in ("open", "overdue") and not recurring_miss) or obligation.due_at is None:
        return []
    deadline, due, found = obligation.deadline, obligation.due_at, []
    if deadline.remind_before is not None and not recurring_miss and ("reminded", obligation.key, 0) not in recorded:
        found.append(Alert("reminded", obligation, 0, subtract(due, deadline.remind_before)))
    if escalations:
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
