"""The SQL stores' worker queue: the due index read by deadline, the leases workers claim on cases and
release, and each worker's heartbeat.

A mixin of `SQLStore`: it uses the store's `_write` (one transaction, driver errors as `StoreError`) and
`_read`. `commit` writes the due rows of a case (and drops its claims) in the case's own transaction; this
module only reads them and manages claims, so several workers can share one store.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .base import CaseSummary, DueItem, WorkerBeat
from .records import utc

if TYPE_CHECKING:
    from .sql import Tx

DUE_COLUMNS = "case_id, key, process_id, deadline_id, state, owner, due_at, alert_at, opened_at, provisional"

# schema 14: what `overdue` needs to judge a row without the case (engine/runtime/timekeeping.py); rows from
# before it have NULLs there and are judged from their case until its next commit rewrites them
MIGRATION = ["ALTER TABLE due ADD COLUMN opened_at TEXT", "ALTER TABLE due ADD COLUMN provisional INTEGER"]


def due_item(r: Sequence[Any]) -> DueItem:
    """A due row (DUE_COLUMNS order) as the store hands it out."""
    at = datetime.fromisoformat
    opened = at(r[8]) if r[8] else None
    return DueItem(r[0], r[1], r[2], r[3], r[4], r[5], at(r[6]), at(r[7]) if r[7] else None, opened, bool(r[9]))


class SQLQueue(ABC):
    """`due`, `claim`, `release`, `heartbeat` and `workers` of the Store Protocol over SQL."""

    skip_locked = ""  # PostgreSQL: " FOR UPDATE OF due SKIP LOCKED", so workers pick disjoint candidates

    @abstractmethod
    def _write(self, action: str, work: Callable[[Tx], Any]) -> Any: ...

    @abstractmethod
    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[Any]: ...

    def due(self, before: datetime, *, alerts: bool = False, limit: int | None = None) -> list[DueItem]:
        column = "alert_at" if alerts else "due_at"
        rows = self._read(
            f"SELECT {DUE_COLUMNS} FROM due WHERE {column} <= ? ORDER BY {column}, case_id, key LIMIT ?",
            (utc(before), 1 << 62 if limit is None else limit),
        )
        return [due_item(r) for r in rows]

    def due_cases(self, before: datetime) -> list[tuple[CaseSummary, list[DueItem]]]:
        """Every due row of each case with one due by `before`, joined to the case row: one query, on the
        due index for the cases and the primary keys for their rows."""
        rows = self._read(
            f"SELECT {', '.join(f'due.{c}' for c in DUE_COLUMNS.split(', '))}, cases.definition_hash, "
            "cases.state, cases.version, cases.created_at, cases.updated_at FROM due "
            "JOIN cases ON cases.id = due.case_id "
            "WHERE due.case_id IN (SELECT case_id FROM due WHERE due_at <= ?) ORDER BY due.case_id, due.key",
            (utc(before),),
        )
        found: dict[str, tuple[CaseSummary, list[DueItem]]] = {}
        for r in rows:
            entry = found.get(r[0])
            if entry is None:
                at = datetime.fromisoformat
                summary = CaseSummary(r[0], r[2], r[10], r[11], r[12], at(r[13]), at(r[14]))
                entry = found[r[0]] = (summary, [])
            entry[1].append(due_item(r))
        return list(found.values())

    def claim(self, worker: str, now: datetime, lease_until: datetime, limit: int) -> list[str]:

        def work(tx: Tx) -> list[str]:
            rows = tx.execute(
                "SELECT due.case_id FROM due LEFT JOIN claims ON claims.case_id = due.case_id "
                "WHERE due.alert_at <= ? AND (claims.lease_until IS NULL OR claims.lease_until < ?) "
                "ORDER BY due.alert_at, due.case_id LIMIT ?" + self.skip_locked,
                (utc(now), utc(now), limit * 4),
            )
            taken = []
            for case_id in list(dict.fromkeys(r[0] for r in rows))[:limit]:
                won = tx.execute(  # atomic per row: of two workers upserting one claim, one sees RETURNING
                    "INSERT INTO claims VALUES (?, ?, ?) ON CONFLICT (case_id) DO UPDATE "
                    "SET worker = excluded.worker, lease_until = excluded.lease_until "
                    "WHERE claims.lease_until < ? RETURNING case_id",
                    (case_id, worker, utc(lease_until), utc(now)),
                )
                if won:
                    taken.append(case_id)
            return taken

        result: list[str] = self._write("claims", work)
        return result

    def release(self, worker: str, case_ids: Sequence[str]) -> None:
        def work(tx: Tx) -> None:
            for case_id in case_ids:
                tx.execute("DELETE FROM claims WHERE case_id = ? AND worker = ?", (case_id, worker))

        self._write("claims", work)

    def heartbeat(self, worker: str, host: str, pid: int, started_at: datetime, now: datetime, handled: int) -> None:
        def work(tx: Tx) -> None:
            tx.execute(
                "INSERT INTO workers VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (worker) DO UPDATE "
                "SET beat_at = ?, handled = ?",
                (worker, host, pid, utc(started_at), utc(now), handled, utc(now), handled),
            )

        self._write("heartbeat", work)

    def workers(self) -> list[WorkerBeat]:
        rows = self._read("SELECT worker, host, pid, beat_at, handled FROM workers ORDER BY worker")
        return [WorkerBeat(r[0], r[1], r[2], r[3], r[4]) for r in rows]
