"""Committing one step: the case's deadline trail and due items kept from the events at hand, the messages
the outbox makes of them, and the events themselves — in one store transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from ..records import Case, Event
from ..store.base import Store
from .compiled import CompiledProcess
from .due import settled
from .outbox import Outbox, commit


def commit_step(
    store: Store, outbox: Outbox | None, compiled: CompiledProcess, case: Case, events: Sequence[Event], now: datetime
) -> Case:
    """Write `events` (already applied to `case`); returns the case as committed (its trail kept)."""
    case, due = settled(compiled, case, events, now)
    commit(store, outbox, case, events, due, compiled.definition, compiled.calendar)
    return case
