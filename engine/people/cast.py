"""Seat a cast in an empty directory: every PERSON:ROLE a scenario (or a test) names gets that grant.

For simulations and scenarios, whose files say who acts in which role: the file itself is the declaration,
so the run grants exactly those roles — recorded as directory events made by the cast's admin — and every
action is then checked against them like any other.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from ..people_records import ADMIN_ROLE, Person, Roster
from ..records import Actor
from .admin import Draft, Team, add_person, grant

CAST_ADMIN = "cast-admin"


def seat(team: Team, actors: Iterable[Actor], at: datetime, *, admin: str = CAST_ADMIN) -> None:
    """Add each actor's person (if new) and grant their role (if not held already), as `admin`."""
    roster = team.directory.roster()
    if not roster.seq:
        team.init(Person(admin, admin), at)
        roster = team.directory.roster()
    if admin not in roster.people:  # a directory set up by hand: its first admin seats the cast
        admin = first_admin(roster)
    drafts: list[Draft] = []
    people = set(roster.people)
    held = {(g.person, g.role) for g in roster.grants.values() if not g.revoked}
    for actor in actors:
        if actor.user not in people:
            drafts.append(add_person(Person(actor.user, actor.user)))
            people.add(actor.user)
        if actor.role and (actor.user, actor.role) not in held:
            drafts.append(grant(actor.user, actor.role))
            held.add((actor.user, actor.role))
    team.change(admin, drafts, at)


def first_admin(roster: Roster) -> str:
    """The person of the directory's earliest standing directory-admin grant."""
    return next(
        g.person for g in sorted(roster.grants.values(), key=lambda g: g.id) if g.role == ADMIN_ROLE and not g.revoked
    )
