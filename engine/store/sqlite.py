"""The default store: one SQLite file, events as the truth, a case row as the query snapshot.

WAL mode, `BEGIN IMMEDIATE` for writes and a busy timeout let several
processes on one machine share the file; every commit is one transaction.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from engine.errors import CaseNotFound, ConflictError, StoreError
from engine.runtime.case import Case, DocumentVersion, Event, replay
from engine.store.base import DueItem, register_store
from engine.store.records import EVENT_FIELDS, event_from_dict, event_to_dict, version_from_dict, version_to_dict

SCHEMA_VERSION = 1
BUSY_TIMEOUT_S = 30.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS definitions (
    content_hash TEXT PRIMARY KEY,
    process_id TEXT NOT NULL,
    version TEXT NOT NULL,
    registered INTEGER NOT NULL,
    bundle TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS definitions_by_process ON definitions (process_id, registered);
CREATE TABLE IF NOT EXISTS cases (
    id TEXT PRIMARY KEY,
    process_id TEXT NOT NULL,
    definition_hash TEXT NOT NULL REFERENCES definitions (content_hash),
    state TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS cases_by_state ON cases (process_id, state);
CREATE TABLE IF NOT EXISTS events (
    case_id TEXT NOT NULL REFERENCES cases (id),
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    role TEXT NOT NULL,
    definition_hash TEXT NOT NULL,
    trigger TEXT,
    source TEXT,
    dest TEXT,
    document TEXT,
    document_version INTEGER,
    document_hash TEXT,
    data TEXT,
    PRIMARY KEY (case_id, seq)
);
CREATE TABLE IF NOT EXISTS due (
    case_id TEXT NOT NULL REFERENCES cases (id),
    key TEXT NOT NULL,
    process_id TEXT NOT NULL,
    deadline_id TEXT NOT NULL,
    state TEXT NOT NULL,
    owner TEXT,
    due_at TEXT NOT NULL,
    alert_at TEXT,
    PRIMARY KEY (case_id, key)
);
CREATE INDEX IF NOT EXISTS due_by_time ON due (due_at);
CREATE INDEX IF NOT EXISTS due_by_alert ON due (alert_at) WHERE alert_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS shared_documents (
    process_id TEXT NOT NULL,
    document TEXT NOT NULL,
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (process_id, document, version)
);
"""


