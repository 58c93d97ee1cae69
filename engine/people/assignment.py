"""Work belongs to a person: who gets each case's work, by the rules the process declares per state or role.

`round_robin` takes turns among the role's active members (the store remembers whose turn was last),
`least_loaded` picks whoever holds the fewest open cases, `keep` gives the case back to whoever did an
earlier step, `by` looks a document field up in a table, `queue` leaves it for anyone of the role to claim.
A state no rule covers goes to its owner's queue. The result is an assignment event, committed with the
event that made it necessary.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Any

from ..chain import seal
from ..definition.model import AssignmentRule, ProcessDefinition
from ..people_records import Roster
from ..records import SYSTEM, SYSTEM_ROLE, Case, Event, EventKind
from ..store.base import Store
from .roles import day_of


@dataclass(frozen=True)
class Choice:
    person: str | None  # None: the role's queue
    role: str
    rule: str
    pool: str | None = None  # round robin: where the turn is remembered


def members(roster: Roster, role: str, process: str, at: datetime, exclude: Collection[str] = ()) -> list[str]:
    """Active people holding `role` for `process` by their own grant on that day, by id."""
    found = set()
    for grant in roster.grants.values():
        person = roster.people.get(grant.person)
        if person is None or not person.active or person.id in exclude or grant.role != role:
            continue
        if grant.covers(process) and grant.valid_on(day_of(person, at)):
            found.add(person.id)
    return sorted(found)


def choose(
    definition: ProcessDefinition,
    case: Case,
    roster: Roster,
    store: Store,
    at: datetime,
    exclude: Collection[str] = (),
) -> Choice | None:
    """Who should hold the case's work in its current state (None: nobody — a final or ownerless state)."""
    state = definition.states[case.state]
    rule = definition.assignment_for(case.state)
    role = (rule.role if rule else None) or state.owner
    if state.final or role is None:
        return None
    if rule is None or rule.rule == "queue":
        return Choice(None, role, "queue")
    people = members(roster, role, definition.id, at, exclude)
    picked = _pick(rule, role, people, definition.id, case, store)
    if picked is not None:
        return picked
    least = _least_loaded(people, store)  # keep / by found nobody (left, or no entry): the lightest load
    return Choice(least, role, f"{rule.rule}, then least_loaded") if least else Choice(None, role, "queue")


def _pick(rule: AssignmentRule, role: str, people: list[str], process: str, case: Case, store: Store) -> Choice | None:
    if rule.rule == "round_robin":
        if not people:
            return None
        pool = f"{process}:{case.state if rule.states else role}"
        last = store.rotation(pool)
        later = [p for p in people if last is None or p > last]
        return Choice((later or people)[0], role, "round_robin", pool)
    if rule.rule == "least_loaded":
        least = _least_loaded(people, store)
        return Choice(least, role, "least_loaded") if least else None
    if rule.rule == "keep" and rule.step is not None:
        step = rule.step
        doers = case.doers.get(f"{step.kind}:{step.name}")
        doer = doers[-1] if doers else None
        if doer in people:
            return Choice(doer, role, f"keep ({step})")
        starter = case.doers["start"][0]  # nobody did the step yet: whoever opened the case keeps it
        return Choice(starter, role, "keep (who started it)") if doer is None and starter in people else None
    if rule.rule == "by" and rule.lookup is not None:
        latest = case.latest(rule.lookup.document)
        value = None if latest is None else latest.data.get(rule.lookup.field)
        person = rule.table.get(str(value)) if value is not None else None
        return Choice(person, role, f"by {rule.lookup}") if person in people else None
    return None


def _least_loaded(people: list[str], store: Store) -> str | None:
    if not people:
        return None
    load = store.load(people)
    return min(people, key=lambda p: (load[p], p))


def event_for(
    case: Case,
    kind: EventKind,
    choice: Choice,
    at: datetime,
    *,
    actor: str = SYSTEM,
    role: str = SYSTEM_ROLE,
    basis: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Event:
    """The sealed assignment event for `case` (its next event); `extra`: from, back_to, …"""
    data: dict[str, Any] = {"person": choice.person, "role": choice.role, "rule": choice.rule, **(extra or {})}
    if choice.pool:
        data["pool"] = choice.pool
    return seal(
        Event(
            case.id,
            case.version + 1,
            kind,
            at,
            actor,
            role,
            case.definition_hash,
            data=MappingProxyType(data),
            basis=basis,
        ),
        case,
    )
