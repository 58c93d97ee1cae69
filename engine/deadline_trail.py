"""Deadline bookkeeping a step keeps on the case, so its open obligations are found without reading history.

The trail is plain JSON on the case snapshot (`Case.trail`), updated from each event as it is committed:
the visits of the states and stage the case is in now, the steps taken in them that some deadline counts
(only the first, for a deadline met by a step; every one, for a recurring deadline), the last move by each
trigger a deadline is anchored on, and the reminders and escalations recorded in those visits. It holds
nothing older than the earliest current visit, so it stays the size of the current visit whatever the age
of the case.

`procflow.deadlines` judges obligations on it exactly as on the history (`open_obligations` equals the
history's current obligations; a test checks every step of every scenario). It is rebuilt from the history
(`from_history`) only when missing — a store migrated from before trails, an imported case — or made under
another version of the process (after a migration), and by `verify` and the replay tests.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from datetime import datetime
from typing import Any

from .calendars import WorkingCalendar
from .deadlines import ALERT_KINDS, Obligation, declared, judged
from .definition.model import ProcessDefinition
from .definition.values import Action
from .instants import iso
from .records import Case, Event, step_keys
from .visits import Visit, move_of, scope_changes

Trail = Mapping[str, Any]


Counted = tuple[frozenset[str], frozenset[str], frozenset[str]]
_COUNTED: dict[str, Counted] = {}  # by definition content hash: frozen data, so worked out once


def _counted(definition: ProcessDefinition) -> Counted:
    """The steps deadlines count once (met by), every time (recurring), and the triggers they are anchored on."""
    known = _COUNTED.get(definition.content_hash)
    if known is not None:
        return known
    first, every, anchors = set(), set(), set()
    declared = [d for s in definition.states.values() for d in s.deadlines]
    for deadline in declared + [d for g in definition.stages for d in g.deadlines]:
        if deadline.kind == "within" and deadline.met_by.kind != "leave":
            first.add(_key(deadline.met_by))
        if deadline.kind == "recurring" and deadline.action is not None:
            every.add(_key(deadline.action))
        if deadline.after.kind == "event":
            anchors.add(deadline.after.trigger)
    known = _COUNTED[definition.content_hash] = (frozenset(first - every), frozenset(every), frozenset(anchors))
    return known


def _key(action: Action) -> str:
    return f"{action.kind}:{action.name}"


def advance(definition: ProcessDefinition, trail: Trail | None, event: Event) -> Trail:
    """The trail after `event` (the first event of a case starts one from nothing); the same trail when the
    event moves nothing and no deadline counts it. Every step of every case runs this: it copies only the
    parts the event changes (a trail is shared by the case before the event)."""
    first, every, anchors = _counted(definition)
    keys = [k for k in step_keys(event) if k in every or k in first] if first or every else ()
    anchored = event.kind == "fired" and event.trigger in anchors
    was: list[str] = trail["in"] if trail else []
    move = move_of(event, was)
    alerted = event.kind in ALERT_KINDS
    if trail is not None and move is None and not keys and not anchored and not alerted:
        return trail
    top: str | None = trail["top"] if trail else None
    visits: dict[str, list[Any]] = trail["visits"] if trail else {}
    steps: list[list[Any]] = trail["steps"] if trail else []
    alerts: list[list[Any]] = trail["alerts"] if trail else []
    fired: dict[str, str] = trail["fired"] if trail else {}
    now_in = was
    at = iso(event.at)
    if move is not None:
        left, came = scope_changes(definition, was, top, move)
        visits = dict(visits)  # in the order the visits began: those left go, those entered come last
        for scope in left:
            visits.pop(scope, None)
        for scope in came:
            visits[scope] = [event.seq, at]
        top, now_in = move[0], sorted(move[1])
        if steps or alerts:  # nothing older than the earliest visit can count again
            floor = min([v[0] for v in visits.values()])
            steps = [s for s in steps if s[0] > floor]
            alerts = [a for a in alerts if a[3] > floor]
    for key in keys:
        if key in every or not _counted_in_every_visit(key, steps, visits):
            steps = [*steps, [event.seq, at, event.actor, key]]
    if anchored:
        fired = {**fired, str(event.trigger): at}
    if alerted:
        data = event.data or {}
        alerts = [*alerts, [event.kind, str(data.get("key")), int(data.get("rule", 0)), event.seq]]
    return {
        "definition": event.definition_hash,
        "top": top,
        "in": now_in,
        "visits": visits,
        "steps": steps,
        "alerts": alerts,
        "fired": fired,
    }


def _counted_in_every_visit(key: str, steps: Sequence[Sequence[Any]], visits: Mapping[str, Sequence[Any]]) -> bool:
    """Whether every current visit already has its first occurrence of `key` (a later one changes nothing)."""
    return all(any(s[3] == key and s[0] > v[0] for s in steps) for v in visits.values())


def from_history(definition: ProcessDefinition, history: Sequence[Event]) -> Trail | None:
    """The trail folded over a whole history (a case migrated, imported, or from before trails)."""
    trail: Trail | None = None
    for event in history:
        trail = advance(definition, trail, event)
    return trail


def kept(definition: ProcessDefinition, case: Case, events: Sequence[Event]) -> Trail | None:
    """The trail of `case` after `events` (already applied to it): advanced from the one it had, or rebuilt
    from the history when it had none or one made under another version of the process."""
    trail = case.trail
    if trail is None or trail.get("definition") != case.definition_hash:
        return from_history(definition, case.history)
    for event in events:
        if event.kind == "migrated":
            return from_history(definition, case.history)
        trail = advance(definition, trail, event)
    return trail


class TrailPast:
    """`Past` read from the trail (current visits only)."""

    def __init__(self, trail: Trail) -> None:
        self.trail = trail

    def occurrences(self, action: Action, visit: Visit) -> Iterator[tuple[datetime, str]]:
        key = _key(action)
        for seq, at, actor, step in self.trail["steps"]:
            if step == key and visit.holds(seq):
                yield datetime.fromisoformat(at), actor

    def last_fired(self, trigger: str, before: int | None) -> datetime | None:
        at = self.trail["fired"].get(trigger)
        return None if at is None else datetime.fromisoformat(at)

    def actor_of(self, seq: int) -> str:
        raise AssertionError("a trail keeps only the visits still open")


def open_obligations(
    definition: ProcessDefinition, case: Case, calendar: WorkingCalendar | None, now: datetime
) -> list[Obligation]:
    """The obligations of the scopes the case is in now, judged on its trail (lead-time records left out:
    they are met or breached when submitted, never open)."""
    trail = case.trail
    if trail is None:
        raise ValueError(f"case {case.id} has no deadline trail; keep it with `kept` first")
    declaring = declared(definition)
    scopes = {}
    for scope, (seq, at) in trail["visits"].items():  # a loop: a step runs this, and a comprehension is a call
        if scope in declaring:
            scopes[scope] = [Visit(scope, seq, datetime.fromisoformat(at))]
    if not scopes:
        return []
    return judged(definition, case, scopes, TrailPast(trail), calendar, now, True, lead_times=False)


def recorded_alerts(case: Case) -> AbstractSet[tuple[str, str, int]]:
    """The reminders and escalations recorded in the current visits: (kind, obligation key, rule)."""
    assert case.trail is not None
    recorded = case.trail["alerts"]
    return {(kind, key, rule) for kind, key, rule, _ in recorded} if recorded else _NONE_RECORDED


_NONE_RECORDED: frozenset[tuple[str, str, int]] = frozenset()
