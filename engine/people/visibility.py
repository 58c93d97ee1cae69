"""Who may see which case, by the roles a person holds: `all`, `team` or `involved` (declared per role in YAML).

`involved`: the person holds the case's work, it waits in the queue of a role they hold, it waits for their
sign-off (a signer role of an open round is theirs), or they acted in it.
`team`: that, or one of the people they manage (directly or further down) is involved. A process without a
`visibility` key shows every case to everyone; a role it does not list sees what it is involved in. A case a
person may not see is, to them, not there at all.
"""

from __future__ import annotations

from datetime import datetime

from ..definition.model import ProcessDefinition
from ..people_records import Roster
from ..records import Case, current_assignment
from ..store.board import BoardFilter, involved
from .roles import day_of, held_roles

SCOPES = ("mine", "team", "all")  # the board's filters, narrowest first


def _levels(definition: ProcessDefinition, roles: set[str]) -> set[str]:
    return {definition.visibility.get(role, "involved") for role in roles} if definition.visibility else {"all"}


def _covered(roster: Roster, person: str, at: datetime) -> set[str]:
    """The absent people `person` covers today."""
    day = day_of(roster.people[person], at)
    return {s.absent for s in roster.substitutes.values() if s.substitute == person and s.on(day)}


def may_see(definition: ProcessDefinition, roster: Roster, person: str, case: Case, at: datetime) -> bool:
    if not definition.visibility:
        return True
    roles = {h.role for h in held_roles(roster, person, definition.id, at)}
    levels = _levels(definition, roles)
    if "all" in levels:
        return True
    people = involved(case)
    covered = _covered(roster, person, at)
    if person in people or covered & people:
        return True
    held = current_assignment(case)
    if held is not None and held.person is None and held.role in roles:
        return True  # waiting in a queue of theirs
    if roles & signers(definition, case):
        return True  # waiting for their sign-off
    return "team" in levels and bool(roster.reports(person) & people)


def scopes(definition: ProcessDefinition, roster: Roster, person: str, at: datetime) -> tuple[str, ...]:
    """The board filters `person` may pick, narrowest first: `mine`, then `team` and `all` as far as the
    visibility of the roles they hold reaches (a person the directory does not know gets none)."""
    if not definition.visibility:
        return SCOPES
    if person not in roster.people:
        return ()
    levels = _levels(definition, {h.role for h in held_roles(roster, person, definition.id, at)})
    if "all" in levels:
        return SCOPES
    return SCOPES[:2] if "team" in levels else SCOPES[:1]


def board_filter(
    definition: ProcessDefinition, roster: Roster, person: str, at: datetime, scope: str
) -> BoardFilter | None:
    """What the store keeps for a board `scope` (one of `scopes`): `mine` the cases `person` (or someone they
    cover) is involved in or that wait in the queue of a role they hold, `team` those and their reports', `all`
    every case (None). Each is what `may_see` shows at that level, so the filter runs in the store's query."""
    if scope == "all":
        return None
    roles = sorted({h.role for h in held_roles(roster, person, definition.id, at)})
    people = {person} | _covered(roster, person, at)
    if scope == "team":
        people |= roster.reports(person)
    return BoardFilter(tuple(sorted(people)), tuple(roles))


def signers(definition: ProcessDefinition, case: Case) -> set[str]:
    """The signer roles of the sign-off rounds open where the case is: the declared ones and any added since
    (a round's standing itself is the runtime's: engine/runtime/signoff.py)."""
    found: set[str] = set()
    for state in (*case.leaves, case.state):
        rule = definition.states[state].signoff if state in definition.states else None
        if rule is None:
            continue
        found |= set(rule.signers)
        since = case.entered(state)
        for event in case.recent:  # the snapshot's round events: a visibility check never reads the history
            if event.seq > since and event.kind == "signer_added" and (event.data or {}).get("state") == state:
                found.add(str((event.data or {}).get("signer", "")))
    return found
