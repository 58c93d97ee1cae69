"""The default store: one SQLite file, events as the truth, a case row as the query snapshot.

WAL mode, `BEGIN IMMEDIATE` for writes and a busy timeout let several
processes on one machine share the file without "database is locked"
errors; every commit is one transaction.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..errors import StoreError
from .migrations import SCHEMA_VERSION
from .registry import register_store
from .sql import SQLStore, Tx

__all__ = ["SCHEMA_VERSION", "SQLiteStore"]

BUSY_TIMEOUT_S = 30.0


def _path_from_url(url: str) -> str:
    if not url.startswith("sqlite:///"):
        raise StoreError(f"{url!r}: write sqlite:///relative/path.db or sqlite:////absolute/path.db")
    return url.removeprefix("sqlite:///") or "procflow.db"


class _Tx:
    dialect = "sqlite"

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        return self.db.execute(sql, tuple(params)).fetchall()

    def count(self, sql: str, params: Sequence[Any] = ()) -> int:
        return self.db.execute(sql, tuple(params)).rowcount


class _Transaction:
    """BEGIN IMMEDIATE … COMMIT, or ROLLBACK on any error (unless SQLite already rolled back). Inside a step that
    holds the transaction (`SQLiteStore.stepping`) the work joins it: its COMMIT is the step's, at the step's
    end, and an error rolls the whole step back (what the step does after that begins a transaction of its own)."""

    def __init__(self, store: SQLiteStore) -> None:
        self.store, self.db, self.lock = store, store._db, store._lock
        self.joined = False

    def __enter__(self) -> _Tx:
        self.lock.acquire()
        if self.store._held:
            self.joined = True
            return _Tx(self.db)
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except BaseException:
            self.lock.release()
            raise
        return _Tx(self.db)

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: object) -> None:
        try:
            if self.joined:
                if kind is not None:
                    self.store._end_held()
                return
            if kind is None:
                try:
                    self.db.execute("COMMIT")
                    return
                except sqlite3.Error:
                    if self.db.in_transaction:
                        self.db.execute("ROLLBACK")
                    raise
            if self.db.in_transaction:  # SQLite may already have rolled back (e.g. on a full disk)
                self.db.execute("ROLLBACK")
        finally:
            self.lock.release()


class _Step:
    """`SQLiteStore.stepping`'s context (a class, not a generator: it wraps every step by case id)."""

    __slots__ = ("holds", "store")

    def __init__(self, store: SQLiteStore) -> None:
        self.store, self.holds = store, False

    def __enter__(self) -> None:
        store = self.store
        store._lock.acquire()
        self.holds = not (store._held or store._db.in_transaction)
        if self.holds:
            try:
                store._begin_held()
            except BaseException:
                store._lock.release()
                raise

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: object) -> None:
        store = self.store
        try:
            if self.holds:
                if kind is None:
                    store._commit_held()
                else:
                    store._end_held()
        finally:
            store._lock.release()


class SQLiteStore(SQLStore):
    def __init__(self, path: str | Path) -> None:
        super().__init__()
        self.path = self.name = str(path)
        self._lock = threading.RLock()
        self._held = False  # a step holds the write transaction (`stepping`); only its thread, under the lock
        self._settle: list[tuple[Callable[..., None], tuple[Any, ...]]] = []  # what its commits learn, once durable
        if self.path != ":memory:" and not Path(self.path).parent.is_dir():
            raise StoreError(f"cannot open {self.path}: the folder {Path(self.path).parent} does not exist")
        try:
            self._db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
            self._db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")
            self._db.execute("PRAGMA foreign_keys = ON")
        except sqlite3.Error as exc:
            hint = ""
            if self.path != ":memory:" and not os.access(Path(self.path).parent, os.W_OK):
                hint = " (its folder is read-only: SQLite needs to write the file and its -wal and -shm files there)"
            raise StoreError(f"cannot open the store {self.path}: {exc}{hint}") from None
        self._migrate()

    @classmethod
    def from_url(cls, url: str) -> SQLiteStore:
        return cls(_path_from_url(url))

    def _transaction(self) -> _Transaction:
        return _Transaction(self)

    def stepping(self, case_id: str) -> _Step:
        """SQLite writes one transaction at a time: a step takes the write lock before it reads the case, so it
        reads inside its write transaction (one lock, not a read's and then a write's) and no other writer can
        move the case in between. Other processes' readers go on reading (WAL); their writers wait for the step
        as they would for its commit. Nested in another step, or in a transaction, it adds nothing."""
        return _Step(self)

    def _begin_held(self) -> None:
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise StoreError(f"cannot write to {self.name}: {str(exc).strip()}") from None
        self._held, self._settle = True, []

    def _commit_held(self) -> None:
        settle, self._held, self._settle = self._settle, False, []
        try:
            if self._db.in_transaction:
                self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise StoreError(f"cannot write to {self.name}: {str(exc).strip()}") from None
        for settled, args in settle:
            settled(*args)

    def _end_held(self) -> None:
        """Roll the held step back: nothing it wrote stays, and nothing is settled."""
        self._held, self._settle = False, []
        if self._db.in_transaction:
            self._db.execute("ROLLBACK")

    def _after_commit(self, settled: Callable[..., None], *args: Any) -> None:
        if self._held:
            self._settle.append((settled, args))
        else:
            settled(*args)

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        with self._lock:
            return self._db.execute(sql, tuple(params)).fetchall()

    def _has_table(self, tx: Tx, table: str) -> bool:
        return bool(tx.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)))

    def _is_conflict(self, error: Exception) -> bool:
        return isinstance(error, sqlite3.IntegrityError)

    def _is_db_error(self, error: Exception) -> bool:
        return isinstance(error, sqlite3.Error)

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _exists(url: str) -> bool:
    path = _path_from_url(url)
    return path == ":memory:" or Path(path).is_file()


register_store("sqlite", SQLiteStore.from_url, _exists)
