"""The SQL stores' worker queue: the due index read by deadline, the leases workers claim on cases and
release, and each worker's heartbeat.

A case's due items live on its own row (schema 15): the earliest due time and the earliest alert in two
indexed columns, the items themselves as JSON beside them. A step rewrites them in the UPDATE it makes of the
case row anyway, so keeping the index costs a step no statement of its own; a separate table of due rows cost
three statements and four more pages written per step (its table, its key and two time indexes).

A mixin of `SQLStore`: it uses the store's `_write` (one transaction, driver errors as `StoreError`) and
`_read`. `commit` writes the due columns of a case in the case's own transaction, and the trigger of schema 16
drops the case's claims in the same statement; this module only reads them and manages claims, so several
workers can share one store.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from datetime import datetime
from json.encoder import encode_basestring
from typing import TYPE_CHECKING, Any

from .base import CaseSummary, DueItem, WorkerBeat
from .records import utc

if TYPE_CHECKING:
    from .sql import Tx

DUE_COLUMNS = "case_id, key, process_id, deadline_id, state, owner, due_at, alert_at, opened_at, provisional"

# schema 14: what `overdue` needs to judge a row without the case (engine/runtime/timekeeping.py); rows from
# before it have NULLs there and are judged from their case until its next commit rewrites them
MIGRATION = ["ALTER TABLE due ADD COLUMN opened_at TEXT", "ALTER TABLE due ADD COLUMN provisional INTEGER"]

# schema 16: a step that rewrites a case's due items ends every claim on the case (a worker's lease ends with the
# step it took, and a person's step takes the case back from a worker). `UPDATE OF due` fires exactly when the
# UPDATE assigns the due columns, which a step of a process with deadlines does and no other step does. The
# delete runs inside that UPDATE, so the step needs no DELETE statement of its own.
_END_CLAIMS = "DELETE FROM claims WHERE case_id = NEW.id"
_CLAIMS_TRIGGER_SQLITE = f"CREATE TRIGGER cases_end_claims AFTER UPDATE OF due ON cases BEGIN {_END_CLAIMS}; END"
_CLAIMS_FUNCTION_POSTGRESQL = (  # the tables the function names are the ones of the schema it was made in
    "CREATE FUNCTION procflow_end_claims() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT "
    f"AS $$ BEGIN {_END_CLAIMS}; RETURN NULL; END $$"
)
_CLAIMS_TRIGGER_POSTGRESQL = (
    "CREATE TRIGGER cases_end_claims AFTER UPDATE OF due ON cases FOR EACH ROW EXECUTE FUNCTION procflow_end_claims()"
)


def claims_end_with_step(tx: Tx) -> None:
    """Schema 16: the trigger that ends a case's claims when a step rewrites its due items."""
    if tx.dialect == "postgresql":
        tx.execute(_CLAIMS_FUNCTION_POSTGRESQL)
        tx.execute(_CLAIMS_TRIGGER_POSTGRESQL)
    else:
        tx.execute(_CLAIMS_TRIGGER_SQLITE)


DueColumns = tuple[str | None, str | None, str | None]  # the case row's due_at, alert_at and due (JSON)
NO_DUE: DueColumns = (None, None, None)


def due_columns(items: Sequence[DueItem] | None) -> DueColumns:
    """The case row's due columns for its items: the earliest due time, the earliest alert, and each item as
    [key, deadline, owner, due_at, alert_at, opened_at, provisional] in key order (the row gives the case, its
    process and its state). Every step of a process with deadlines writes them: a time is spelled once when an
    item's alert is its due time, and the rows are written without a `JSONEncoder` (`due_json`)."""
    if not items:
        return NO_DUE
    if len(items) == 1:  # a step's usual one: no sorting, no minimum to look for
        row = _row(items[0])
        return row[3], row[4], due_json((row,))
    rows = sorted(_row(d) for d in items)
    alerts = [r[4] for r in rows if r[4] is not None]
    return min(r[3] for r in rows), min(alerts) if alerts else None, due_json(rows)


DueRow = tuple[str, str, str | None, str, str | None, str | None, int]


def _row(d: DueItem) -> DueRow:
    due = utc(d.due_at)
    alert = None if d.alert_at is None else due if d.alert_at == d.due_at else utc(d.alert_at)
    opened = None if d.opened_at is None else utc(d.opened_at)
    return d.key, d.deadline_id, d.owner, due, alert, opened, int(d.provisional)


def due_json(rows: Sequence[DueRow]) -> str:
    """`rows` as compact JSON, the text `json.dumps(rows, ensure_ascii=False, separators=(",", ":"))` makes
    (a test checks): the times are `utc` text, which needs no escaping; building an encoder costs more than
    writing a step's one or two rows."""
    return (
        "["
        + ",".join(
            f'[{_text(k)},{_text(d)},{_text(o)},"{due}",{_time(a)},{_time(op)},{p}]' for k, d, o, due, a, op, p in rows
        )
        + "]"
    )


