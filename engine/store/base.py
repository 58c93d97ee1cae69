"""The storage interface. Everything outside `engine/store/` talks to this Protocol only; URLs pick an implementation.

The Protocol is complete: the runtime (cases, due index), verification (raw events, heads, checkpoints),
workers (claims with leases, heartbeats) and reports (bulk reads, counts) need nothing else, so a new
store, or a test double, is one class. `tests/store/test_protocol.py` checks every registered kind has
every method with the Protocol's parameters, and runs the behaviour over each kind.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, NamedTuple, Protocol

from ..canonical import digest
from ..immutable import record
from ..people_records import DirectoryEvent, WorkItem
from ..records import Case, DocumentVersion, Event
from .access import AttachmentRecord, IdempotencyRecord, IntegrationRecord, TokenRecord
from .board import BoardColumn, BoardFilter
from .matches import MatchKey
from .outbox import OutboxMessage


@record
class DueItem:
    """An open obligation as the store indexes it, so due and overdue work is found without scanning cases."""

    case_id: str
    key: str
    process_id: str
    deadline_id: str
    state: str
    owner: str | None
    due_at: datetime
    alert_at: datetime | None  # the next reminder, due time or escalation still to act on
    opened_at: datetime | None = None  # when the obligation opened (None: a row from before schema 14)
    provisional: bool = False  # its due time falls in a year whose official calendar is not published


@record
class CaseSummary:
    """A case as its row in the store says it (no history): what a list shows, read without replaying events."""

    id: str
    process_id: str
    definition_hash: str
    state: str  # the top-level state; inside regions, the enclosing one
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, case: Case) -> CaseSummary:
        """The row a store keeps for `case`."""
        return cls(
            case.id, case.process_id, case.definition_hash, case.state, case.version, case.created_at, case.updated_at
        )


class Head(NamedTuple):
    """Where a case's history ends: its version (events so far) and the hash of its last event."""

    case_id: str
    version: int
    head: str | None


class Checkpoint(NamedTuple):
    """A seal over every case's head at one moment, chained to the previous checkpoint by `prev`."""

    number: int
    at: str  # fixed-width UTC text (`procflow.store.records.utc`), exactly as sealed
    cases: int
    root: str  # `procflow.audit.heads_root` of the heads it recorded
    prev: str  # the previous checkpoint's hash (NO_CHECKPOINT for the first)
    hash: str  # `checkpoint_seal` of the fields above


class WorkerBeat(NamedTuple):
    """A worker's last sign of life."""

    worker: str
    host: str
    pid: int
    beat_at: str  # fixed-width UTC text
    handled: int  # cases handled since it started


NO_CHECKPOINT = "0" * 64


def checkpoint_seal(number: int, at: str, root: str, prev: str, cases: int) -> str:
    """The hash a checkpoint must carry; every store seals with it and `verify` recomputes it."""
    return digest({"number": number, "at": at, "root": root, "prev": prev, "cases": cases})


