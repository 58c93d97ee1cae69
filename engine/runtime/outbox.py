"""Where the engine asks who must hear of its events: an `Outbox` plugged in by a higher layer (`procflow.notify`).

The engine does not know people or channels. It hands each batch of events, before commit, to the outbox
(if one is plugged in) and commits the messages it returns in the same store transaction as the events:
the event and the duty to tell someone about it are durable together or not at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from ..calendars import WorkingCalendar
from ..definition.model import ProcessDefinition
from ..records import Case, Event
from ..store.base import DueItem, Store
from ..store.outbox import OutboxMessage
from .matching import match_keys


class Outbox(Protocol):
    def messages(
        self, case: Case, events: Sequence[Event], definition: ProcessDefinition, calendar: WorkingCalendar | None
    ) -> Sequence[OutboxMessage]:
        """The messages `events` (already applied to `case`) cause; empty when nobody is to be told."""
        ...


def commit(
    store: Store,
    outbox: Outbox | None,
    case: Case,
    events: Sequence[Event],
    due: Sequence[DueItem] | None,
    definition: ProcessDefinition,
    calendar: WorkingCalendar | None,
) -> None:
    """`store.commit` with the messages the events cause (a store is only asked for `outbox` when there are some)
    and the case's match keys when they may have changed (`runtime/matching.py`)."""
    messages = outbox.messages(case, events, definition, calendar) if outbox is not None else ()
    keys = match_keys(definition, case, events)
    if keys is not None:
        store.commit(case, events, due, outbox=messages, keys=keys)
    elif messages:
        store.commit(case, events, due, outbox=messages)
    else:
        store.commit(case, events, due)
