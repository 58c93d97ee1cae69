"""What the SQL stores share: the tables, the schema migrations, and every query.

SQLite and PostgreSQL differ in how they connect, lock and report errors,
and in a few words of SQL (`FOR UPDATE SKIP LOCKED`); the subclasses supply
those, nothing else. Queries are written with `?` placeholders; a subclass
translates them if its driver wants another style. Instants are stored as
fixed-width UTC text, so text order is time order and one index serves both.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime
from functools import partial
from typing import Any, Protocol

from ..errors import CaseNotFound, ConflictError, StoreError
from ..fold import replay
from ..people_records import WorkItem
from ..records import Case, DocumentVersion, Event
from .access_sql import AccessQueries
from .base import DueItem
from .board_sql import BoardQueries
from .checkpoints_sql import SQLCheckpoints
from .follows_sql import SQLFollows
from .listing_sql import ListingQueries
from .matches import MatchKey, SQLMatches
from .migrations import MIGRATIONS, SCHEMA_VERSION
from .outbox import OutboxMessage
from .people_sql import DIRECTORY_WITH_CASE, PeopleTables
from .queue_sql import SQLQueue, due_columns
from .records import EVENT_FIELDS, event_from_row, event_row, utc, version_from_dict, version_to_dict
from .snapshots import agrees_with_chain, case_from_snapshot, snapshot_json
from .sql_outbox import SQLOutbox, insert_outbox
from .work import work_item
from .written import Written

_SET = "UPDATE cases SET state = ?, version = ?, updated_at = ?, definition_hash = ?, head = ?, snapshot = ?"
_UPDATE = _SET + " WHERE id = ? AND version = ?"
# a process with deadlines: the due index on the row too; one without never has any, and an UPDATE that assigns
# the indexed columns (even NULL to NULL) costs SQLite its partial indexes' upkeep at every step
_UPDATE_WITH_DUE = _SET + ", due_at = ?, alert_at = ?, due = ? WHERE id = ? AND version = ?"
_INSERT_EVENT = f"INSERT INTO events ({', '.join(EVENT_FIELDS)}) VALUES ({', '.join('?' for _ in EVENT_FIELDS)})"


class Tx(Protocol):
    """A transaction: run a statement, get its rows (empty for statements without results)."""

    dialect: str  # "sqlite" or "postgresql": for the few statements (a migration's DDL) that differ

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[Any]: ...

    def count(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run a write; how many rows it touched."""
        ...