class Store(Protocol):
    """Durable home of definitions, cases (as events) and shared documents.

    `commit` is atomic: the events and the case snapshot are written together or
    not at all, and only if the stored case is still at `case.version - len(events)`
    (else `ConflictError`). The same transaction keeps the inbox index (`work`) from the case's
    assignment events.
    """

    def save_definition(self, bundle: Mapping[str, Any]) -> None: ...

    def load_definition(self, content_hash: str) -> Mapping[str, Any]: ...

    def latest_definition(self, process_id: str) -> str | None: ...

    def commit(
        self,
        case: Case,
        events: Sequence[Event],
        due: Sequence[DueItem] | None = (),
        outbox: Sequence[OutboxMessage] = (),
        keys: Sequence[MatchKey] | None = None,
    ) -> None:
        """Write events and snapshot; replace the case's due items with `due` (None: the process has no
        deadlines, leave the index alone); add the `outbox` messages the events cause; replace the case's match
        keys with `keys` (None: leave them alone); all in one transaction."""
        ...

    def stepping(self, case_id: str) -> AbstractContextManager[None]:
        """The read of `case_id` and the commit of the step taken from it, as one transaction where the store
        writes one step at a time anyway (SQLite: the write lock is taken before the read, so the step reads
        inside its own write transaction and cannot conflict); a context that adds nothing where writers run
        side by side (memory, PostgreSQL), and the commit's version check decides as it always does."""
        ...

    def due(self, before: datetime, *, alerts: bool = False, limit: int | None = None) -> list[DueItem]:
        """Open obligations due at or before `before` (or whose next alert is), earliest first; uses an index."""
        ...

    def due_cases(self, before: datetime) -> list[tuple[CaseSummary, list[DueItem]]]:
        """Each case with an open obligation due at or before `before`: its row and all its due items, in one
        read on the due index (what `overdue` judges from, without reading a snapshot); order not promised."""
        ...

    def get(self, case_id: str) -> Case: ...

    def cases(self, *, process_id: str | None = None, state: str | None = None) -> Iterator[Case]: ...

    def cases_with_events(self, process_id: str) -> Iterator[Case]:
        """Every case of a process with its history, read in bulk (for reports); order not promised."""
        ...

    def count_by_definition(self, process_id: str) -> dict[str, int]:
        """How many cases of a process run on each definition version: content hash → count (a query)."""
        ...

    def case_ids(self, *, process_id: str | None = None, states: Sequence[str] | None = None) -> list[str]:
        """Ids of the cases of a process (optionally in some states), oldest first; uses an index."""
        ...

    def board_column(
        self,
        process_id: str,
        states: Sequence[str],
        *,
        only: BoardFilter | None = None,
        limit: int = 20,
    ) -> BoardColumn:
        """One pipeline-board column in one query: how many cases of the process are in `states`, the sum of
        their deal amounts and the first `limit` cards, stalest first; `only` keeps the cases a person may
        pick (engine/store/board.py says the rules)."""
        ...

    def case_page(
        self,
        *,
        process_id: str | None = None,
        states: Sequence[str] | None = None,
        due_by: datetime | None = None,
        after: str | None = None,
        limit: int = 100,
    ) -> list[CaseSummary]:
        """Up to `limit` case rows, oldest first (by creation, then id), after the case `after` (keyset paging:
        a page costs the same at any depth); optionally of one process, in some top-level states, or with an open
        obligation due by `due_by`. Filters, order and paging are in the query, on an index."""
        ...

    def definitions(self, process_id: str | None = None) -> list[tuple[str, str, str]]:
        """(content hash, process id, version label) of every stored definition, oldest first."""
        ...

    def publish(self, process_id: str, version: DocumentVersion) -> None: ...

    def shared(self, process_id: str) -> Mapping[str, tuple[DocumentVersion, ...]]: ...

    # --- tamper evidence: what is stored, as it is -------------------------------------------

    def raw_events(self, case_id: str) -> list[Event]:
        """The stored events of a case as they are, in seq order, without replaying them (for verification)."""
        ...

    def raw_event_rows(self) -> list[Sequence[Any]]:
        """Every stored event of every case as its row (`procflow.store.records.EVENT_FIELDS` order, `data` as the
        JSON text kept), by case id and seq, in one read: `verify` hashes each as stored."""
        ...

    def heads(self) -> list[Head]:
        """(case id, version, head hash) of every case, by id."""
        ...

    def event_case_ids(self) -> list[str]:
        """Every case id that has events (whether or not its case row is still there), sorted."""
        ...

    def add_checkpoint(self, at: datetime, root: str, heads: Sequence[tuple[str, int, str | None]]) -> tuple[int, str]:
        """Append a checkpoint over `heads` (sealed with `checkpoint_seal`, chained); returns (number, hash)."""
        ...

    def checkpoints(self) -> list[Checkpoint]:
        """Every checkpoint, oldest first."""
        ...

    def checkpoint_heads(self, number: int) -> list[Head]:
        """The heads checkpoint `number` recorded, by case id."""
        ...

    # --- workers: claims with leases, heartbeats -------------------------------------------------

    def claim(self, worker: str, now: datetime, lease_until: datetime, limit: int) -> list[str]:
        """Claim up to `limit` cases with alerts due by `now` that nobody holds (or whose lease ended before
        `now`), until `lease_until`; earliest alert first. A commit that rewrites a case's due items, or
        `release`, drops its claim."""
        ...

    def release(self, worker: str, case_ids: Sequence[str]) -> None:
        """Drop `worker`'s claims on `case_ids` (claims of other workers stay)."""
        ...

    def heartbeat(self, worker: str, host: str, pid: int, started_at: datetime, now: datetime, handled: int) -> None:
        """Record that `worker` is alive at `now` and has handled `handled` cases."""
        ...

    def workers(self) -> list[WorkerBeat]:
        """Every worker that ever beat, by name."""
        ...

    # --- people: the directory's event chain and the inbox index (kept by `commit`) ---------------

    def append_directory(self, events: Sequence[DirectoryEvent]) -> None:
        """Append sealed directory events in one transaction; `ConflictError` if their numbers are taken."""
        ...

    def directory_events(self, after: int = 0) -> list[DirectoryEvent]:
        """Directory events after seq `after`, in order."""
        ...

    def work(self, person: str, roles: Sequence[str] = (), *, limit: int | None = None) -> list[WorkItem]:
        """Open work held by `person`, and unclaimed work in the queues of `roles`: escalated first, then
        by due time; from the index `commit` keeps, never a scan of cases."""
        ...

    def load(self, people: Sequence[str]) -> dict[str, int]:
        """How many open cases each person holds."""
        ...

    def rotation(self, pool: str) -> str | None:
        """Who had the last round-robin turn in `pool` (kept by `commit` from assignment events)."""
        ...

    # --- following: who asked to hear of a case's moves (or asked not to) -------------------------

    def set_following(self, case_id: str, person: str, following: bool, at: datetime) -> None:
        """Keep `person`'s latest choice on `case_id`: follow (True) or stop following (False);
        `CaseNotFound` for a case the store does not have."""
        ...

    def following(self, case_id: str, *, as_of: int | None = None) -> Mapping[str, bool]:
        """Every choice recorded on `case_id`: person → following, by person (one indexed read). `as_of`: the
        version the caller read the case at; a store that read the choices with that case row a moment ago
        may answer from that read (PostgreSQL: no second round trip)."""
        ...

    def close(self) -> None: ...

    # --- the match-key index (engine/store/matches.py) ------------------------------------

    def matching(self, process_id: str, key: str, value: str) -> list[str]:
        """The ids of the cases of `process_id` whose match key `key` has `value` (canonical JSON); an index."""
        ...

    def match_backfill_pending(self) -> bool:
        """Whether the store predates the index and its cases still need their keys (`backfill_match_keys`)."""
        ...

    def backfill_match_keys(self, keys: Iterable[MatchKey]) -> None:
        """Add the keys of cases stored before the index (a key a commit wrote meanwhile wins); then not pending."""
        ...

    # --- HTTP server records: accounts, login failures, tokens, integrations, idempotency, attachments ----
    # Rows only; engine/server/ decides what they mean (store/ never imports server/).

    def set_password(self, person: str, password_hash: str, at: datetime) -> None:
        """Create or replace the person's local account (an argon2 hash, never the password)."""
        ...

    def password_hash(self, person: str) -> str | None: ...

    def save_person_settings(self, person: str, data: Mapping[str, Any], at: datetime) -> None:
        """Create or replace a person's own settings (plain JSON data; engine/people/settings.py says what)."""
        ...

    def person_settings(self, person: str) -> Mapping[str, Any] | None:
        """The settings the person saved, or None if they never did."""
        ...

    def people_settings(self, people: Sequence[str]) -> dict[str, Mapping[str, Any]]:
        """The settings of each of `people` who saved any, in one read (whoever never did is not in it): the
        notifier asks for every recipient of a step at once."""
        ...

    def add_login_failure(self, key: str, at: datetime) -> None:
        """Note one wrong login for `key` (`account:<person>` or `address:<ip>`); shared by every server."""
        ...

    def login_failures(self, key: str, since: datetime) -> int: ...

    def clear_login_failures(self, key: str) -> None: ...

    def add_token(self, token: TokenRecord) -> None: ...

    def token(self, digest: str) -> TokenRecord | None:
        """The token whose SHA-256 digest this is (revoked and expired ones too: the caller decides)."""
        ...

    def tokens(self, person: str | None = None) -> list[TokenRecord]: ...

    def revoke_token(self, token_id: str, at: datetime) -> bool:
        """Mark a token revoked; False if there is no such (unrevoked) token."""
        ...

    def save_integration(self, integration: IntegrationRecord) -> None:
        """Create or replace an integration (its secrets) by name."""
        ...

    def integration(self, name: str) -> IntegrationRecord | None: ...

    def integrations(self) -> list[IntegrationRecord]: ...

    def reserve_idempotency(self, record: IdempotencyRecord) -> IdempotencyRecord | None:
        """Take `record`'s (scope, key) atomically: None if it was free, else the record already there."""
        ...

    def complete_idempotency(self, scope: str, key: str, status: int, body: str) -> None: ...

    def release_idempotency(self, scope: str, key: str) -> None:
        """Forget a reservation whose request failed before it could write (so a retry runs again)."""
        ...

    def put_attachment(self, record: AttachmentRecord, content: bytes) -> None:
        """Keep a file under its SHA-256 (idempotent: the same bytes are stored once)."""
        ...

    def attachment(self, sha256: str) -> tuple[AttachmentRecord, bytes] | None: ...
