"""SQLite's outbox claims, with no index entry for a message sent at once: the rows after a mark, in id order.

On SQLite an insert's every page is a WAL frame the commit writes (and, a thousand frames on, a checkpoint with
its fsyncs), so a message that goes out at once — most of them — enters no index: its id is past the mark, and
a claim reads the rows from the mark on, in id order (the table's own order). The claim index holds only the
pending rows that wait for later (`next_at > created_at`: a digest, quiet hours, a retry). One writer at a time
numbers rows in commit order, so the mark can move past every row before the first pending one that is not in
the index, and nothing committed later lands behind it; a row that becomes pending again (retried, or given back
for later) pulls the mark back to it. PostgreSQL numbers rows before they commit, so it keeps an index entry for
every pending row instead (engine/store/sql_outbox.py).

Invariant: every pending row is in the claim index or has an id at or after the mark (`meta.outbox_mark`).
It rests on ids never being reused: rows are never deleted (SQLite gives a new row the largest id plus one, so a
purge of the newest rows would let a new one land behind the mark; a purge must keep the newest row).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

WAITING = "status = 'pending' AND next_at > created_at"  # the claim index's rows on SQLite
AT_ONCE = "status = 'pending' AND next_at <= created_at"  # the rest of the pending rows: found from the mark
_MARK = "outbox_mark"


class _Tx(Protocol):
    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[Any]: ...


def candidates(tx: _Tx, free: str, stamp: str, limit: int) -> list[int]:
    """Up to `limit` ids of free rows due by `stamp`, the soonest first (then by digest and key); the mark
    moved up to the first pending row it guards."""
    found = tx.execute("SELECT value FROM meta WHERE key = ?", (_MARK,))
    mark = int(found[0][0]) if found else 0
    first = tx.execute(f"SELECT id FROM outbox WHERE id >= ? AND {AT_ONCE} ORDER BY id LIMIT 1", (mark,))
    moved = first[0][0] if first else max(mark, tx.execute("SELECT COALESCE(MAX(id), 0) FROM outbox")[0][0])
    if moved != mark:
        tx.execute(
            "INSERT INTO meta VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", (_MARK, str(moved))
        )
    columns = "id, next_at, COALESCE(digest, ''), key"
    rows = tx.execute(
        f"SELECT {columns} FROM outbox WHERE id >= ? AND {AT_ONCE} AND {free} ORDER BY id LIMIT ?",
        (moved, stamp, stamp, limit),
    )
    rows += tx.execute(
        f"SELECT {columns} FROM outbox WHERE {WAITING} AND {free} ORDER BY next_at, digest, key LIMIT ?",
        (stamp, stamp, limit),
    )
    return [r[0] for r in sorted(rows, key=lambda r: (r[1], r[2], r[3]))[:limit]]


def pull_back(tx: _Tx, ids: Sequence[int]) -> None:
    """Rows `ids` are pending again: the mark goes back to the first of them, if it is past it."""
    if ids:
        tx.execute(
            "UPDATE meta SET value = ? WHERE key = ? AND CAST(value AS INTEGER) > ?", (str(min(ids)), _MARK, min(ids))
        )
