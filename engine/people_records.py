"""The directory's plain records — people, role grants, substitutes, reporting lines — and its sealed events.

Like a case, the directory is nothing but its events folded in order: every change (a person added, a role
granted, a cover arranged) is a `DirectoryEvent` in one hash chain of its own, with who made it. This module sits
on the ground floor (it imports only canonical form), so the store can persist directory events and the people
package can hold the rules, without either importing the other.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from .canonical import canonical_json, plain
from .immutable import record

DirectoryKind = Literal["person_added", "person_changed", "granted", "revoked", "substituted", "reports_to", "left"]
DIRECTORY_KINDS: tuple[str, ...] = DirectoryKind.__args__  # type: ignore[attr-defined]
ADMIN_ROLE = "directory_admin"  # the grant that lets a person change the directory
GENESIS = "0" * 64


@dataclass(frozen=True, slots=True)
class Person:
    id: str
    name: str
    email: str = ""
    chat: Mapping[str, str] = field(default_factory=dict)  # e.g. {"wecom": "li.na", "slack": "@lina"}
    locale: str = "zh-CN"
    timezone: str = "Asia/Shanghai"
    active: bool = True
    left_on: date | None = None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True, slots=True)
class Grant:
    """Person → role, for one process (or every process: None), valid on the days from…to (inclusive)."""

    id: int  # the seq of the directory event that made it: its proof in the chain
    person: str
    role: str
    process: str | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    revoked: bool = False

    def valid_on(self, day: date) -> bool:
        return (
            not self.revoked
            and (self.valid_from is None or self.valid_from <= day)
            and (self.valid_to is None or day <= self.valid_to)
        )

    def covers(self, process: str | None) -> bool:
        return self.process is None or self.process == process

    def describe(self) -> str:
        scope = f" for {self.process}" if self.process else ""
        start = self.valid_from.isoformat() if self.valid_from else "…"
        end = self.valid_to.isoformat() if self.valid_to else "…"
        dates = f", {start} to {end}" if self.valid_from or self.valid_to else ""
        return f"grant #{self.id}: {self.person} as {self.role}{scope}{dates}"


@dataclass(frozen=True, slots=True)
class Substitute:
    """`substitute` covers every role of `absent` on the days start…end (inclusive): a vacation, a leave."""

    id: int
    substitute: str
    absent: str
    start: date
    end: date
    ended: bool = False

    def on(self, day: date) -> bool:
        return not self.ended and self.start <= day <= self.end


@dataclass(frozen=True, slots=True)
class DirectoryEvent:
    """One change to the directory. `seq` counts from 1 over the whole directory."""

    seq: int
    kind: DirectoryKind
    at: datetime
    actor: str
    data: Mapping[str, Any]
    prev_hash: str | None = None
    hash: str | None = None


def directory_digest(event: DirectoryEvent) -> str:
    body = [event.seq, event.kind, event.at.isoformat(), event.actor, plain(event.data), event.prev_hash]
    return hashlib.sha256(canonical_json(body).encode("utf-8")).hexdigest()


def seal_directory(event: DirectoryEvent, previous: DirectoryEvent | None) -> DirectoryEvent:
    """Chain a newly built directory event to the last one (the same idea as `procflow.chain.seal`)."""
    if event.hash is not None:
        raise ValueError(f"directory event {event.seq} is already sealed")
    object.__setattr__(event, "prev_hash", previous.hash if previous is not None else GENESIS)
    object.__setattr__(event, "hash", directory_digest(event))
    return event


def _day(value: Any) -> date | None:
    return None if value is None else date.fromisoformat(str(value))


@dataclass(frozen=True, slots=True)
class Held:
    """A role a person holds on a day, and what the event acting in it will record as its basis."""

    role: str
    basis: str  # "grant #7" or "cover #12 for wang, grant #7"
    direct: bool  # by the person's own grant, not by covering for someone


HeldKey = tuple[str, str | None, date]  # (person, process or None for every process, their local day)


@dataclass
class Roster:
    """The directory now: the fold of its events. Owned and updated in place by whoever folds it.

    It also remembers the roles each person was found to hold (`held`, kept by `procflow.people.roles`): every
    action asks, and the directory changes seldom. The memo lives and dies with this fold, and `apply`
    empties it, so a change the directory writes (or reads from another process) is seen by the next action.
    """

    people: dict[str, Person] = field(default_factory=dict)
    grants: dict[int, Grant] = field(default_factory=dict)
    substitutes: dict[int, Substitute] = field(default_factory=dict)
    managers: dict[str, str] = field(default_factory=dict)  # person → who they report to
    seq: int = 0
    head: DirectoryEvent | None = None
    by_person: dict[str, list[int]] = field(default_factory=dict)  # person → their grant ids (checked per action)
    held: dict[HeldKey, list[Held]] = field(default_factory=dict, repr=False, compare=False)

    def apply(self, event: DirectoryEvent) -> None:
        """Fold one event in; events must come in order."""
        if event.seq != self.seq + 1:
            raise ValueError(f"directory event {event.seq} does not follow {self.seq}")
        self.held.clear()
        data = event.data
        if event.kind in ("person_added", "person_changed"):
            self.people[str(data["id"])] = person_from(data)
        elif event.kind == "granted":
            self.by_person.setdefault(str(data["person"]), []).append(event.seq)
            self.grants[event.seq] = Grant(
                event.seq,
                str(data["person"]),
                str(data["role"]),
                data.get("process"),
                _day(data.get("valid_from")),
                _day(data.get("valid_to")),
            )
        elif event.kind == "revoked":
            grant = self.grants[int(data["grant"])]
            self.grants[grant.id] = replace(grant, revoked=True)
        elif event.kind == "substituted":
            if data.get("ends") is not None:
                old = self.substitutes[int(data["ends"])]
                self.substitutes[old.id] = replace(old, ended=True)
            else:
                self.substitutes[event.seq] = Substitute(
                    event.seq,
                    str(data["substitute"]),
                    str(data["absent"]),
                    date.fromisoformat(str(data["start"])),
                    date.fromisoformat(str(data["end"])),
                )
        elif event.kind == "reports_to":
            if data.get("manager"):
                self.managers[str(data["person"])] = str(data["manager"])
            else:
                self.managers.pop(str(data["person"]), None)
        elif event.kind == "left":
            person = self.people[str(data["person"])]
            self.people[person.id] = replace(person, active=False, left_on=_day(data.get("on")))
        self.seq, self.head = event.seq, event

    def grants_of(self, person: str) -> list[Grant]:
        return [g for i in self.by_person.get(person, ()) if not (g := self.grants[i]).revoked]

    def reports(self, manager: str) -> set[str]:
        """Everyone who reports to `manager`, directly or through others."""
        found: set[str] = set()
        frontier = {manager}
        while frontier:
            frontier = {p for p, m in self.managers.items() if m in frontier and p not in found and p != manager}
            found |= frontier
        return found


def person_from(data: Mapping[str, Any]) -> Person:
    return Person(
        id=str(data["id"]),
        name=str(data.get("name") or data["id"]),
        email=str(data.get("email") or ""),
        chat={str(k): str(v) for k, v in (data.get("chat") or {}).items()},
        locale=str(data.get("locale") or "zh-CN"),
        timezone=str(data.get("timezone") or "Asia/Shanghai"),
        active=bool(data.get("active", True)),
        left_on=_day(data.get("left_on")),
    )


def person_data(person: Person) -> dict[str, Any]:
    return {
        "id": person.id,
        "name": person.name,
        "email": person.email,
        "chat": dict(person.chat),
        "locale": person.locale,
        "timezone": person.timezone,
        "active": person.active,
        "left_on": person.left_on.isoformat() if person.left_on else None,
    }


def roster_from(events: list[DirectoryEvent]) -> Roster:
    roster = Roster()
    for event in events:
        roster.apply(event)
    return roster


@record  # built at every step of a case with an assignment
class WorkItem:
    """A case's open work as the store's inbox index keeps it: who holds it, or which role's queue, and when
    it is due. Kept in the same transaction as the case's events, so an inbox is one indexed query."""

    case_id: str
    process_id: str
    state: str
    person: str | None  # None: in the queue of `role`, claimable by anyone who holds it
    role: str | None
    since: datetime
    due_at: datetime | None = None
    escalated_at: datetime | None = None


def copy_roster(roster: Roster) -> Roster:
    """A scratch copy to try changes on (its records are frozen; only the dicts are new)."""
    return Roster(
        dict(roster.people),
        dict(roster.grants),
        dict(roster.substitutes),
        dict(roster.managers),
        roster.seq,
        roster.head,
        {person: list(ids) for person, ids in roster.by_person.items()},
    )


def directory_chain_problem(events: list[DirectoryEvent], after: DirectoryEvent | None = None) -> str | None:
    """The first directory event that breaks the chain (numbered, chained, unedited), described; None if it holds."""
    previous = after
    for event in events:
        expected_seq = previous.seq + 1 if previous else 1
        if event.seq != expected_seq:
            return f"directory event {expected_seq} is missing or out of order (found {event.seq})"
        if event.prev_hash != (previous.hash if previous else GENESIS) or event.hash != directory_digest(event):
            return f"directory event {event.seq} ({event.kind}) was changed after it was recorded"
        previous = event
    return None