def _text(value: str | None) -> str:
    return "null" if value is None else encode_basestring(value)


def _time(value: str | None) -> str:
    return "null" if value is None else f'"{value}"'


def due_items_of(case_id: str, process_id: str, state: str, text: str | None) -> list[DueItem]:
    """The items `due_columns` wrote on a case row, as the store hands them out."""
    return [_item(case_id, process_id, state, raw) for raw in json.loads(text)] if text else []


def _item(case_id: str, process_id: str, state: str, raw: Sequence[Any]) -> DueItem:
    key, deadline, owner, due, alert, opened, provisional = raw
    at = datetime.fromisoformat
    return DueItem(
        case_id, key, process_id, deadline, state, owner, at(due), at(alert) if alert else None,
        at(opened) if opened else None, bool(provisional),
    )  # fmt: skip


def due_on_case_rows(tx: Tx) -> None:
    """Schema 15: the due rows moved onto their case rows, in the layout `due_columns` writes, and the table
    dropped (its indexes with it). Rows from before schema 14 keep their NULL opening times."""
    for column in ("due_at", "alert_at", "due"):
        tx.execute(f"ALTER TABLE cases ADD COLUMN {column} TEXT")
    found: dict[str, list[DueRow]] = {}
    for r in tx.execute(f"SELECT {DUE_COLUMNS} FROM due ORDER BY case_id, key"):
        found.setdefault(r[0], []).append((r[1], r[3], r[5], r[6], r[7], r[8], int(r[9] or 0)))
    for case_id, rows in found.items():
        alerts = [r[4] for r in rows if r[4] is not None]
        tx.execute(
            "UPDATE cases SET due_at = ?, alert_at = ?, due = ? WHERE id = ?",
            (min(r[3] for r in rows), min(alerts) if alerts else None, due_json(rows), case_id),
        )
    tx.execute("DROP TABLE due")
    tx.execute("CREATE INDEX cases_by_due ON cases (due_at) WHERE due_at IS NOT NULL")
    tx.execute("CREATE INDEX cases_by_alert ON cases (alert_at) WHERE alert_at IS NOT NULL")


class SQLQueue(ABC):
    """`due`, `claim`, `release`, `heartbeat` and `workers` of the Store Protocol over SQL."""

    skip_locked = ""  # PostgreSQL: " FOR UPDATE OF cases SKIP LOCKED", so workers pick disjoint candidates

    @abstractmethod
    def _write(self, action: str, work: Callable[[Tx], Any]) -> Any: ...

    @abstractmethod
    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[Any]: ...

    def due(self, before: datetime, *, alerts: bool = False, limit: int | None = None) -> list[DueItem]:
        """The items due (or alerting) by `before`, by that time, case and key. The first `limit` cases by
        their earliest time hold the first `limit` items: each of them has an item no later than any item of
        a case after them."""
        column, place = ("alert_at", 4) if alerts else ("due_at", 3)
        until = utc(before)
        rows = self._read(
            f"SELECT id, process_id, state, due FROM cases WHERE {column} <= ? ORDER BY {column}, id LIMIT ?",
            (until, 1 << 62 if limit is None else limit),
        )
        found = sorted(  # the items' times as the row's fixed-width UTC text: compared and ordered as SQL would
            (raw[place], r[0], raw[0], r[1], r[2], raw)
            for r in rows
            for raw in json.loads(r[3])
            if raw[place] is not None and raw[place] <= until
        )
        return [_item(case_id, process_id, state, raw) for _, case_id, _, process_id, state, raw in found[:limit]]

    def due_cases(self, before: datetime) -> list[tuple[CaseSummary, list[DueItem]]]:
        """Every due item of each case with one due by `before`, with its case row: one query, on the due
        index (in its order: an ORDER BY id would have the planner walk every case by its key instead)."""
        rows = self._read(
            "SELECT id, process_id, definition_hash, state, version, created_at, updated_at, due FROM cases "
            "WHERE due_at <= ?",
            (utc(before),),
        )
        at = datetime.fromisoformat
        return [
            (CaseSummary(r[0], r[1], r[2], r[3], r[4], at(r[5]), at(r[6])), due_items_of(r[0], r[1], r[3], r[7]))
            for r in rows
        ]

    def claim(self, worker: str, now: datetime, lease_until: datetime, limit: int) -> list[str]:
        """Claim up to `limit` cases with an alert due by `now` that nobody holds a live lease on."""

        def work(tx: Tx) -> list[str]:
            rows = tx.execute(
                "SELECT cases.id FROM cases LEFT JOIN claims ON claims.case_id = cases.id "
                "WHERE cases.alert_at <= ? AND (claims.lease_until IS NULL OR claims.lease_until < ?) "
                "ORDER BY cases.alert_at, cases.id LIMIT ?" + self.skip_locked,
                (utc(now), utc(now), limit),
            )
            taken = []
            for (case_id,) in rows:
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
