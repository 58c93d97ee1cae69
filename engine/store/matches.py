"""The match-key index: the values an outside system finds a case by (the contract number an ERP sends), so an
inbound event reads the cases that carry the value, never every case of the process.

The runtime works out a case's keys (`engine/runtime/matching.py`: the fields its process's integrations match
on, from the latest version of each document) and hands them to `Store.commit`, which replaces the case's rows
in the same transaction as the events — a key is never ahead of or behind the document that carries it. A case
in a final state has none. Values are kept as canonical JSON text, so `"42"` and `42` stay different.

Stores made before the index existed get the table from their migration, marked for a backfill the runtime
does once (`match_backfill_pending` / `backfill_match_keys`): the store keeps rows and runs no process rule.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from .sql import Tx

_PENDING = "match_keys_backfill"

MIGRATION = [
    """CREATE TABLE match_keys (
        case_id TEXT NOT NULL REFERENCES cases (id), process_id TEXT NOT NULL, key TEXT NOT NULL,
        value TEXT NOT NULL, PRIMARY KEY (case_id, key))""",
    "CREATE INDEX match_keys_by_value ON match_keys (process_id, key, value)",
    # the cases already stored get theirs once (a new store has none, and nothing to fill)
    f"INSERT INTO meta SELECT '{_PENDING}', 'pending' WHERE EXISTS (SELECT 1 FROM cases)",
]


class MatchKey(NamedTuple):
    """One value a case can be found by: `key` names the field (`documents.contract.number`)."""

    case_id: str
    process_id: str
    key: str
    value: str  # canonical JSON of the field's value


class SQLMatches(ABC):
    """The SQL side: a mixin of `SQLStore` (its `_write`, `_read`)."""

    @abstractmethod
    def _write(self, action: str, work: Callable[[Tx], Any]) -> Any: ...

    @abstractmethod
    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[Any]: ...

    @staticmethod
    def _replace_match_keys(tx: Tx, case_id: str, keys: Sequence[MatchKey]) -> None:
        tx.execute("DELETE FROM match_keys WHERE case_id = ?", (case_id,))
        for key in keys:
            tx.execute("INSERT INTO match_keys VALUES (?, ?, ?, ?)", tuple(key))

    def matching(self, process_id: str, key: str, value: str) -> list[str]:
        rows = self._read(
            "SELECT case_id FROM match_keys WHERE process_id = ? AND key = ? AND value = ? ORDER BY case_id",
            (process_id, key, value),
        )
        return [str(row[0]) for row in rows]

    def match_backfill_pending(self) -> bool:
        return bool(self._read("SELECT 1 FROM meta WHERE key = ?", (_PENDING,)))

    def backfill_match_keys(self, keys: Iterable[MatchKey]) -> None:
        rows = list(keys)

        def work(tx: Tx) -> None:
            for key in rows:  # a commit that ran meanwhile wrote the newer value: keep it
                tx.execute("INSERT INTO match_keys VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING", tuple(key))
            tx.execute("DELETE FROM meta WHERE key = ?", (_PENDING,))

        self._write("backfill the match keys", work)


class MemoryMatches:
    """The memory store's side: the same answers from two dicts (by case, and by value)."""

    def __init__(self) -> None:
        super().__init__()  # cooperative: MemoryStore mixes several of these in
        self._match_lock = threading.Lock()
        self._match_keys: dict[str, tuple[MatchKey, ...]] = {}
        self._by_value: dict[tuple[str, str, str], set[str]] = {}

    def _replace_match_keys(self, case_id: str, keys: Sequence[MatchKey]) -> None:
        with self._match_lock:
            for old in self._match_keys.pop(case_id, ()):
                self._by_value.get(old[1:], set()).discard(case_id)
            self._add_match_keys(case_id, keys)

    def _add_match_keys(self, case_id: str, keys: Sequence[MatchKey]) -> None:
        if keys:
            self._match_keys[case_id] = (*self._match_keys.get(case_id, ()), *keys)
        for key in keys:
            self._by_value.setdefault(key[1:], set()).add(case_id)

    def matching(self, process_id: str, key: str, value: str) -> list[str]:
        return sorted(self._by_value.get((process_id, key, value), ()))

    def match_backfill_pending(self) -> bool:
        return False  # a memory store is never older than its code

    def backfill_match_keys(self, keys: Iterable[MatchKey]) -> None:
        with self._match_lock:
            for key in keys:
                if all(k.key != key.key for k in self._match_keys.get(key.case_id, ())):
                    self._add_match_keys(key.case_id, [key])
