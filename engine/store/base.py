"""The storage interface. The engine talks to this Protocol only; URLs pick an implementation."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from engine.errors import StoreError
from engine.people_records import DirectoryEvent, WorkItem
from engine.records import Case, DocumentVersion, Event
from engine.suggest import did_you_mean

DEFAULT_URL = "sqlite:///procflow.db"


@dataclass(frozen=True, slots=True)
class DueItem:
    """An open obligation as the store indexes it, so due and overdue work is found without scanning cases."""

    case_id: str
    key: str
    process_id: str
    deadline_id: str
    state: str
    owner: str | None
    due_at: datetime
    alert_at: datetime | None  # the next reminder, due time or escalation still to act on


class Store(Protocol):
    """Durable home of definitions, cases (as events) and shared documents.

    `commit` is atomic: the events and the case snapshot are written together or
    not at all, and only if the stored case is still at `case.version - len(events)`
    (else `ConflictError`). The same transaction keeps the inbox index (`work`) from the case's
    assignment events.
    """

    def save_definition(self, bundle: Mapping[str, Any]) -> None: ...

    def load_definition(self, content_hash: str) -> Mapping[str, Any]: ...

    def latest_definition(self, process_id: str) -> str | None: ...

    def commit(self, case: Case, events: Sequence[Event], due: Sequence[DueItem] | None = ()) -> None:
        """Write events and snapshot; replace the case's due items with `due` (None: the process has no
        deadlines, leave the index alone), all in one transaction."""
        ...

    def due(self, before: datetime, *, alerts: bool = False, limit: int | None = None) -> list[DueItem]:
        """Open obligations due at or before `before` (or whose next alert is), earliest first; uses an index."""
        ...

    def get(self, case_id: str) -> Case: ...

    def cases(self, *, process_id: str | None = None, state: str | None = None) -> Iterator[Case]: ...

    def case_ids(self, *, process_id: str | None = None, states: Sequence[str] | None = None) -> list[str]:
        """Ids of the cases of a process (optionally in some states), oldest first; uses an index."""
        ...

    def definitions(self, process_id: str | None = None) -> list[tuple[str, str, str]]:
        """(content hash, process id, version label) of every stored definition, oldest first."""
        ...

    def publish(self, process_id: str, version: DocumentVersion) -> None: ...

    def shared(self, process_id: str) -> Mapping[str, tuple[DocumentVersion, ...]]: ...

    # --- people: the directory's event chain and the inbox index (kept by `commit`) ---------------

    def append_directory(self, events: Sequence[DirectoryEvent]) -> None:
        """Append sealed directory events in one transaction; `ConflictError` if their numbers are taken."""
        ...

    def directory_events(self, after: int = 0) -> list[DirectoryEvent]:
        """Directory events after seq `after`, in order."""
        ...

    def work(self, person: str, roles: Sequence[str] = (), *, limit: int | None = None) -> list[WorkItem]:
        """Open work held by `person`, and unclaimed work in the queues of `roles`: escalated first, then
        by due time; from the index `commit` keeps, never a scan of cases."""
        ...

    def load(self, people: Sequence[str]) -> dict[str, int]:
        """How many open cases each person holds."""
        ...

    def rotation(self, pool: str) -> str | None:
        """Who had the last round-robin turn in `pool` (kept by `commit` from assignment events)."""
        ...

    def close(self) -> None: ...


Opener = Callable[[str], Store]
_OPENERS: dict[str, Opener] = {}


def register_store(scheme: str, opener: Opener) -> None:
    """Make `open_store` accept URLs starting with `scheme:`."""
    _OPENERS[scheme] = opener


def default_url() -> str:
    return os.environ.get("PROCFLOW_DB") or DEFAULT_URL


def open_store(url: str | None = None) -> Store:
    """Open the store a URL names: `sqlite:///path.db` (default `./procflow.db` or $PROCFLOW_DB) or `memory:`."""
    url = url or default_url()
    scheme = url.split(":", 1)[0] if ":" in url else ""
    if scheme not in _OPENERS:
        known = sorted(_OPENERS)
        raise StoreError(
            f"unknown store URL {url!r}{did_you_mean(scheme, known)}; known kinds: " + ", ".join(f"{k}:" for k in known)
        )
    return _OPENERS[scheme](url)
