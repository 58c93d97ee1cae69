"""An in-process store: for tests, benchmarks and simulations. Nothing survives the process."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from engine.errors import CaseNotFound, ConflictError, StoreError
from engine.people_records import DirectoryEvent, WorkItem
from engine.records import Case, DocumentVersion, Event
from engine.store.base import DueItem, register_store
from engine.store.work import rotations, work_item


class MemoryStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cases: dict[str, Case] = {}
        self._definitions: dict[str, Mapping[str, Any]] = {}
        self._latest: dict[str, str] = {}
        self._shared: dict[str, dict[str, tuple[DocumentVersion, ...]]] = {}
        self._due: dict[str, tuple[DueItem, ...]] = {}
        self._directory: list[DirectoryEvent] = []
        self._work: dict[str, WorkItem] = {}
        self._rotation: dict[str, str] = {}

    @classmethod
    def from_url(cls, url: str) -> MemoryStore:
        return cls()

    def save_definition(self, bundle: Mapping[str, Any]) -> None:
        with self._lock:
            digest = bundle["content_hash"]
            if digest not in self._definitions:
                self._definitions[digest] = bundle
                self._latest[bundle["process"]["id"]] = digest

    def load_definition(self, content_hash: str) -> Mapping[str, Any]:
        try:
            return self._definitions[content_hash]
        except KeyError:
            raise StoreError(f"no definition {content_hash[:12]} in the store") from None

    def latest_definition(self, process_id: str) -> str | None:
        return self._latest.get(process_id)

    def commit(self, case: Case, events: Sequence[Event], due: Sequence[DueItem] | None = ()) -> None:
        expected = case.version - len(events)
        with self._lock:
            current = self._cases.get(case.id)
            found = current.version if current else 0
            if found != expected:
                raise ConflictError(case.id, expected, found)
            self._cases[case.id] = case
            if due:
                self._due[case.id] = tuple(due)
            else:
                self._due.pop(case.id, None)
            item = work_item(case, due)
            if item is None:
                self._work.pop(case.id, None)
            else:
                self._work[case.id] = item
            self._rotation.update(rotations(events))

    def due(self, before: datetime, *, alerts: bool = False, limit: int | None = None) -> list[DueItem]:
        def when(item: DueItem) -> datetime | None:
            return item.alert_at if alerts else item.due_at

        found = sorted(
            (item for items in list(self._due.values()) for item in items if (at := when(item)) and at <= before),
            key=lambda item: (when(item), item.case_id, item.key),
        )
        return found[:limit] if limit is not None else found

    def get(self, case_id: str) -> Case:
        try:
            return self._cases[case_id]
        except KeyError:
            raise CaseNotFound(case_id) from None

    def case_ids(self, *, process_id: str | None = None, states: Sequence[str] | None = None) -> list[str]:
        return [
            case.id
            for case in sorted(self._cases.values(), key=lambda c: (c.created_at, c.id))
            if (process_id is None or case.process_id == process_id) and (states is None or case.state in states)
        ]

    def definitions(self, process_id: str | None = None) -> list[tuple[str, str, str]]:
        return [
            (digest, bundle["process"]["id"], bundle["process"]["version"])
            for digest, bundle in self._definitions.items()
            if process_id is None or bundle["process"]["id"] == process_id
        ]

    def cases(self, *, process_id: str | None = None, state: str | None = None) -> Iterator[Case]:
        for case in list(self._cases.values()):
            if (process_id is None or case.process_id == process_id) and (state is None or case.state == state):
                yield case

    def publish(self, process_id: str, version: DocumentVersion) -> None:
        with self._lock:
            docs = self._shared.setdefault(process_id, {})
            docs[version.document] = (*docs.get(version.document, ()), version)

    def shared(self, process_id: str) -> Mapping[str, tuple[DocumentVersion, ...]]:
        return self._shared.get(process_id, {})

    def append_directory(self, events: Sequence[DirectoryEvent]) -> None:
        with self._lock:
            if events and events[0].seq != len(self._directory) + 1:
                raise ConflictError("the directory", events[0].seq - 1, len(self._directory))
            self._directory.extend(events)

    def directory_events(self, after: int = 0) -> list[DirectoryEvent]:
        return self._directory[after:]

    def work(self, person: str, roles: Sequence[str] = (), *, limit: int | None = None) -> list[WorkItem]:
        found = sorted(
            (w for w in list(self._work.values()) if w.person == person or (w.person is None and w.role in roles)),
            key=lambda w: (w.escalated_at is None, w.due_at is None, w.due_at or w.since, w.since, w.case_id),
        )
        return found[:limit] if limit is not None else found

    def load(self, people: Sequence[str]) -> dict[str, int]:
        counts = dict.fromkeys(people, 0)
        for item in list(self._work.values()):
            if item.person in counts:
                counts[item.person] += 1
        return counts

    def rotation(self, pool: str) -> str | None:
        return self._rotation.get(pool)

    def close(self) -> None:
        pass


register_store("memory", MemoryStore.from_url)
