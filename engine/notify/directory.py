"""`Recipients` from the team directory: every person of it is a `Recipient`, told by the directory's grants.

Who is asked, per event kind:
* `reminded`, `escalated`: the person the case's work is assigned to (`procflow.records.current_assignment`)
  when the event notifies their role (or names no role); otherwise everyone who holds the notified role for
  the case's process at the event's instant — by a grant valid that day, or by covering for someone who does;
* `assigned`, `claimed`, `reassigned`, `delegated`, `transferred`: the person the event's data names
  (`person`); work put in a role's queue (no person) is told to the role's holders, who may claim it;
* `fired`: nobody — entering a state with an owner records an assignment, and that is what is told.
Nobody is told of what they did themselves. A move is told to the case's followers who are active and may
still see the case (`procflow.people.visibility`).

The directory keeps no notification choices. A person's own settings (the web app's settings page, kept in the
store: engine/people/settings.py) come first — their language, time zone and, when they chose any, their
channels, digests and quiet hours; else the notify configuration's overlay keyed by person id
(`preferences`), else `default`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any

from ..definition.model import ProcessDefinition
from ..errors import UnknownPerson
from ..people import settings
from ..people.directory import Directory
from ..people.following import followers
from ..people.roles import held_roles
from ..people.visibility import may_see
from ..people_records import Person, Roster
from ..records import ASSIGNMENT_KINDS, Case, Event, current_assignment
from ..store.base import Store
from .config import preferences_from
from .recipients import Preferences, Recipient

ALERT_KINDS = ("reminded", "escalated")
CHOICE_KEYS = ("channels", "digest", "quiet_hours")  # a person who set any of these chose how to be told


def recipient(person: Person, preferences: Preferences | None = None) -> Recipient:
    """A directory person as the notifier sees them."""
    return Recipient(
        person.id,
        person.name,
        person.email or None,
        MappingProxyType(dict(person.chat)),
        person.locale,
        person.timezone,
        preferences or Preferences(),
    )


class DirectoryRecipients:
    """`Recipients` backed by a team directory (see the module docstring for who hears of what)."""

    def __init__(
        self,
        directory: Directory,
        preferences: Mapping[str, Preferences] | None = None,
        default: Preferences | None = None,
        store: Store | None = None,
    ) -> None:
        """`store`: where people's own settings are kept (None: only the configuration's choices count)."""
        self.directory = directory
        self.store = store
        self.preferences: Mapping[str, Preferences] = MappingProxyType(dict(preferences or {}))
        self.default = default or Preferences()

    def person(self, person_id: str) -> Recipient | None:
        found = self.directory.roster().people.get(person_id)
        return self._recipient(found) if found is not None else None

    def holding(self, process_id: str, role: str, at: datetime) -> list[Recipient]:
        """Everyone who holds `role` for `process_id` at `at` (a grant valid that day, or a cover), by id."""
        return self._recipients(_holders(self.directory.roster(), process_id, role, at))

    def for_event(self, case: Case, event: Event, definition: ProcessDefinition) -> list[Recipient]:
        roster = self.directory.roster()
        data = event.data or {}
        people: list[Person] = []
        if event.kind in ALERT_KINDS:
            role = data.get("notify")
            role = role if isinstance(role, str) else None
            held = current_assignment(case)
            assignee = roster.people.get(held.person) if held and held.person else None
            if assignee is not None and assignee.active and (role is None or held is None or held.role in (None, role)):
                people = [assignee]
            elif role is not None:
                people = _holders(roster, case.process_id, role, event.at)
        elif event.kind in ASSIGNMENT_KINDS:
            named = data.get("person")
            if isinstance(named, str):
                found = roster.people.get(named)
                people = [found] if found is not None and found.active else []
            elif isinstance(data.get("role"), str) and event.kind != "released":
                people = _holders(roster, case.process_id, str(data["role"]), event.at)
            else:
                people = []
        return self._recipients([p for p in people if p.id != event.actor])

    def followers(
        self, case: Case, event: Event, definition: ProcessDefinition, choices: Mapping[str, bool]
    ) -> list[Recipient]:
        roster = self.directory.roster()
        found: list[Person] = []
        for person_id in followers(case, choices):
            person = roster.people.get(person_id)
            if person is None or not person.active or person_id == event.actor:
                continue
            try:
                if may_see(definition, roster, person_id, case, event.at):
                    found.append(person)
            except UnknownPerson:
                continue  # left the team: nobody to tell
        return self._recipients(found)

    def _recipient(self, person: Person) -> Recipient:
        return self._recipients([person])[0]

    def _recipients(self, people: list[Person]) -> list[Recipient]:
        """Each person as told: their own settings read for all of them at once (one read, not one each)."""
        if self.store is None:
            return [recipient(p, self.preferences.get(p.id, self.default)) for p in people]
        if not people:
            return []
        chosen = settings.load_many(self.store, [p.id for p in people])
        return [self._told(p, chosen[p.id]) for p in people]

    def _told(self, person: Person, chosen: Mapping[str, Any]) -> Recipient:
        configured = self.preferences.get(person.id, self.default)
        own = preferences_from(chosen) if any(k in chosen for k in CHOICE_KEYS) else configured
        return recipient(settings.effective(person, chosen), own)


def _holders(roster: Roster, process_id: str, role: str, at: datetime) -> list[Person]:
    found: list[Person] = []
    for person_id in sorted(roster.people):
        person = roster.people[person_id]
        if not person.active:
            continue
        try:
            held = held_roles(roster, person_id, process_id, at)
        except UnknownPerson:
            continue
        if any(h.role == role for h in held):
            found.append(person)
    return found
