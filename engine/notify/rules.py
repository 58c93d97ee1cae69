"""The outbox rules: which messages an event causes — per person, per channel, when — as outbox rows.

`Notifier` is the engine's `Outbox` (see `engine.runtime.outbox`): called before each commit, it returns the
rows to write in the same transaction. It renders the words now, in each person's language, so a row says
exactly what will be sent and delivery needs nothing but the row.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC

from engine.calendars import WorkingCalendar
from engine.definition.model import ProcessDefinition
from engine.errors import RenderError
from engine.notify import schedule, wording
from engine.notify.channels.base import Channel
from engine.notify.recipients import Recipient, Recipients
from engine.records import Case, Event
from engine.store.outbox import OutboxMessage

log = logging.getLogger("procflow.notify")


def is_urgent(event: Event, definition: ProcessDefinition) -> bool:
    """An escalation whose rule says `urgent: true` in the YAML."""
    data = event.data or {}
    rule = data.get("rule")
    if event.kind != "escalated" or not isinstance(rule, int):
        return False
    deadline = wording.find_deadline(definition, str(data.get("deadline", "")))
    rules = deadline.escalate if deadline else ()
    return 0 <= rule < len(rules) and rules[rule].urgent


@dataclass(frozen=True)
class Notifier:
    recipients: Recipients
    channels: Mapping[str, Channel]
    default_channels: tuple[str, ...] = ("mail",)

    def messages(
        self, case: Case, events: Sequence[Event], definition: ProcessDefinition, calendar: WorkingCalendar | None
    ) -> list[OutboxMessage]:
        found: list[OutboxMessage] = []
        for event in events:
            kind = wording.EVENT_KINDS.get(event.kind)
            if kind is None:
                continue
            urgent = is_urgent(event, definition)
            for person in self.recipients.for_event(case, event, definition):
                found.extend(self._for_person(kind, case, event, definition, calendar, person, urgent))
        return found

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
        reachable = [
            (name, address)
            for name in person.preferences.channels_for(kind, self.default_channels)
            if name in self.channels and (address := self.channels[name].address(person)) is not None
        ]
        if not reachable:
            return []
        subject, body = _words(kind, case, event, definition, person)
        at, digest = schedule.deliver_at(event.at, person, kind, calendar, urgent=urgent)
        return [
            OutboxMessage(
                case.id,
                event.seq,
                person.id,
                name,
                kind,
                at,
                {"subject": subject, "body": body, "to": address, "name": person.name, "locale": person.locale},
                f"{person.id}/{name}/{at.astimezone(UTC).isoformat(timespec='minutes')}" if digest else None,
                urgent,
            )
            for name, address in reachable
        ]


def _words(kind: str, case: Case, event: Event, definition: ProcessDefinition, person: Recipient) -> tuple[str, str]:
    """The message in the process's own template; procflow's default if that fails at run time (logged): a
    broken template must not stop the event it reports."""
    try:
        return wording.render(kind, case, event, definition, person)
    except RenderError as exc:
        log.warning("message template for %s of case %s failed (%s); using the default", kind, case.id, exc)
        return wording.render(kind, case, event, definition, person, declared=False)