def _utc(at: datetime) -> str:
    """Instants as sortable UTC text, so an index orders them correctly."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


def _path_from_url(url: str) -> str:
    if not url.startswith("sqlite:///"):
        raise StoreError(f"{url!r}: write sqlite:///relative/path.db or sqlite:////absolute/path.db")
    return url.removeprefix("sqlite:///") or "procflow.db"


class SQLiteStore:
    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._lock = threading.RLock()
        try:
            if self.path != ":memory:":
                parent = Path(self.path).parent
                if not parent.is_dir():
                    raise StoreError(f"cannot open {self.path}: the folder {parent} does not exist")
            self._db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
            self._db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")
            self._db.execute("PRAGMA foreign_keys = ON")
            self._migrate()
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the store {self.path}: {exc}") from None

    @classmethod
    def from_url(cls, url: str) -> SQLiteStore:
        return cls(_path_from_url(url))

    def _migrate(self) -> None:
        with self._write() as db:
            found = db.execute("SELECT name FROM sqlite_master WHERE type='table' AND name='meta'").fetchone()
            version = None
            if found:
                row = db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
                version = int(row[0]) if row else None
            if version is not None and version > SCHEMA_VERSION:
                raise StoreError(
                    f"{self.path} was written by a newer procflow (store schema {version}; this one knows "
                    f"{SCHEMA_VERSION}); upgrade procflow to open it"
                )
            if version is None:
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise StoreError(f"cannot write to {self.path}: {exc}") from None
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            try:
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                self._db.execute("ROLLBACK")
                raise StoreError(f"cannot write to {self.path}: {exc}") from None

    def save_definition(self, bundle: Mapping[str, Any]) -> None:
        try:
            with self._write() as db:
                next_seq = db.execute("SELECT COALESCE(MAX(registered), 0) + 1 FROM definitions").fetchone()[0]
                db.execute(
                    "INSERT OR IGNORE INTO definitions VALUES (?, ?, ?, ?, ?)",
                    (
                        bundle["content_hash"],
                        bundle["process"]["id"],
                        bundle["process"]["version"],
                        next_seq,
                        json.dumps(bundle, ensure_ascii=False),
                    ),
                )
        except sqlite3.Error as exc:
            raise StoreError(f"cannot write to {self.path}: {exc}") from None

    def load_definition(self, content_hash: str) -> Mapping[str, Any]:
        rows = self._read("SELECT bundle FROM definitions WHERE content_hash = ?", (content_hash,))
        row = rows[0] if rows else None
        if row is None:
            raise StoreError(f"no definition {content_hash[:12]} in {self.path}")
        bundle: Mapping[str, Any] = json.loads(row[0])
        return bundle

    def latest_definition(self, process_id: str) -> str | None:
        rows = self._read(
            "SELECT content_hash FROM definitions WHERE process_id = ? ORDER BY registered DESC LIMIT 1", (process_id,)
        )
        return rows[0][0] if rows else None

    def commit(self, case: Case, events: Sequence[Event], due: Sequence[DueItem] = ()) -> None:
        expected = case.version - len(events)
        columns = ", ".join(EVENT_FIELDS)
        marks = ", ".join("?" for _ in EVENT_FIELDS)
        try:
            with self._write() as db:
                row = db.execute("SELECT version FROM cases WHERE id = ?", (case.id,)).fetchone()
                found = row[0] if row else 0
                if found != expected:
                    raise ConflictError(case.id, expected, found)
                if row is None:
                    db.execute(
                        "INSERT INTO cases VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (
                            case.id,
                            case.process_id,
                            case.definition_hash,
                            case.state,
                            case.version,
                            case.created_at.isoformat(),
                            case.updated_at.isoformat(),
                        ),
                    )
                else:
                    db.execute(
                        "UPDATE cases SET state = ?, version = ?, updated_at = ?, definition_hash = ? WHERE id = ?",
                        (case.state, case.version, case.updated_at.isoformat(), case.definition_hash, case.id),
                    )
                for event in events:
                    values = event_to_dict(event)
                    values["data"] = None if values["data"] is None else json.dumps(values["data"], ensure_ascii=False)
                    db.execute(f"INSERT INTO events ({columns}) VALUES ({marks})", [values[f] for f in EVENT_FIELDS])
                db.execute("DELETE FROM due WHERE case_id = ?", (case.id,))
                db.executemany(
                    "INSERT INTO due VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        (
                            d.case_id,
                            d.key,
                            d.process_id,
                            d.deadline_id,
                            d.state,
                            d.owner,
                            _utc(d.due_at),
                            _utc(d.alert_at) if d.alert_at else None,
                        )
                        for d in due
                    ],
                )
        except sqlite3.Error as exc:
            raise StoreError(f"cannot write to {self.path}: {exc}") from None

    def due(self, before: datetime, *, alerts: bool = False, limit: int | None = None) -> list[DueItem]:
        column = "alert_at" if alerts else "due_at"
        rows = self._read(
            f"SELECT case_id, key, process_id, deadline_id, state, owner, due_at, alert_at FROM due "
            f"WHERE {column} <= ? ORDER BY {column}, case_id, key LIMIT ?",
            (_utc(before), -1 if limit is None else limit),
        )
        return [
            DueItem(
                r[0],
                r[1],
                r[2],
                r[3],
                r[4],
                r[5],
                datetime.fromisoformat(r[6]),
                datetime.fromisoformat(r[7]) if r[7] else None,
            )
            for r in rows
        ]

    def get(self, case_id: str) -> Case:
        rows = self._read(f"SELECT {', '.join(EVENT_FIELDS)} FROM events WHERE case_id = ? ORDER BY seq", (case_id,))
        events = []
        for row in rows:
            values = dict(zip(EVENT_FIELDS, row, strict=True))
            values["data"] = None if values["data"] is None else json.loads(values["data"])
            events.append(event_from_dict(values))
        if not events:
            raise CaseNotFound(case_id)
        return replay(events)

    def cases(self, *, process_id: str | None = None, state: str | None = None) -> Iterator[Case]:
        query, args = "SELECT id FROM cases WHERE 1=1", list[str]()
        if process_id is not None:
            query, args = query + " AND process_id = ?", [*args, process_id]
        if state is not None:
            query, args = query + " AND state = ?", [*args, state]
        for (case_id,) in self._read(query + " ORDER BY created_at, id", tuple(args)):
            yield self.get(case_id)

    def publish(self, process_id: str, version: DocumentVersion) -> None:
        try:
            with self._write() as db:
                db.execute(
                    "INSERT INTO shared_documents VALUES (?, ?, ?, ?)",
                    (
                        process_id,
                        version.document,
                        version.version,
                        json.dumps(version_to_dict(version), ensure_ascii=False),
                    ),
                )
        except sqlite3.IntegrityError:
            raise ConflictError(f"{process_id}/{version.document}", version.version - 1, None) from None
        except sqlite3.Error as exc:
            raise StoreError(f"cannot write to {self.path}: {exc}") from None

    def shared(self, process_id: str) -> Mapping[str, tuple[DocumentVersion, ...]]:
        rows = self._read(
            "SELECT body FROM shared_documents WHERE process_id = ? ORDER BY document, version", (process_id,)
        )
        result: dict[str, tuple[DocumentVersion, ...]] = {}
        for (body,) in rows:
            version = version_from_dict(json.loads(body))
            result[version.document] = (*result.get(version.document, ()), version)
        return result

    def _read(self, query: str, args: tuple[Any, ...]) -> list[Any]:
        with self._lock:
            try:
                return self._db.execute(query, args).fetchall()
            except sqlite3.Error as exc:
                raise StoreError(f"cannot read {self.path}: {exc}") from None

    def close(self) -> None:
        with self._lock:
            self._db.close()


register_store("sqlite", SQLiteStore.from_url)
