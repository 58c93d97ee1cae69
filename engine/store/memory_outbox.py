"""The outbox of the in-process store: the same states and claims as the SQL stores, in a dict under a lock."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Sequence
from datetime import datetime

from .outbox import OutboxMessage, OutboxRow, Status, keys_matching


class MemoryOutbox:
    """The `OutboxStore` methods of `MemoryStore`; `_add_outbox` runs inside its commit, under its lock."""

    _lock: threading.Lock

    def __init__(self) -> None:
        super().__init__()  # cooperative: MemoryStore mixes several of these in
        self._outbox: dict[str, OutboxRow] = {}
        self._leases: dict[str, datetime] = {}

    def _add_outbox(self, messages: Sequence[OutboxMessage], created: datetime) -> None:
        for m in messages:
            self._outbox[m.key] = OutboxRow(m, "pending", 0, m.deliver_at, created)

    def _free(self, row: OutboxRow, now: datetime) -> bool:
        lease = self._leases.get(row.key)
        return row.status == "pending" and row.next_at <= now and (lease is None or lease < now)

    def outbox_claim(self, worker: str, now: datetime, lease_until: datetime, limit: int) -> list[OutboxRow]:
        with self._lock:
            ready = sorted(
                (r for r in self._outbox.values() if self._free(r, now)),
                key=lambda r: (r.next_at, r.message.digest or "", r.key),
            )
            chosen = ready[:limit]
            digests = {r.message.digest for r in chosen if r.message.digest}
            chosen += [r for r in ready[limit:] if r.message.digest in digests]
            claimed = []
            for row in chosen:
                self._leases[row.key] = lease_until
                claimed.append(dataclasses.replace(row, attempts=row.attempts + 1, worker=worker))
                self._outbox[row.key] = claimed[-1]
            return sorted(claimed, key=lambda r: (r.next_at, r.key))

    def _held(self, worker: str, keys: Sequence[str]) -> list[OutboxRow]:
        return [
            row for key in keys if (row := self._outbox.get(key)) and row.worker == worker and row.status == "pending"
        ]

    def outbox_sent(self, worker: str, keys: Sequence[str], now: datetime) -> None:
        with self._lock:
            for row in self._held(worker, keys):
                self._leases.pop(row.key, None)
                self._outbox[row.key] = dataclasses.replace(row, status="sent", sent_at=now, last_error=None)

    def outbox_failed(self, worker: str, keys: Sequence[str], error: str, retry_at: datetime | None) -> None:
        with self._lock:
            for row in self._held(worker, keys):
                self._leases.pop(row.key, None)
                self._outbox[row.key] = dataclasses.replace(
                    row, status="pending" if retry_at else "dead", next_at=retry_at or row.next_at, last_error=error
                )

    def outbox_list(
        self, *, status: Status | None = None, case_id: str | None = None, limit: int = 100, after: str | None = None
    ) -> list[OutboxRow]:
        cursor = self._outbox.get(after) if after is not None else None
        if after is not None and cursor is None:
            return []
        rows = [
            r
            for r in self._outbox.values()
            if (status is None or r.status == status)
            and (case_id is None or r.message.case_id == case_id)
            and (cursor is None or (r.created_at, r.key) > (cursor.created_at, cursor.key))
        ]
        return sorted(rows, key=lambda r: (r.created_at, r.key))[:limit]

    def _change(self, keys: Sequence[str], states: tuple[Status, ...], **changes: object) -> int:
        known = [key for key, row in self._outbox.items() if row.status in states]
        chosen = keys_matching(known, keys)
        for key in chosen:
            self._leases.pop(key, None)
            self._outbox[key] = dataclasses.replace(self._outbox[key], **changes)  # type: ignore[arg-type]
        return len(chosen)

    def outbox_retry(self, keys: Sequence[str] | None, now: datetime) -> int:
        with self._lock:
            if keys is None:
                keys = [key for key, row in self._outbox.items() if row.status == "dead"]
            return self._change(keys, ("dead", "discarded"), status="pending", attempts=0, next_at=now, worker=None)

    def outbox_discard(self, keys: Sequence[str]) -> int:
        with self._lock:
            return self._change(keys, ("pending", "dead"), status="discarded")
