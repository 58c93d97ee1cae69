"""Who may see which case, by the roles a person holds: `all`, `team` or `involved` (declared per role in YAML).

`involved`: the person holds the case's work, it waits in the queue of a role they hold, or they acted in it.
`team`: that, or one of the people they manage (directly or further down) is involved. A process without a
`visibility` key shows every case to everyone; a role it does not list sees what it is involved in. A case a
person may not see is, to them, not there at all.
"""

from __future__ import annotations

from datetime import datetime

from engine.definition.model import ProcessDefinition
from engine.people.roles import day_of, held_roles
from engine.people_records import Roster
from engine.records import Case, current_assignment


def involved(case: Case) -> set[str]:
    """Everyone who acted in the case or was given its work."""
    return set(case.involved)


def may_see(definition: ProcessDefinition, roster: Roster, person: str, case: Case, at: datetime) -> bool:
    if not definition.visibility:
        return True
    roles = {h.role for h in held_roles(roster, person, definition.id, at)}
    levels = {definition.visibility.get(role, "involved") for role in roles}
    if "all" in levels:
        return True
    people = involved(case)
    day = day_of(roster.people[person], at)
    covered = {s.absent for s in roster.substitutes.values() if s.substitute == person and s.on(day)}
    if person in people or covered & people:
        return True
    held = current_assignment(case)
    if held is not None and held.person is None and held.role in roles:
        return True  # waiting in a queue of theirs
    return "team" in levels and bool(roster.reports(person) & people)
