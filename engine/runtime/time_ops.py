"""The engine's verbs about time: notes on the record, every obligation of a case, the inbox, what is
overdue, and the tick that records reminders and escalations. A mixin of `Engine` over its `Timekeeper`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any

from ..canonical import frozen_copy
from ..chain import seal
from ..deadlines import Obligation
from ..fold import apply
from ..records import NOTE_KINDS, Actor, Case, Event, EventKind
from .inbox import InboxEntry
from .inbox import inbox as build_inbox
from .parts import EngineParts
from .timekeeping import Overdue


class TimeOps(EngineParts):
    def note(self, case: Case | str, kind: EventKind, data: Mapping[str, Any], actor: Actor) -> Case:
        """Put a note on a case's record (a kind that changes no state or document, e.g. `recalendared`)
        and re-index its due times, so a note about new calendar data also moves what the worker waits for."""
        return self._one_step(case, lambda: self._noted(case, kind, data, actor))

    def _noted(
        self, case: Case | str, kind: EventKind, data: Mapping[str, Any], actor: Actor
    ) -> tuple[Case, list[Event]]:
        current, compiled = self._case(case)
        if kind not in NOTE_KINDS:
            raise ValueError(f"{kind!r} is not a note (notes: {', '.join(NOTE_KINDS)})")
        plain, _ = frozen_copy(dict(data))
        event = seal(
            Event(
                current.id,
                current.version + 1,
                kind,
                self.clock.now(),
                actor.user,
                actor.role or "",
                current.definition_hash,
                data=MappingProxyType(plain),
            ),
            current,
        )
        updated = apply(current, event)
        return self._commit(compiled, updated, [event], event.at), [event]

    def deadlines(self, case: Case | str, now: datetime | None = None) -> list[Obligation]:
        """Every obligation of the case so far: due time, met (when, by whom), missed, open, overdue. Needs the
        definition and its calendar only, so a status does not compile the process."""
        current = self.store.get(case) if isinstance(case, str) else case
        return self._time.status(current, now or self.clock.now())

    def inbox(self, person: str, now: datetime | None = None, *, limit: int = 20) -> list[InboxEntry]:
        """Every case where `person` has work now (held, queued for their roles, or of whom they cover),
        escalated first, then by due time, from the store's work index; then sign-offs awaiting their role."""
        at = now or self.clock.now()
        compiled_for = lambda case: self._compile(case.definition_hash)  # noqa: E731
        newest = [self.definition(process) for process in sorted({p for _, p, _ in self.store.definitions()})]
        return build_inbox(self.store, self.directory, compiled_for, self._time.status, person, at, limit, newest)

    def overdue(self, now: datetime | None = None) -> list[Overdue]:
        """Every open obligation past due, across all cases, earliest due first (from the store's due index)."""
        return self._time.overdue(now or self.clock.now())

    def tick(self, now: datetime | None = None, *, case_ids: Iterable[str] | None = None) -> list[Event]:
        """Record each reminder and escalation due by `now` (once), and run their hooks."""
        return self._time.tick(now or self.clock.now(), case_ids)
