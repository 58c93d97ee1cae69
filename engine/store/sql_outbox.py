"""The outbox on the SQL stores: rows written inside `commit`'s transaction, claimed by workers with leases.

Kept apart from `sql.py` so the outbox is one readable piece; `SQLStore` mixes it in. Claims are one
`UPDATE … RETURNING` over candidates picked (on PostgreSQL) with `FOR UPDATE SKIP LOCKED`, so several workers
take disjoint messages; SQLite's write lock does the same on one machine.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Protocol

from .outbox import STATUSES, OutboxMessage, OutboxRow, Status, keys_matching

COLUMNS = (
    "key, case_id, seq, person, channel, kind, deliver_at, payload, digest, urgent, "
    "status, attempts, next_at, created_at, last_error, sent_at, worker"
)
_FREE = "status = 'pending' AND next_at <= ? AND (lease_until IS NULL OR lease_until < ?)"

MIGRATION = [  # v8: the outbox, and the indexes workers claim by (few: every index is a page more per commit)
    """CREATE TABLE outbox (
        key TEXT PRIMARY KEY, case_id TEXT NOT NULL, seq INTEGER NOT NULL, person TEXT NOT NULL,
        channel TEXT NOT NULL, kind TEXT NOT NULL, deliver_at TEXT NOT NULL, payload TEXT NOT NULL, digest TEXT,
        urgent INTEGER NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL, next_at TEXT NOT NULL,
        created_at TEXT NOT NULL, last_error TEXT, sent_at TEXT, worker TEXT, lease_until TEXT)""",
    "CREATE INDEX outbox_ready ON outbox (status, next_at)",
    "CREATE INDEX outbox_by_digest ON outbox (digest) WHERE digest IS NOT NULL",
]


class _Tx(Protocol):
    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[Any]: ...

    def count(self, sql: str, params: Sequence[Any] = ()) -> int: ...


def insert_outbox(tx: _Tx, messages: Sequence[OutboxMessage], created: str, utc: Callable[[datetime], str]) -> None:
    """Write `messages` as pending rows, in the caller's transaction (the event's own), in one statement."""
    row = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, NULL, NULL, NULL)"  # … next_at, created_at
    values: list[Any] = []
    for m in messages:
        at = utc(m.deliver_at)
        values += (m.key, m.case_id, m.seq, m.person, m.channel, m.kind, at, m.payload_json(), m.digest, int(m.urgent))
        values += (at, created)
    tx.execute(f"INSERT INTO outbox ({COLUMNS}) VALUES {', '.join(row for _ in messages)}", values)


def row_from(r: Sequence[Any]) -> OutboxRow:
    message = OutboxMessage(
        r[1], r[2], r[3], r[4], r[5], datetime.fromisoformat(r[6]), json.loads(r[7]), r[8], bool(r[9])
    )
    status: Status = r[10] if r[10] in STATUSES else "pending"
    return OutboxRow(
        message,
        status,
        r[11],
        datetime.fromisoformat(r[12]),
        datetime.fromisoformat(r[13]),
        r[14],
        datetime.fromisoformat(r[15]) if r[15] else None,
        r[16],
    )


class SQLOutbox:
    """The `OutboxStore` methods of a SQL store (see `procflow.store.outbox`)."""

    outbox_skip_locked = ""  # PostgreSQL: " FOR UPDATE SKIP LOCKED"

    def _write(self, action: str, work: Callable[[Any], Any]) -> Any:
        raise NotImplementedError

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        raise NotImplementedError

    def _utc(self, at: datetime) -> str:
        raise NotImplementedError

    def outbox_claim(self, worker: str, now: datetime, lease_until: datetime, limit: int) -> list[OutboxRow]:
        stamp, until = self._utc(now), self._utc(lease_until)
        take = f"UPDATE outbox SET worker = ?, lease_until = ?, attempts = attempts + 1 WHERE {_FREE} AND "

        def work(tx: _Tx) -> list[OutboxRow]:
            picked = [  # locked (PostgreSQL) so a parallel claim skips them; then taken in one statement
                r[0]
                for r in tx.execute(
                    f"SELECT key FROM outbox WHERE {_FREE} ORDER BY next_at, digest, key LIMIT ?"
                    + self.outbox_skip_locked,
                    (stamp, stamp, limit),
                )
            ]
            if not picked:
                return []
            marks = ", ".join("?" for _ in picked)
            rows = tx.execute(take + f"key IN ({marks}) RETURNING {COLUMNS}", (worker, until, stamp, stamp, *picked))
            for digest in sorted({r[8] for r in rows if r[8]}):  # the rest of each digest goes with it
                rows += tx.execute(take + f"digest = ? RETURNING {COLUMNS}", (worker, until, stamp, stamp, digest))
            return sorted((row_from(r) for r in rows), key=lambda row: (row.next_at, row.key))

        claimed: list[OutboxRow] = self._write("outbox", work)
        return claimed

    def outbox_sent(self, worker: str, keys: Sequence[str], now: datetime) -> None:
        def work(tx: _Tx) -> None:
            for key in keys:
                tx.execute(
                    "UPDATE outbox SET status = 'sent', sent_at = ?, lease_until = NULL, last_error = NULL "
                    "WHERE key = ? AND worker = ? AND status = 'pending'",
                    (self._utc(now), key, worker),
                )

        self._write("outbox", work)

    def outbox_failed(self, worker: str, keys: Sequence[str], error: str, retry_at: datetime | None) -> None:
        status = "pending" if retry_at else "dead"

        def work(tx: _Tx) -> None:
            for key in keys:
                tx.execute(
                    "UPDATE outbox SET status = ?, next_at = COALESCE(?, next_at), lease_until = NULL, "
                    "last_error = ? WHERE key = ? AND worker = ? AND status = 'pending'",
                    (status, self._utc(retry_at) if retry_at else None, error[:2000], key, worker),
                )

        self._write("outbox", work)

    def outbox_list(
        self, *, status: Status | None = None, case_id: str | None = None, limit: int = 100, after: str | None = None
    ) -> list[OutboxRow]:
        sql, params = f"SELECT {COLUMNS} FROM outbox WHERE 1 = 1", list[Any]()
        if after is not None:  # (created_at, key) after the cursor's row, by the primary key and the order below
            mark = "(SELECT created_at FROM outbox WHERE key = ?)"
            sql += f" AND (created_at > {mark} OR (created_at = {mark} AND key > ?))"
            params += [after, after, after]
        if status is not None:
            sql, params = sql + " AND status = ?", [*params, status]
        if case_id is not None:
            sql, params = sql + " AND case_id = ?", [*params, case_id]
        return [row_from(r) for r in self._read(sql + " ORDER BY created_at, key LIMIT ?", [*params, limit])]

    def outbox_retry(self, keys: Sequence[str] | None, now: datetime) -> int:
        def work(tx: _Tx) -> int:
            if keys is None:
                chosen = [r[0] for r in tx.execute("SELECT key FROM outbox WHERE status = 'dead'")]
            else:
                known = [r[0] for r in tx.execute("SELECT key FROM outbox WHERE status IN ('dead', 'discarded')")]
                chosen = keys_matching(known, keys)
            return sum(
                tx.count(
                    "UPDATE outbox SET status = 'pending', attempts = 0, next_at = ?, lease_until = NULL, "
                    "worker = NULL WHERE key = ? AND status IN ('dead', 'discarded')",
                    (self._utc(now), key),
                )
                for key in chosen
            )

        changed: int = self._write("outbox", work)
        return changed

    def outbox_discard(self, keys: Sequence[str]) -> int:
        def work(tx: _Tx) -> int:
            known = [r[0] for r in tx.execute("SELECT key FROM outbox WHERE status IN ('pending', 'dead')")]
            return sum(
                tx.count(
                    "UPDATE outbox SET status = 'discarded', lease_until = NULL WHERE key = ? "
                    "AND status IN ('pending', 'dead')",
                    (key,),
                )
                for key in keys_matching(known, keys)
            )

        changed: int = self._write("outbox", work)
        return changed
