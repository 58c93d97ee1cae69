"""A person's inbox: every case where they have work now, most urgent first, from the store's work index.

The index (kept by `Store.commit` in the same transaction as each event) names the cases a person holds and
the queues of the roles they hold; only those cases are read, never all of them. Each entry says what the
person can do there: the moves they can make now, the documents they must produce, the open obligations with
their due time in the person's own time zone (their own setting first: engine/people/settings.py), and whether
the case was escalated to them. Sign-offs waiting for a role the person holds are work too: they are found from
the cases in the states that take a sign-off (the store's index by state), not from the assignment index.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from ..deadlines import Obligation
from ..definition.model import ProcessDefinition
from ..people import settings
from ..people.directory import Directory
from ..people.roles import active_person, day_of
from ..people_records import Roster, WorkItem
from ..records import Actor, Case
from ..store.base import Store
from ..store.work import urgency
from . import policy
from .compiled import CompiledProcess
from .signoff import current_round


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
    signoff: str | None = None  # the state whose sign-off round waits for the person's verdict


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
    processes: Sequence[ProcessDefinition] = (),
) -> list[InboxEntry]:
    """`processes`: the newest definition of each process, whose sign-off states are looked in."""
    roster = directory.roster()
    me = settings.effective(active_person(roster, person, now), settings.load(store, person))
    roles, covered = _roles(roster, person, now)
    items: list[tuple[WorkItem, str | None]] = [(i, None) for i in store.work(person, sorted(roles), limit=limit)]
    for absent in covered:
        items += [(item, absent) for item in store.work(absent, limit=limit)]
    items.sort(key=lambda pair: urgency(pair[0]))
    entries = []
    waiting = _signoffs(store, processes, person, roles, {i.case_id for i, _ in items}, limit)
    items += [(item, None) for item in waiting]
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
        awaiting = _awaits(compiled.definition, case, person, roles)
        signoff = awaiting[0] if awaiting else None
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
                signoff,
            )
        )
    return entries


def _signoffs(
    store: Store, processes: Sequence[ProcessDefinition], person: str, roles: set[str], seen: set[str], limit: int
) -> list[WorkItem]:
    """Open sign-off rounds that wait for a role `person` holds and that they have not signed, as work items
    (role: the signer role; state: the round's). Only cases in states that take a sign-off are read."""
    found: list[WorkItem] = []
    for definition in processes:
        states = [s.id for s in definition.states.values() if s.signoff and roles & set(s.signoff.signers)]
        tops = sorted({definition.top(s) for s in states})
        for case_id in store.case_ids(process_id=definition.id, states=tops) if states else ():
            if case_id in seen or len(found) >= limit:
                continue
            case = store.get(case_id)
            awaiting = _awaits(definition, case, person, roles)
            if awaiting is not None:
                state, role = awaiting
                found.append(
                    WorkItem(case.id, case.process_id, state, person, role, case.history[case.entered(state) - 1].at)
                )
    return found


def _awaits(definition: ProcessDefinition, case: Case, person: str, roles: set[str]) -> tuple[str, str] | None:
    """(state, signer role) of an open round of the case that waits for a role `person` holds, if they have not
    signed it; else None."""
    for state in (*case.leaves, case.state):
        round_ = current_round(definition, case, state) if state in definition.states else None
        if round_ is None or round_.outcome != "open" or any(e.actor == person for e in round_.signed):
            continue
        mine = [r for r in round_.pending if r in roles]
        if mine:
            return state, mine[0]
    return None
