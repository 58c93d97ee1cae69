"""A person's inbox: every case where they have work now, most urgent first, from the store's work index.

The index (kept by `Store.commit` in the same transaction as each event) names the cases a person holds and
the queues of the roles they hold; only those cases are read, never all of them. Each entry says what the
person can do there: the moves they can make now, the documents they must produce, the open obligations with
their due time in the person's own time zone, and whether the case was escalated to them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from engine.deadlines import Obligation
from engine.people.directory import Directory
from engine.people.roles import active_person, day_of
from engine.people_records import Roster, WorkItem
from engine.records import Actor, Case
from engine.runtime import policy
from engine.runtime.compiled import CompiledProcess
from engine.store.base import Store
from engine.store.work import urgency


@dataclass(frozen=True)
class Due:
    deadline: str  # its ref (T2) or id
    title: str
    due_at: str  # in the person's time zone
    status: str  # open or overdue


@dataclass(frozen=True)
class InboxEntry:
    case_id: str
    process_id: str
    state: str
    role: str
    held: bool  # False: waiting in the role's queue, to be claimed
    moves: tuple[str, ...]  # triggers the person can fire now
    documents: tuple[str, ...]  # documents the person must produce for a move of theirs
    obligations: tuple[Due, ...]
    escalated: bool
    covering: str | None = None  # the absent colleague whose work this is, when covering


def _roles(roster: Roster, person: str, at: datetime) -> tuple[set[str], list[str]]:
    """The roles `person` holds today in any process, and the people they cover today."""
    day = day_of(roster.people[person], at)
    covered = sorted({s.absent for s in roster.substitutes.values() if s.substitute == person and s.on(day)})
    roles = {g.role for p in (person, *covered) for g in roster.grants_of(p) if g.valid_on(day)}
    return roles, covered


def inbox(
    store: Store,
    directory: Directory,
    compiled_for: Callable[[Case], CompiledProcess],
    deadlines: Callable[[Case, datetime], list[Obligation]],
    person: str,
    now: datetime,
    limit: int = 20,
) -> list[InboxEntry]:
    roster = directory.roster()
    me = active_person(roster, person, now)
    roles, covered = _roles(roster, person, now)
    items: list[tuple[WorkItem, str | None]] = [(i, None) for i in store.work(person, sorted(roles), limit=limit)]
    for absent in covered:
        items += [(item, absent) for item in store.work(absent, limit=limit)]
    items.sort(key=lambda pair: urgency(pair[0]))
    entries = []
    for item, covering in items[:limit]:
        case = store.get(item.case_id)
        compiled = compiled_for(case)
        role = item.role or ""
        shared = store.shared(case.process_id) if compiled.has_shared else {}
        options = policy.options(compiled, case, Actor(person, role), shared, now)
        documents = sorted(
            {
                req.document
                for move in policy.current_moves(compiled, case)
                if role in move.transition.roles
                for req in move.requires
                if role in compiled.document(req.document).produced_by and case.latest(req.document) is None
            }
        )
        obligations = tuple(
            Due(
                o.deadline.ref or o.deadline.id,
                o.deadline.title.get(me.locale),
                o.due_at.astimezone(me.zone).isoformat(timespec="minutes"),
                o.status,
            )
            for o in deadlines(case, now)
            if o.status in ("open", "overdue") and o.due_at is not None
        )
        entries.append(
            InboxEntry(
                case.id,
                case.process_id,
                case.state,
                role,
                item.person is not None,
                tuple(o.trigger for o in options if o.allowed),
                tuple(documents),
                obligations,
                item.escalated_at is not None,
                covering,
            )
        )
    return entries
