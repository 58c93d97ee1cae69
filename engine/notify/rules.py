"""The outbox rules: which messages an event causes — per person, per channel, when — as outbox rows.

`Notifier` is the engine's `Outbox` (see `procflow.runtime.outbox`): called before each commit, it returns the
rows to write in the same transaction. It chooses each person's template (their language) and fills the
plain context now; rendering waits for delivery, so the event pays only for the choice.

A move also tells the case's followers (`follows`: the store's recorded choices, read once per commit that
moves a case, inside the same call): each once per commit, about the last move, and only if no other message of
the commit already reaches them (the new assignee hears of the assignment, not of the move as well).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any, Protocol

from ..calendars import WorkingCalendar
from ..definition.model import ProcessDefinition
from ..records import Case, Event
from ..store.outbox import OutboxMessage, encode_payload
from . import schedule, wording
from .channels.base import Channel
from .recipients import Recipient, Recipients, is_move

PREPARED = 4096  # (person, kind of message) entries the notifier keeps ready before it starts afresh
Ready = list[tuple[str, dict[str, Any], str]]  # (channel, payload, the payload's JSON)


def is_urgent(event: Event, definition: ProcessDefinition) -> bool:
    """An escalation whose rule says `urgent: true` in the YAML."""
    data = event.data or {}
    rule = data.get("rule")
    if event.kind != "escalated" or not isinstance(rule, int):
        return False
    deadline = wording.find_deadline(definition, str(data.get("deadline", "")))
    rules = deadline.escalate if deadline else ()
    return 0 <= rule < len(rules) and rules[rule].urgent


class Follows(Protocol):
    """`Store.following`: a case's recorded choices; `as_of` the version the step read the case at."""

    def __call__(self, case_id: str, *, as_of: int | None = None) -> Mapping[str, bool]: ...


@dataclass(frozen=True)
class Notifier:
    recipients: Recipients
    channels: Mapping[str, Channel]
    default_channels: tuple[str, ...] = ("mail",)
    follows: Follows | None = None  # the store's `following`; None: no move messages
    _templates: dict[tuple[str | int | None, ...], tuple[str, str]] = field(default_factory=dict, compare=False)
    _prepared: dict[tuple[object, ...], tuple[Recipient, Ready]] = field(default_factory=dict, compare=False)

    def messages(
        self, case: Case, events: Sequence[Event], definition: ProcessDefinition, calendar: WorkingCalendar | None
    ) -> list[OutboxMessage]:
        found: list[OutboxMessage] = []
        last_move = None
        for event in events:  # loops, not comprehensions: every step of a told process runs this
            if is_move(event):
                last_move = event
            kind = wording.EVENT_KINDS.get(event.kind)
            if kind is None:
                continue
            people = self.recipients.for_event(case, event, definition)
            urgent = event.kind == "escalated" and bool(people) and is_urgent(event, definition)
            for person in people:
                found += self._for_person(kind, case, event, definition, calendar, person, urgent)
        if last_move is not None and self.follows is not None:
            read_at = events[0].seq - 1  # the version the step read the case at
            found += self._for_followers(case, last_move, definition, calendar, {m.person for m in found}, read_at)
        return found

    def _for_followers(
        self,
        case: Case,
        move: Event,
        definition: ProcessDefinition,
        calendar: WorkingCalendar | None,
        told: set[str],
        read_at: int,
    ) -> list[OutboxMessage]:
        assert self.follows is not None
        found: list[OutboxMessage] = []
        for person in self.recipients.followers(case, move, definition, self.follows(case.id, as_of=read_at)):
            if person.id not in told:
                found.extend(self._for_person(wording.MOVE, case, move, definition, calendar, person, False))
        return found

    def _template(self, kind: str, event: Event, definition: ProcessDefinition, locale: str) -> tuple[str, str]:
        """(the template, the default to fall back on) for this message; the same for every event alike."""
        data = event.data or {}
        key = (definition.content_hash, kind, data.get("deadline"), data.get("rule"), event.dest, locale)
        found = self._templates.get(key)
        if found is None:
            own = wording.template_name(kind, event, definition, locale)
            found = self._templates[key] = (own, wording.template_name(kind, event, definition, locale, own=False))
        return found

    def _ready(self, kind: str, event: Event, definition: ProcessDefinition, person: Recipient) -> Ready:
        """(channel, payload, its JSON) of each channel that reaches `person` with this kind of message: the same
        for every event alike and every equal person, so worked out once (the directory's `Recipients` makes a
        new, equal object for every event; a person whose details or choices changed gets a new entry; the
        cache is bounded)."""
        data = event.data or {}
        key = (definition.content_hash, kind, data.get("deadline"), data.get("rule"), event.dest, person.id)
        found = self._prepared.get(key)
        if found is not None and (found[0] is person or found[0] == person):  # the same details and choices…
            return found[1]  # …the same words and addresses
        ready = [
            (name, payload, encode_payload(payload))
            for name in person.preferences.channels_for(kind, self.default_channels)
            if name in self.channels and (address := self.channels[name].address(person)) is not None
            for payload in [
                {
                    **wording.payload(definition, person, self._template(kind, event, definition, person.locale)),
                    "to": address,
                }
            ]
        ]
        if len(self._prepared) >= PREPARED:
            self._prepared.clear()
        self._prepared[key] = (person, ready)
        return ready

    def _for_person(
        self,
        kind: str,
        case: Case,
        event: Event,
        definition: ProcessDefinition,
        calendar: WorkingCalendar | None,
        person: Recipient,
        urgent: bool,
    ) -> list[OutboxMessage]:
        ready = self._ready(kind, event, definition, person)
        if not ready:
            return []
        at, digest = schedule.deliver_at(event.at, person, kind, calendar, urgent=urgent)
        slot = at.astimezone(UTC).isoformat(timespec="minutes") if digest else None
        return [
            OutboxMessage(
                case.id,
                event.seq,
                person.id,
                name,
                kind,
                at,
                payload,
                f"{person.id}/{name}/{slot}" if slot else None,
                urgent,
                encoded,
            )
            for name, payload, encoded in ready
        ]
