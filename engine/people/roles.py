"""Which role a person acts in, decided from the directory at the instant of the action — never taken on trust.

A person holds a role through a grant valid on that day (in their own time zone), or through a cover: while
A substitutes for B, A holds B's roles (and, along a chain, the roles of whom B covers). The engine picks the
role when only one of the roles an action allows is held; a person who holds several names one (`li:role`),
else a direct grant wins over a cover and the process's order decides.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from ..errors import RoleNotAllowed, RoleNotHeld, UnknownPerson
from ..immutable import record
from ..people_records import Grant, Held, Person, Roster
from ..records import Actor


@record  # built at every action
class Acting:
    """A resolved actor: the person, the role the directory gives them, and the grant or cover behind it."""

    person: str
    role: str
    basis: str

    @property
    def actor(self) -> Actor:
        return Actor(self.person, self.role)


def day_of(person: Person, at: datetime) -> date:
    return at.astimezone(person.zone).date()


def active_person(roster: Roster, person_id: str, at: datetime) -> Person:
    person = roster.people.get(person_id)
    if person is None:
        raise UnknownPerson(person_id, sorted(roster.people))
    if not person.active and (person.left_on is None or person.left_on <= day_of(person, at)):
        raise UnknownPerson(person_id, (), f"{person_id} has left the team and can no longer act")
    return person


_HELD_LIMIT = 50_000  # remembered answers per roster before the memo starts again


def held_roles(roster: Roster, person_id: str, process: str | None, at: datetime) -> list[Held]:
    """Every role `person_id` holds at `at` for `process`: their grants, then the covers they give.

    Remembered per day on the roster itself (`Roster.held`), which forgets whenever it folds in a change."""
    person = active_person(roster, person_id, at)
    day = day_of(person, at)
    key = (person_id, process, day)
    found = roster.held.get(key)
    if found is None:
        if len(roster.held) >= _HELD_LIMIT:
            roster.held.clear()
        found = roster.held[key] = _held(roster, person_id, process, day)
    return list(found)


def _held(roster: Roster, person_id: str, process: str | None, day: date) -> list[Held]:
    found = [
        Held(g.role, f"grant #{g.id}", True)
        for g in roster.grants_of(person_id)
        if g.valid_on(day) and g.covers(process)
    ]
    seen, frontier = {person_id}, [(person_id, "")]
    while frontier:  # follow covers along a chain; a loop was refused when it was arranged, and is cut here
        covering, via = frontier.pop()
        for sub in roster.substitutes.values():
            if sub.substitute != covering or not sub.on(day) or sub.absent in seen:
                continue
            seen.add(sub.absent)
            path = f"{via}cover #{sub.id} for {sub.absent}, "
            for grant in roster.grants_of(sub.absent):
                if grant.valid_on(day) and grant.covers(process):
                    found.append(Held(grant.role, f"{path}grant #{grant.id}", False))
            frontier.append((sub.absent, path))
    return found


def resolve(roster: Roster, actor: Actor, process: str, allowed: Sequence[str], action: str, at: datetime) -> Acting:
    """The role `actor` acts in for `action` (which `allowed` roles may take), or the refusal naming the grant."""
    held = held_roles(roster, actor.user, process, at)
    if actor.role is not None:
        mine = [h for h in held if h.role == actor.role]
        if not mine:
            raise RoleNotHeld(actor.user, action, [actor.role], process, _why(roster, actor, held, [actor.role], at))
        if actor.role not in allowed:
            raise RoleNotAllowed(action, actor.role, allowed)
        usable = mine
    else:
        usable = [h for h in held if h.role in allowed]
        if not usable:
            raise RoleNotHeld(actor.user, action, allowed, process, _why(roster, actor, held, allowed, at))
    if len(usable) > 1:  # a direct grant before a cover, then the order the process lists the roles in
        order = list(allowed)
        usable.sort(key=lambda h: (not h.direct, order.index(h.role) if h.role in order else len(order)))
    return Acting(actor.user, usable[0].role, usable[0].basis)


def _why(roster: Roster, actor: Actor, held: list[Held], needed: Sequence[str], at: datetime) -> str:
    """Why none of the person's grants serves: out of its dates, another process, or none at all."""
    person = roster.people[actor.user]
    day = day_of(person, at)
    near: list[Grant] = [g for g in roster.grants_of(actor.user) if g.role in needed]
    for grant in near:
        if not grant.valid_on(day):
            return f"{grant.describe()} is not valid on {day.isoformat()}"
        return f"{grant.describe()} is for another process"
    roles = sorted({h.role for h in held})
    return "they hold " + (", ".join(roles) if roles else "no role")
