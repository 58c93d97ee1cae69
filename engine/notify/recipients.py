"""Who hears of an event: the `Recipients` Protocol, and an implementation over a contacts file.

The team directory backs `Recipients` for real (`procflow.notify.directory.DirectoryRecipients`); for small
teams without one — and for tests — `Contacts` reads people from the notify configuration (see
docs/notifications.md): each person with an email, chat handles, locale, time zone, the roles they hold and
how they want to be told.

Who is asked, per event kind:
* `reminded`, `escalated`: the people holding the role the event's `notify` names (as a deadline records it);
* `fired` into a state with an owner: the people holding that owner role, except the person who fired;
* `assigned`, `claimed`, `reassigned`, …: the person the event's data names (`person`, `assignee` or `to`).

A move of a case (`fired` into another state) is also told to the case's followers (`followers`): who they
are is `procflow.people.following`'s rule over the store's choices; each implementation says who of them it can
reach (and, with a directory, who may still see the case).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import time
from types import MappingProxyType
from typing import Protocol

from ..definition.model import ProcessDefinition
from ..people.following import followers
from ..records import Case, Event

NO_NAMES: Mapping[str, str] = MappingProxyType({})
PERSON_KEYS = ("person", "assignee", "to")  # where an assignment event names its person


@dataclass(frozen=True)
class Preferences:
    """How a person wants to be told: channels per message kind, digests, quiet hours."""

    channels: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    digest: Mapping[str, time] = field(default_factory=lambda: MappingProxyType({}))  # kind → local time
    quiet_hours: tuple[time, time] | None = None  # local [start, end), may wrap midnight

    def channels_for(self, kind: str, default: Sequence[str]) -> tuple[str, ...]:
        """The person's channels for `kind`, else their `*` choice, else the configuration's default."""
        if kind in self.channels:
            return self.channels[kind]
        return self.channels.get("*", tuple(default))


@dataclass(frozen=True)
class Recipient:
    id: str
    name: str
    email: str | None = None
    chat: Mapping[str, str] = field(
        default_factory=lambda: NO_NAMES
    )  # channel name (or channel type) → the person's handle there
    locale: str = "en"
    time_zone: str = "UTC"
    preferences: Preferences = field(default_factory=Preferences)


class Recipients(Protocol):
    def for_event(self, case: Case, event: Event, definition: ProcessDefinition) -> list[Recipient]:
        """The people to tell about `event` of `case` (empty: nobody)."""
        ...

    def followers(
        self, case: Case, event: Event, definition: ProcessDefinition, choices: Mapping[str, bool]
    ) -> list[Recipient]:
        """The followers of `case` to tell of the move `event` (never the person who made it), given the
        store's recorded `choices` (person → following)."""
        ...


def is_move(event: Event) -> bool:
    """A case changing state by a trigger: what its followers hear of."""
    return event.kind == "fired" and event.dest is not None and event.dest != event.source


def role_asked(event: Event, definition: ProcessDefinition) -> str | None:
    """The role an event asks to be told, by the rules in the module docstring."""
    data = event.data or {}
    if event.kind in ("reminded", "escalated"):
        role = data.get("notify")
        return role if isinstance(role, str) else None
    if event.kind == "fired" and event.dest and event.dest != event.source:
        return definition.states[event.dest].owner
    return None


def person_named(event: Event) -> str | None:
    data = event.data or {}
    for key in PERSON_KEYS:
        if isinstance(data.get(key), str):
            return str(data[key])
    return None


class Contacts:
    """`Recipients` from a list of people with their roles (role ids, or `process:role` for one process)."""

    def __init__(self, people: Sequence[tuple[Recipient, Sequence[str]]]) -> None:
        self._people = {person.id: person for person, _ in people}
        self._holding: dict[tuple[str, str], list[Recipient]] = {}  # (process, role) → holders, as first asked
        self._by_role: dict[str, list[Recipient]] = {}
        for person, roles in people:
            for role in roles:
                self._by_role.setdefault(role, []).append(person)

    def person(self, person_id: str) -> Recipient | None:
        return self._people.get(person_id)

    def __bool__(self) -> bool:
        return bool(self._people)

    def holding(self, process_id: str, role: str) -> list[Recipient]:
        known = self._holding.get((process_id, role))
        if known is None:  # the contacts never change: each (process, role) is worked out once
            found = [*self._by_role.get(f"{process_id}:{role}", ()), *self._by_role.get(role, ())]
            known = self._holding[(process_id, role)] = list({p.id: p for p in found}.values())
        return list(known)

    def for_event(self, case: Case, event: Event, definition: ProcessDefinition) -> list[Recipient]:
        named = person_named(event) if event.kind not in ("reminded", "escalated", "fired") else None
        if named is not None:
            person = self._people.get(named)
            return [person] if person else []
        role = role_asked(event, definition)
        if role is None:
            return []
        people = self.holding(case.process_id, role)
        return [p for p in people if not (event.kind == "fired" and p.id == event.actor)]

    def followers(
        self, case: Case, event: Event, definition: ProcessDefinition, choices: Mapping[str, bool]
    ) -> list[Recipient]:
        """The followers this contact list knows (it has no visibility rules: every contact sees every case)."""
        return [self._people[p] for p in followers(case, choices) if p != event.actor and p in self._people]