class SQLStore(
    SQLOutbox,
    SQLFollows,
    SQLCheckpoints,
    SQLQueue,
    AccessQueries,
    PeopleTables,
    SQLMatches,
    BoardQueries,
    ListingQueries,
    ABC,
):
    """A `Store` over a SQL database; see the module docstring for what subclasses add."""

    name: str

    def __init__(self) -> None:
        super().__init__()
        self._written = Written()  # the cases this process committed, for a read that finds its own text
        self._case_sql = (  # `get`'s statement, spelled once: the driver's statement cache hashes its text
            f"SELECT cases.snapshot, events.seq, events.hash{DIRECTORY_WITH_CASE}{self.follows_with_case} "
            "FROM cases LEFT JOIN events "
            "ON events.case_id = cases.id AND events.seq = (SELECT MAX(seq) FROM events WHERE case_id = ?) "
            "WHERE cases.id = ?"
        )

    @abstractmethod
    def _transaction(self) -> AbstractContextManager[Tx]: ...

    @abstractmethod
    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[Any]: ...

    @abstractmethod
    def _has_table(self, tx: Tx, table: str) -> bool: ...

    @abstractmethod
    def _is_conflict(self, error: Exception) -> bool: ...

    @abstractmethod
    def _is_db_error(self, error: Exception) -> bool: ...

    def _write(self, action: str, work: Callable[[Tx], Any]) -> Any:
        """Run `work` in one transaction; driver errors become `StoreError`, duplicates `ConflictError`."""
        try:
            with self._transaction() as tx:
                return work(tx)
        except (ConflictError, StoreError, CaseNotFound):
            raise
        except Exception as exc:
            if self._is_conflict(exc):
                raise ConflictError(action, -1, None) from None
            if self._is_db_error(exc):
                raise StoreError(f"cannot write to {self.name}: {str(exc).strip()}") from None
            raise

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        try:
            return self._query(sql, params)
        except Exception as exc:
            if self._is_db_error(exc):
                raise StoreError(f"cannot read {self.name}: {str(exc).strip()}") from None
            raise

    # --- schema ------------------------------------------------------------------------

    def _migrate(self) -> None:
        """Bring the store to SCHEMA_VERSION in one transaction; refuse a newer one."""

        def work(tx: Tx) -> None:
            version = 0
            if self._has_table(tx, "meta"):
                rows = tx.execute("SELECT value FROM meta WHERE key = 'schema_version'")
                version = int(rows[0][0]) if rows else 0
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"{self.name} was written by a newer procflow (store schema {version}; this one knows "
                    f"{SCHEMA_VERSION}); upgrade procflow to open it"
                )
            for _title, statements in MIGRATIONS[version:]:
                for statement in statements:
                    if isinstance(statement, str):
                        tx.execute(statement)
                    else:
                        statement(tx)
            if version < SCHEMA_VERSION:
                tx.execute(
                    "INSERT INTO meta VALUES ('schema_version', ?) ON CONFLICT (key) DO UPDATE SET value = ?",
                    (str(SCHEMA_VERSION), str(SCHEMA_VERSION)),
                )

        self._write("schema", work)

    def _utc(self, at: datetime) -> str:
        return utc(at)

    def schema_version(self) -> int:
        rows = self._read("SELECT value FROM meta WHERE key = 'schema_version'")
        return int(rows[0][0]) if rows else 0

    # --- definitions ---------------------------------------------------------------------

    def save_definition(self, bundle: Mapping[str, Any]) -> None:
        def work(tx: Tx) -> None:
            if tx.execute("SELECT 1 FROM definitions WHERE content_hash = ?", (bundle["content_hash"],)):
                return
            registered = tx.execute("SELECT COALESCE(MAX(registered), 0) + 1 FROM definitions")[0][0]
            tx.execute(
                "INSERT INTO definitions VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (
                    bundle["content_hash"],
                    bundle["process"]["id"],
                    bundle["process"]["version"],
                    registered,
                    json.dumps(bundle, ensure_ascii=False),
                ),
            )

        self._write("definition", work)

    def load_definition(self, content_hash: str) -> Mapping[str, Any]:
        rows = self._read("SELECT bundle FROM definitions WHERE content_hash = ?", (content_hash,))
        if not rows:
            raise StoreError(f"no definition {content_hash[:12]} in {self.name}")
        bundle: Mapping[str, Any] = json.loads(rows[0][0])
        return bundle

    def latest_definition(self, process_id: str) -> str | None:
        rows = self._read(
            "SELECT content_hash FROM definitions WHERE process_id = ? ORDER BY registered DESC LIMIT 1", (process_id,)
        )
        return str(rows[0][0]) if rows else None

    def definitions(self, process_id: str | None = None) -> list[tuple[str, str, str]]:
        """(content hash, process id, version label) of every stored definition, oldest first."""
        sql = "SELECT content_hash, process_id, version FROM definitions"
        rows = self._read(
            sql + " WHERE process_id = ? ORDER BY registered" if process_id else sql + " ORDER BY registered",
            (process_id,) if process_id else (),
        )
        return [(r[0], r[1], r[2]) for r in rows]

    # --- cases ------------------------------------------------------------------------

    def commit(
        self,
        case: Case,
        events: Sequence[Event],
        due: Sequence[DueItem] | None = (),
        outbox: Sequence[OutboxMessage] = (),
        keys: Sequence[MatchKey] | None = None,
    ) -> None:
        expected = case.version - len(events)
        snapshot = snapshot_json(case)
        due_at, alert_at, due_text = due_columns(due)
        item = work_item(case, due)

        def work(tx: Tx) -> None:
            if expected == 0:  # a new case: a duplicate id fails on the primary key
                tx.execute(
                    "INSERT INTO cases (id, process_id, definition_hash, state, version, created_at, updated_at, head, "
                    "snapshot, due_at, alert_at, due) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        case.id,
                        case.process_id,
                        case.definition_hash,
                        case.state,
                        case.version,
                        utc(case.created_at),
                        utc(case.updated_at),
                        case.head,
                        snapshot,
                        due_at,
                        alert_at,
                        due_text,
                    ),
                )
            # the version check and the write in one statement, the due index with it; for a process with
            # deadlines, the row's trigger ends the claims on the case (schema 16, engine/store/queue_sql.py)
            elif not tx.count(
                _UPDATE if due is None else _UPDATE_WITH_DUE,
                (
                    case.state,
                    case.version,
                    utc(case.updated_at),
                    case.definition_hash,
                    case.head,
                    snapshot,
                    *(() if due is None else (due_at, alert_at, due_text)),
                    case.id,
                    expected,
                ),
            ):
                rows = tx.execute("SELECT version FROM cases WHERE id = ?", (case.id,))
                if not rows:
                    raise CaseNotFound(case.id)
                raise ConflictError(case.id, expected, rows[0][0])
            for event in events:
                tx.count(_INSERT_EVENT, event_row(event))
            if outbox:
                insert_outbox(tx, outbox, utc(case.updated_at), utc)
            self._index_work(tx, case, expected, item, events)
            if keys is not None:
                self._replace_match_keys(tx, case.id, keys)

        try:
            self._write(case.id, work)
        except ConflictError as exc:
            if exc.expected == -1:  # a duplicate key: someone else inserted the same case or event first
                raise ConflictError(case.id, expected, None) from None
            raise
        self._after_commit(self._settled, case, snapshot, expected, item)

    def _settled(self, case: Case, snapshot: str, expected: int, item: WorkItem | None) -> None:
        """A commit is durable: what this process's caches learn from it (the case as written, the follow
        choices its read stands for, whether it has an inbox row)."""
        self._written.keep(case, snapshot, partial(self.raw_events, case.id))
        self._committed(case.id, expected, case.version)
        self._work_committed(case, item)

    def stepping(self, case_id: str) -> AbstractContextManager[None]:
        return nullcontext()  # writers run side by side (PostgreSQL): the commit's version check decides

    def _after_commit(self, settled: Callable[..., None], *args: Any) -> None:
        """Run `settled(*args)` once the commit's transaction is durable: now, unless a step holds it."""
        settled(*args)

    # --- tamper evidence ---------------------------------------------------------------

    def raw_events(self, case_id: str) -> list[Event]:
        """The stored events of a case as they are, without replaying them (for verification)."""
        rows = self._read(f"SELECT {', '.join(EVENT_FIELDS)} FROM events WHERE case_id = ? ORDER BY seq", (case_id,))
        return [event_from_row(row) for row in rows]

    def raw_event_rows(self) -> list[Sequence[Any]]:
        """Every stored event row (EVENT_FIELDS order) of every case, by case and seq, in one read (to verify)."""
        return self._read(f"SELECT {', '.join(EVENT_FIELDS)} FROM events ORDER BY case_id, seq")

    def event_case_ids(self) -> list[str]:
        return [r[0] for r in self._read("SELECT DISTINCT case_id FROM events ORDER BY case_id")]

    def get(self, case_id: str) -> Case:
        """The case from its row's snapshot (one read, whatever the length of its history), checked against
        the last stored event in the same statement; a snapshot that ends elsewhere is refused, not trusted."""
        before = self._read_begins() if self.follows_with_case else None
        began = self._case_read_begins()
        rows = self._read(self._case_sql, (case_id, case_id))
        if not rows or rows[0][1] is None:
            raise CaseNotFound(case_id)
        text, last_seq, last_hash, directory_head = rows[0][:4]
        try:
            history = partial(self.raw_events, case_id)  # read on first look, not here
            case = self._written.find(case_id, text, history)
            if case is None:
                case = case_from_snapshot(text, history)
        except (ValueError, KeyError, TypeError) as exc:
            raise StoreError(f"the snapshot of case {case_id} cannot be read ({exc}); run 'procflow verify'") from None
        if not agrees_with_chain(case, last_seq, last_hash):
            raise StoreError(
                f"the snapshot of case {case_id} says version {case.version}, but its history ends at event "
                f"{last_seq}; the history is the truth and nothing was changed: run 'procflow verify'"
            )
        self._case_read(case, directory_head, began)
        if before is not None:
            self._read_along(case_id, case.version, rows[0][4], before)
        return case

    def cases_with_events(self, process_id: str) -> Iterator[Case]:
        """Every case of a process, replayed from one ordered read of their events (by case id)."""
        columns = ", ".join(f"events.{f}" for f in EVENT_FIELDS)
        rows = self._read(
            f"SELECT {columns} FROM events JOIN cases ON cases.id = events.case_id "
            "WHERE cases.process_id = ? ORDER BY events.case_id, events.seq",
            (process_id,),
        )
        batch: list[Event] = []
        for row in rows:
            event = event_from_row(row)
            if batch and event.case_id != batch[-1].case_id:
                yield replay(batch)
                batch = []
            batch.append(event)
        if batch:
            yield replay(batch)

    def case_ids(self, *, process_id: str | None = None, states: Sequence[str] | None = None) -> list[str]:
        sql, params = "SELECT id FROM cases WHERE 1 = 1", list[Any]()
        if process_id is not None:
            sql, params = sql + " AND process_id = ?", [*params, process_id]
        if states is not None:
            if not states:
                return []
            sql, params = sql + f" AND state IN ({', '.join('?' for _ in states)})", [*params, *states]
        return [r[0] for r in self._read(sql + " ORDER BY created_at, id", params)]

    def cases(self, *, process_id: str | None = None, state: str | None = None) -> Iterator[Case]:
        for case_id in self.case_ids(process_id=process_id, states=None if state is None else [state]):
            yield self.get(case_id)

    def count_by_definition(self, process_id: str) -> dict[str, int]:
        rows = self._read(
            "SELECT definition_hash, COUNT(*) FROM cases WHERE process_id = ? GROUP BY definition_hash", (process_id,)
        )
        return {r[0]: r[1] for r in rows}

    # --- shared documents ------------------------------------------------------------------

    def publish(self, process_id: str, version: DocumentVersion) -> None:
        def work(tx: Tx) -> None:
            tx.execute(
                "INSERT INTO shared_documents VALUES (?, ?, ?, ?)",
                (
                    process_id,
                    version.document,
                    version.version,
                    json.dumps(version_to_dict(version), ensure_ascii=False),
                ),
            )

        try:
            self._write(f"{process_id}/{version.document}", work)
        except ConflictError:
            raise ConflictError(f"{process_id}/{version.document}", version.version - 1, None) from None

    def shared(self, process_id: str) -> Mapping[str, tuple[DocumentVersion, ...]]:
        rows = self._read(
            "SELECT body FROM shared_documents WHERE process_id = ? ORDER BY document, version", (process_id,)
        )
        result: dict[str, tuple[DocumentVersion, ...]] = {}
        for (body,) in rows:
            version = version_from_dict(json.loads(body))
            result[version.document] = (*result.get(version.document, ()), version)
        return result
