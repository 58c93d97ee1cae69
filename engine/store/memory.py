"""An in-process store: the default for library users, the test double, and the store of benchmarks and simulations.

It keeps the whole Protocol for real — due index, claims whose leases expire, heads, chained checkpoints,
heartbeats — so verification, checkpoints and workers behave on it as on SQLite or PostgreSQL.
Nothing survives the process. One lock makes each write atomic, as a transaction would.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime
from typing import Any

from ..errors import CaseNotFound, ConflictError, StoreError
from ..fold import with_history
from ..history import History
from ..people_records import DirectoryEvent, WorkItem
from ..records import Case, DocumentVersion, Event
from .access_memory import MemoryAccess
from .base import (
    NO_CHECKPOINT,
    CaseSummary,
    Checkpoint,
    DueItem,
    Head,
    WorkerBeat,
    checkpoint_seal,
)
from .board import BoardColumn, BoardFilter, column_of
from .matches import MatchKey, MemoryMatches
from .memory_outbox import MemoryOutbox
from .outbox import OutboxMessage
from .records import event_row, utc
from .registry import register_store
from .work import rotations, urgency, work_item


class MemoryStore(MemoryOutbox, MemoryAccess, MemoryMatches):
    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._cases: dict[str, Case] = {}
        self._events: dict[str, list[Event]] = {}  # case id → its events, appended at each commit
        self._definitions: dict[str, Mapping[str, Any]] = {}
        self._latest: dict[str, str] = {}
        self._shared: dict[str, dict[str, tuple[DocumentVersion, ...]]] = {}
        self._due: dict[str, tuple[DueItem, ...]] = {}
        self._claims: dict[str, tuple[str, datetime]] = {}  # case id → (worker, lease until)
        self._workers: dict[str, WorkerBeat] = {}
        self._checkpoints: list[tuple[Checkpoint, tuple[Head, ...]]] = []
        self._directory: list[DirectoryEvent] = []
        self._work: dict[str, WorkItem] = {}
        self._rotation: dict[str, str] = {}
        self._follows: dict[str, dict[str, bool]] = {}  # case id → person → following

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

    def definitions(self, process_id: str | None = None) -> list[tuple[str, str, str]]:
        return [
            (digest, bundle["process"]["id"], bundle["process"]["version"])
            for digest, bundle in self._definitions.items()
            if process_id is None or bundle["process"]["id"] == process_id
        ]

    # --- cases ------------------------------------------------------------------------

    def commit(
        self,
        case: Case,
        events: Sequence[Event],
        due: Sequence[DueItem] | None = (),
        outbox: Sequence[OutboxMessage] = (),
        keys: Sequence[MatchKey] | None = None,
    ) -> None:
        expected = case.version - len(events)
        with self._lock:
            current = self._cases.get(case.id)
            found = current.version if current else 0
            if found != expected:
                raise ConflictError(case.id, expected, found)
            self._cases[case.id] = self._stored(case, events)
            if keys is not None:
                self._replace_match_keys(case.id, keys)
            self._add_outbox(outbox, case.updated_at)
            item = work_item(case, due)
            if item is None:
                self._work.pop(case.id, None)
            else:
                self._work[case.id] = item
            self._rotation.update(rotations(events))
            if due is None:  # the process has no deadlines: the case never has due items or claims
                return
            if due:
                self._due[case.id] = tuple(due)
            else:
                self._due.pop(case.id, None)
            self._claims.pop(case.id, None)

    def _stored(self, case: Case, events: Sequence[Event]) -> Case:
        """The case as stored: its history read from the store's own list of its events on first look, as the SQL
        stores read theirs. A case keeping its history as a tuple (or as a lazy history with a growing tail) copies
        all of it at every step, the next case being built with the history plus one event: a long-lived case
        would cost more at each step."""
        log = self._events.setdefault(case.id, [])
        log.extend(events)
        if len(log) != len(case.history):
            return case  # a history the store did not see grow: kept as given
        return with_history(case, History(lambda: log, len(log)))

    def set_following(self, case_id: str, person: str, following: bool, at: datetime) -> None:
        with self._lock:
            if case_id not in self._cases:
                raise CaseNotFound(case_id)
            self._follows.setdefault(case_id, {})[person] = following

    def following(self, case_id: str, *, as_of: int | None = None) -> Mapping[str, bool]:
        return dict(sorted(self._follows.get(case_id, {}).items()))

    def stepping(self, case_id: str) -> AbstractContextManager[None]:
        return nullcontext()  # a commit checks the version under the store's lock

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

    def case_page(
        self,
        *,
        process_id: str | None = None,
        states: Sequence[str] | None = None,
        due_by: datetime | None = None,
        after: str | None = None,
        limit: int = 100,
    ) -> list[CaseSummary]:
        if after is not None and after not in self._cases:
            raise CaseNotFound(after)
        start = None if after is None else (self._cases[after].created_at, after)
        rows = []
        for case in sorted(list(self._cases.values()), key=lambda c: (c.created_at, c.id)):
            if start is not None and (case.created_at, case.id) <= start:
                continue
            if (process_id is not None and case.process_id != process_id) or (
                states is not None and case.state not in states
            ):
                continue
            if due_by is not None and not any(item.due_at <= due_by for item in self._due.get(case.id, ())):
                continue
            rows.append(CaseSummary.of(case))
            if len(rows) == limit:
                break
        return rows

    def cases(self, *, process_id: str | None = None, state: str | None = None) -> Iterator[Case]:
        for case in list(self._cases.values()):
            if (process_id is None or case.process_id == process_id) and (state is None or case.state == state):
                yield case

    def cases_with_events(self, process_id: str) -> Iterator[Case]:
        for case_id in self.case_ids(process_id=process_id):
            yield self._cases[case_id]

    def board_column(
        self,
        process_id: str,
        states: Sequence[str],
        *,
        only: BoardFilter | None = None,
        limit: int = 20,
    ) -> BoardColumn:
        chosen = [c for c in list(self._cases.values()) if c.process_id == process_id and c.state in states]
        return column_of(chosen, only, limit)

    def count_by_definition(self, process_id: str) -> dict[str, int]:
        counts: dict[str, int] = {}
        for case in list(self._cases.values()):
            if case.process_id == process_id:
                counts[case.definition_hash] = counts.get(case.definition_hash, 0) + 1
        return counts

    # --- tamper evidence ---------------------------------------------------------------

    def raw_events(self, case_id: str) -> list[Event]:
        case = self._cases.get(case_id)
        return list(case.history) if case else []

    def raw_event_rows(self) -> list[Sequence[Any]]:
        return [event_row(e) for _, case in sorted(self._cases.items()) for e in case.history]

    def heads(self) -> list[Head]:
        return [Head(c.id, c.version, c.head) for c in sorted(self._cases.values(), key=lambda c: c.id)]

    def event_case_ids(self) -> list[str]:
        return sorted(case_id for case_id, case in self._cases.items() if case.history)

    def add_checkpoint(self, at: datetime, root: str, heads: Sequence[tuple[str, int, str | None]]) -> tuple[int, str]:
        with self._lock:
            last = self._checkpoints[-1][0] if self._checkpoints else None
            number, prev = (last.number + 1, last.hash) if last else (1, NO_CHECKPOINT)
            stamp = utc(at)
            sealed = checkpoint_seal(number, stamp, root, prev, len(heads))
            recorded = tuple(sorted(Head(*head) for head in heads))
            self._checkpoints.append((Checkpoint(number, stamp, len(heads), root, prev, sealed), recorded))
            return number, sealed

    def checkpoints(self) -> list[Checkpoint]:
        return [checkpoint for checkpoint, _ in self._checkpoints]

    def checkpoint_heads(self, number: int) -> list[Head]:
        return [head for checkpoint, heads in self._checkpoints if checkpoint.number == number for head in heads]

    # --- due index and worker claims ------------------------------------------------------

    def due(self, before: datetime, *, alerts: bool = False, limit: int | None = None) -> list[DueItem]:
        def when(item: DueItem) -> datetime | None:
            return item.alert_at if alerts else item.due_at

        found = sorted(
            (item for items in list(self._due.values()) for item in items if (at := when(item)) and at <= before),
            key=lambda item: (when(item), item.case_id, item.key),
        )
        return found[:limit] if limit is not None else found

    def due_cases(self, before: datetime) -> list[tuple[CaseSummary, list[DueItem]]]:
        return [
            (CaseSummary.of(self._cases[case_id]), list(items))
            for case_id, items in list(self._due.items())
            if any(item.due_at <= before for item in items)
        ]

    def claim(self, worker: str, now: datetime, lease_until: datetime, limit: int) -> list[str]:
        with self._lock:
            taken: list[str] = []
            for item in self.due(now, alerts=True):
                if len(taken) == limit:
                    break
                held = self._claims.get(item.case_id)
                if item.case_id in taken or (held is not None and held[1] >= now):
                    continue
                self._claims[item.case_id] = (worker, lease_until)
                taken.append(item.case_id)
            return taken

    def release(self, worker: str, case_ids: Sequence[str]) -> None:
        with self._lock:
            for case_id in case_ids:
                if self._claims.get(case_id, ("",))[0] == worker:
                    del self._claims[case_id]

    def heartbeat(self, worker: str, host: str, pid: int, started_at: datetime, now: datetime, handled: int) -> None:
        with self._lock:
            known = self._workers.get(worker)
            self._workers[worker] = (
                known._replace(beat_at=utc(now), handled=handled)
                if known
                else WorkerBeat(worker, host, pid, utc(now), handled)
            )

    def workers(self) -> list[WorkerBeat]:
        return [self._workers[name] for name in sorted(self._workers)]

    # --- shared documents ------------------------------------------------------------------

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
            key=urgency,
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
