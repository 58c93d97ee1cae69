"""The SQL stores' share of the people feature: the directory's event chain, the inbox index, round-robin turns.

A mixin of `SQLStore` (engine/store/sql.py): it relies only on the transaction and read helpers every SQL store
has, so SQLite and PostgreSQL keep one set of queries.
"""

from __future__ import annotations

import json
from abc import abstractmethod
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Protocol

from ..errors import ConflictError
from ..people_records import DirectoryEvent, WorkItem
from ..records import Case, Event
from .base import DueItem
from .records import utc
from .work import rotations, urgency, work_item

_WORK_COLUMNS = "case_id, process_id, state, person, role, since, due_at, escalated_at"


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
    """Directory events, the `work` index (one row per case with open work) and the `rotation` of turns."""

    @abstractmethod
    def _write(self, action: str, work: Callable[[Any], Any]) -> Any: ...

    @abstractmethod
    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[Any]: ...

    def _index_work(self, tx: _Tx, case: Case, events: Sequence[Event], due: Sequence[DueItem] | None) -> None:
        """Inside `commit`'s transaction: the case's inbox row and round-robin turns, from the events at hand."""
        item = work_item(case, due)
        if item is None:
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

    def directory_events(self, after: int = 0) -> list[DirectoryEvent]:
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
