"""Changing the team directory: who may, what makes sense, and how a change becomes sealed events.

Every change is drafted as (kind, data), tried on a scratch copy of the roster (so a batch — a team file —
is refused whole if any part is wrong), then sealed into the directory's chain with who made it. Only a
holder of the directory-admin grant may change the directory; the first admin is made by `init`.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..errors import DirectoryRefused
from ..people_records import (
    ADMIN_ROLE,
    DirectoryEvent,
    DirectoryKind,
    Person,
    Roster,
    copy_roster,
    person_data,
    seal_directory,
)
from .directory import Directory
from .roles import held_roles


@dataclass(frozen=True)
class Draft:
    """One directory change before it is numbered and sealed."""

    kind: DirectoryKind
    data: dict[str, Any]


def add_person(person: Person) -> Draft:
    try:
        ZoneInfo(person.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise DirectoryRefused(f"{person.timezone!r} is not a time zone (for example Asia/Shanghai)") from None
    return Draft("person_added", person_data(person))


def grant(
    person: str, role: str, process: str | None = None, start: date | None = None, end: date | None = None
) -> Draft:
    return Draft(
        "granted",
        {
            "person": person,
            "role": role,
            "process": process,
            "valid_from": start.isoformat() if start else None,
            "valid_to": end.isoformat() if end else None,
        },
    )


def substitute(who: str, absent: str, start: date, end: date) -> Draft:
    return Draft(
        "substituted", {"substitute": who, "absent": absent, "start": start.isoformat(), "end": end.isoformat()}
    )


def check(roster: Roster, draft: Draft, roles: Collection[str] | None) -> None:
    """Refuse a change that makes no sense against `roster` (then fold it in, for the next draft of a batch)."""
    data = draft.data

    def known(person: str, what: str = "person") -> None:
        if person not in roster.people:
            raise DirectoryRefused(f"no {what} {person!r} in the team directory")

    if draft.kind == "person_added" and data["id"] in roster.people:
        raise DirectoryRefused(f"{data['id']!r} is already in the team directory")
    if draft.kind == "granted":
        known(data["person"])
        if roles is not None and data["role"] not in roles:
            raise DirectoryRefused(
                f"no registered process has a role {data['role']!r} (known: {', '.join(sorted(roles))})"
            )
        if data["valid_from"] and data["valid_to"] and data["valid_to"] < data["valid_from"]:
            raise DirectoryRefused(f"the grant ends ({data['valid_to']}) before it starts ({data['valid_from']})")
    if draft.kind == "revoked" and (data["grant"] not in roster.grants or roster.grants[data["grant"]].revoked):
        raise DirectoryRefused(f"there is no standing grant #{data['grant']}")
    if draft.kind == "substituted" and data.get("ends") is None:
        _check_cover(roster, data, known)
    if draft.kind == "reports_to":
        known(data["person"])
        if data["manager"]:
            known(data["manager"], "manager")
            if data["manager"] == data["person"] or data["person"] in _chain_up(roster, data["manager"]):
                raise DirectoryRefused(f"{data['person']} reporting to {data['manager']} would make a loop")
    if draft.kind == "left":
        known(data["person"])
        if not roster.people[data["person"]].active:
            raise DirectoryRefused(f"{data['person']} has already left")


def _check_cover(roster: Roster, data: dict[str, Any], known: Any) -> None:
    who, absent = data["substitute"], data["absent"]
    known(who)
    known(absent)
    if who == absent:
        raise DirectoryRefused(f"{who} cannot cover for themselves")
    if data["end"] < data["start"]:
        raise DirectoryRefused(f"the cover ends ({data['end']}) before it starts ({data['start']})")
    start, end = date.fromisoformat(data["start"]), date.fromisoformat(data["end"])
    overlapping = [s for s in roster.substitutes.values() if not s.ended and s.start <= end and start <= s.end]
    covers: dict[str, set[str]] = {}
    for sub in overlapping:
        covers.setdefault(sub.substitute, set()).add(sub.absent)
    chain, frontier = [absent], [absent]  # does `absent` (through whom they cover) come back to `who`?
    while frontier:
        for nxt in sorted(covers.get(frontier.pop(), ())):
            if nxt == who:
                raise DirectoryRefused(
                    f"{who} covering {absent} would make a loop of substitutes: {' → '.join([who, *chain, nxt])}"
                )
            if nxt not in chain:
                chain.append(nxt)
                frontier.append(nxt)


def _chain_up(roster: Roster, person: str) -> list[str]:
    seen: list[str] = []
    while person in roster.managers and person not in seen:
        seen.append(person)
        person = roster.managers[person]
    return [*seen, person]


class Team:
    """Directory changes made by a person, at an instant, on a directory."""

    def __init__(self, directory: Directory, roles: Collection[str] | None = None) -> None:
        self.directory = directory
        self.roles = None if roles is None else {*roles, ADMIN_ROLE}

    def init(self, admin: Person, at: datetime) -> list[DirectoryEvent]:
        """Make the first directory admin; only an empty directory can be initialised."""
        if self.directory.roster().seq:
            raise DirectoryRefused(
                "the team directory is already set up; an admin adds people with 'procflow team add'"
            )
        return self._write(admin.id, [add_person(admin), grant(admin.id, ADMIN_ROLE)], at, admin_check=False)

    def change(self, by: str, drafts: Sequence[Draft], at: datetime) -> list[DirectoryEvent]:
        """Check and record `drafts` as `by`, all or nothing."""
        return self._write(by, drafts, at)

    def _write(
        self, by: str, drafts: Sequence[Draft], at: datetime, *, admin_check: bool = True
    ) -> list[DirectoryEvent]:
        if not drafts:
            return []  # nothing to change: nothing to authorise
        roster = self.directory.roster()
        if admin_check and not any(h.role == ADMIN_ROLE for h in held_roles(roster, by, None, at)):
            raise DirectoryRefused(f"{by} may not change the team directory: missing grant: {by} as {ADMIN_ROLE!r}")
        scratch = copy_roster(roster)
        events: list[DirectoryEvent] = []
        for draft in drafts:
            check(scratch, draft, self.roles)
            event = seal_directory(DirectoryEvent(scratch.seq + 1, draft.kind, at, by, draft.data), scratch.head)
            scratch.apply(event)
            events.append(event)
        if events:
            self.directory.record(events)
        return events
