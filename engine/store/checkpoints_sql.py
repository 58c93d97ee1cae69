"""The SQL stores' tamper-evidence checkpoints: each case's head now, the numbered checkpoints that seal
them, the heads each checkpoint saw, and the statements signed over them.

A mixin of `SQLStore`, like the outbox and follows tables: it uses the store's `_write` (one transaction,
driver errors as `StoreError`) and `_read`. Kept apart from the case queries because only the tamper
evidence (`procflow.evidence`) reads or writes these tables.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .base import NO_CHECKPOINT, Checkpoint, Head, checkpoint_seal
from .records import utc

if TYPE_CHECKING:
    from .sql import Tx


class SQLCheckpoints(ABC):
    """`heads`, `add_checkpoint`, `checkpoints`, `checkpoint_heads` and the signed checkpoints over SQL."""

    @abstractmethod
    def _write(self, action: str, work: Callable[[Tx], Any]) -> Any: ...

    @abstractmethod
    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[Any]: ...

    def heads(self) -> list[Head]:
        return [Head(r[0], r[1], r[2]) for r in self._read("SELECT id, version, head FROM cases ORDER BY id")]

    def add_checkpoint(self, at: datetime, root: str, heads: Sequence[tuple[str, int, str | None]]) -> tuple[int, str]:
        def work(tx: Tx) -> tuple[int, str]:
            last = tx.execute("SELECT number, hash FROM checkpoints ORDER BY number DESC LIMIT 1")
            number, prev = (last[0][0] + 1, last[0][1]) if last else (1, NO_CHECKPOINT)
            stamp = utc(at)
            sealed = checkpoint_seal(number, stamp, root, prev, len(heads))
            tx.execute(
                "INSERT INTO checkpoints VALUES (?, ?, ?, ?, ?, ?)", (number, stamp, len(heads), root, prev, sealed)
            )
            for case_id, version, head in heads:
                tx.execute("INSERT INTO checkpoint_heads VALUES (?, ?, ?, ?)", (number, case_id, version, head))
            return number, sealed

        result: tuple[int, str] = self._write("checkpoint", work)
        return result

    def checkpoints(self) -> list[Checkpoint]:
        rows = self._read("SELECT number, at, cases, root, prev, hash FROM checkpoints ORDER BY number")
        return [Checkpoint(r[0], r[1], r[2], r[3], r[4], r[5]) for r in rows]

    def checkpoint_heads(self, number: int) -> list[Head]:
        rows = self._read(
            "SELECT case_id, version, head FROM checkpoint_heads WHERE number = ? ORDER BY case_id", (number,)
        )
        return [Head(r[0], r[1], r[2]) for r in rows]

    def add_signed_checkpoint(self, number: int, key_id: str, statement: str, signature: str) -> None:
        """Keep a checkpoint's signed statement (the signature is made outside the store, by the key holder)."""

        def work(tx: Tx) -> None:
            tx.execute("INSERT INTO signed_checkpoints VALUES (?, ?, ?, ?)", (number, key_id, statement, signature))

        self._write("signed checkpoint", work)

    def signed_checkpoints(self) -> list[tuple[int, str, str, str]]:
        """(number, key id, statement, signature) of every signed checkpoint, oldest first."""
        rows = self._read("SELECT number, key_id, statement, signature FROM signed_checkpoints ORDER BY number")
        return [(r[0], r[1], r[2], r[3]) for r in rows]
