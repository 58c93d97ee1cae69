"""The SQL stores' share of the people feature: the directory's event chain, the inbox index, round-robin turns.

A mixin of `SQLStore` (engine/store/sql.py): it relies only on the transaction and read helpers every SQL store
has, so SQLite and PostgreSQL keep one set of queries.
"""

from __future__ import annotations

import json
import threading
import time
from abc import abstractmethod
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Protocol

from ..errors import ConflictError
from ..people_records import DirectoryEvent, WorkItem
from ..records import Case, Event, current_assignment
from .records import utc
from .work import rotations, urgency

_WORK_COLUMNS = "case_id, process_id, state, person, role, since, due_at, escalated_at"
DIRECTORY_WITH_CASE = ", (SELECT COALESCE(MAX(seq), 0) FROM directory_events)"
"""The column `get` adds: the directory's head, read in the case's own statement (see `_directory_read_along`)."""
READ_ALONG_S = 1.0  # how long the head a case read saw may stand in for the directory's own read
IDLE_KEPT_MAX = 4096  # cases known to have no inbox row, at once


class _Tx(Protocol):
    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[Any]: ...


def _text(at: datetime | None) -> str | None:
    return None if at is None else utc(at)


def _instant(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _work_from_row(r: Sequence[Any]) -> WorkItem:
    since = datetime.fromisoformat(r[5])
    return WorkItem(r[0], r[1], r[2], r[3], r[4], since, _instant(r[6]), _instant(r[7]))


class PeopleTables:
    """Directory events, the `work` index (one row per case with open work) and the `rotation` of turns.

    Two reads a step would make are saved, each exactly:
    - a case with no inbox row (no assignment in its state) deletes none: the row and the case's snapshot are
      written in one transaction, so a case read at version v without an assignment has no row until a commit
      after v, and a step commits only over the version it read (`_idle`);
    - the roster asked for right after a case read needs no read of its own when the directory's head, read in
      the case's statement, is the one it holds (`_directory_read_along`).
    """

    def __init__(self) -> None:
        super().__init__()
        self._idle: dict[str, int] = {}  # case id → a version at which the case has no inbox row
        self._along = threading.local()  # this thread's last case read: (when it began, writes by then, head)
        self._directory_writes = 0  # directory changes recorded through this store: a head read before is stale

    @abstractmethod
    def _write(self, action: str, work: Callable[[Any], Any]) -> Any: ...

    @abstractmethod
    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[Any]: ...

    def _index_work(self, tx: _Tx, case: Case, expected: int, item: WorkItem | None, events: Sequence[Event]) -> None:
        """Inside `commit`'s transaction, after the version check: the case's inbox row and round-robin turns."""
        if item is None:
            if self._idle.get(case.id) != expected:  # a case known to have no row at the version it moves from
                tx.execute("DELETE FROM work WHERE case_id = ?", (case.id,))
        else:
            row = (item.process_id, item.state, item.person, item.role, _text(item.since))
            rest = (_text(item.due_at), _text(item.escalated_at), urgency(item))
            tx.execute(
                f"INSERT INTO work ({_WORK_COLUMNS}, urgency) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (case_id) DO UPDATE SET process_id = ?, state = ?, person = ?, role = ?, since = ?, "
                "due_at = ?, escalated_at = ?, urgency = ?",
                (case.id, *row, *rest, *row, *rest),
            )
        for pool, person in rotations(events):
            tx.execute(
                "INSERT INTO rotation VALUES (?, ?) ON CONFLICT (pool) DO UPDATE SET person = ?", (pool, person, person)
            )

    def _work_committed(self, case: Case, item: WorkItem | None) -> None:
        """After a commit: whether the case, at its new version, has an inbox row."""
        self._keep_idle(case.id, case.version if item is None else None)

    def _case_read_begins(self) -> tuple[float, int]:
        """Taken before a case read: a directory change recorded here after it may be missing from the head."""
        return time.monotonic(), self._directory_writes

    def _case_read(self, case: Case, directory_head: int, began: tuple[float, int]) -> None:
        """After a case read that `began`: what the snapshot says of its inbox row, and the directory's head
        read with it."""
        self._keep_idle(case.id, case.version if current_assignment(case) is None else None)
        self._along.read = (*began, directory_head)

    def _keep_idle(self, case_id: str, version: int | None) -> None:
        if version is None:
            self._idle.pop(case_id, None)
            return
        if len(self._idle) >= IDLE_KEPT_MAX:
            self._idle.clear()
        self._idle[case_id] = version

    def _directory_read_along(self, after: int) -> bool:
        """Whether this thread's case read, just made, already showed no directory event after `after`: once
        (the next roster read looks again), within `READ_ALONG_S`, and only if nothing was recorded here since."""
        read = getattr(self._along, "read", None)
        self._along.read = None
        if read is None:
            return False
        at, writes, head = read
        return bool(head <= after and writes == self._directory_writes and time.monotonic() - at <= READ_ALONG_S)

    # --- the directory ---------------------------------------------------------------

    def append_directory(self, events: Sequence[DirectoryEvent]) -> None:
        """Append sealed directory events; `ConflictError` if another writer took their numbers first."""

        def work(tx: _Tx) -> None:
            for event in events:
                tx.execute(
                    "INSERT INTO directory_events VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        event.seq,
                        event.kind,
                        event.at.isoformat(),
                        event.actor,
                        json.dumps(dict(event.data), ensure_ascii=False),
                        event.prev_hash,
                        event.hash,
                    ),
                )

        try:
            self._write("directory", work)
        except ConflictError:
            first = events[0].seq if events else 0
            raise ConflictError("the directory", first - 1, None) from None
        finally:  # even a failed write may have committed: no head read before it stands in
            self._directory_writes += 1

    def directory_events(self, after: int = 0) -> list[DirectoryEvent]:
        if self._directory_read_along(after):
            return []
        rows = self._read(
            "SELECT seq, kind, at, actor, data, prev_hash, hash FROM directory_events WHERE seq > ? ORDER BY seq",
            (after,),
        )
        return [
            DirectoryEvent(r[0], r[1], datetime.fromisoformat(r[2]), r[3], json.loads(r[4]), r[5], r[6]) for r in rows
        ]

    # --- the inbox index -------------------------------------------------------------------

    def work(self, person: str, roles: Sequence[str] = (), *, limit: int | None = None) -> list[WorkItem]:
        """Open work held by `person`, and unclaimed work in the queues of `roles`; most urgent first."""
        most = 1 << 62 if limit is None else limit
        select = f"SELECT {_WORK_COLUMNS}, urgency FROM work WHERE "
        rows = self._read(select + "person = ? ORDER BY urgency LIMIT ?", (person, most))
        for role in roles:  # one indexed walk per queue, each stopping at `limit`
            rows += self._read(select + "person IS NULL AND role = ? ORDER BY urgency LIMIT ?", (role, most))
        rows.sort(key=lambda r: r[8])
        return [_work_from_row(r) for r in rows[:most]]

    def load(self, people: Sequence[str]) -> dict[str, int]:
        """How many open cases each of `people` holds (0 for those who hold none)."""
        if not people:
            return {}
        marks = ", ".join("?" for _ in people)
        rows = self._read(f"SELECT person, COUNT(*) FROM work WHERE person IN ({marks}) GROUP BY person", tuple(people))
        counts = {str(r[0]): int(r[1]) for r in rows}
        return {person: counts.get(person, 0) for person in people}

    def rotation(self, pool: str) -> str | None:
        """Who got the last round-robin turn in `pool`."""
        rows = self._read("SELECT person FROM rotation WHERE pool = ?", (pool,))
        return str(rows[0][0]) if rows else None
