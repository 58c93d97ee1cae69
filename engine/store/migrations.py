"""The SQL stores' schema migrations: each step upgrades a store by one version, in the caller's transaction.

A step's version is its place in `MIGRATIONS` (1–3 tables, claims, hash chains; 4 the server's records; 5 the
outbox; 6 evidence; 7 the people directory; 8 the match-key index; 9 who follows a case; 10 each person's own
settings; 11 the case-list indexes; 12 the case snapshots; 13 the outbox rebuilt so an insert appends; 14 what
overdue judges a due row by; 15 the due items on the case rows; 16 claims ended by the step's own UPDATE). The stores
apply the steps a store lacks, all in one transaction, and refuse a store newer than `SCHEMA_VERSION`. A step is SQL
text, or a function of the transaction for what SQL alone cannot do (the snapshots are backfilled by replaying each
case; the outbox's id column is declared in each database's words).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .access_sql import SETTINGS, V7
from .follows_sql import MIGRATION as _FOLLOWS
from .listing_sql import MIGRATION as _LISTING
from .matches import MIGRATION as _MATCH_KEYS
from .queue_sql import MIGRATION as _DUE_JUDGED
from .queue_sql import claims_end_with_step, due_on_case_rows
from .snapshots import backfill
from .sql_outbox import LAYOUT as _OUTBOX_LAYOUT
from .sql_outbox import MIGRATION as _V8

Step = str | Callable[[Any], None]

_V1 = [
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE definitions (
        content_hash TEXT PRIMARY KEY, process_id TEXT NOT NULL, version TEXT NOT NULL,
        registered INTEGER NOT NULL, bundle TEXT NOT NULL)""",
    "CREATE INDEX definitions_by_process ON definitions (process_id, registered)",
    """CREATE TABLE cases (
        id TEXT PRIMARY KEY, process_id TEXT NOT NULL,
        definition_hash TEXT NOT NULL REFERENCES definitions (content_hash),
        state TEXT NOT NULL, version INTEGER NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL)""",
    "CREATE INDEX cases_by_state ON cases (process_id, state)",
    """CREATE TABLE events (
        case_id TEXT NOT NULL REFERENCES cases (id), seq INTEGER NOT NULL, kind TEXT NOT NULL, at TEXT NOT NULL,
        actor TEXT NOT NULL, role TEXT NOT NULL, definition_hash TEXT NOT NULL, trigger TEXT, source TEXT,
        dest TEXT, document TEXT, document_version INTEGER, document_hash TEXT, data TEXT,
        PRIMARY KEY (case_id, seq))""",
    """CREATE TABLE due (
        case_id TEXT NOT NULL REFERENCES cases (id), key TEXT NOT NULL, process_id TEXT NOT NULL,
        deadline_id TEXT NOT NULL, state TEXT NOT NULL, owner TEXT, due_at TEXT NOT NULL, alert_at TEXT,
        PRIMARY KEY (case_id, key))""",
    "CREATE INDEX due_by_time ON due (due_at)",
    "CREATE INDEX due_by_alert ON due (alert_at) WHERE alert_at IS NOT NULL",
    """CREATE TABLE shared_documents (
        process_id TEXT NOT NULL, document TEXT NOT NULL, version INTEGER NOT NULL, body TEXT NOT NULL,
        PRIMARY KEY (process_id, document, version))""",
]

_V2 = [  # workers claim due cases with a lease, so several can share the work and a dead one's claims expire
    "CREATE TABLE claims (case_id TEXT PRIMARY KEY, worker TEXT NOT NULL, lease_until TEXT NOT NULL)",
    "CREATE INDEX claims_by_lease ON claims (lease_until)",
    """CREATE TABLE workers (
        worker TEXT PRIMARY KEY, host TEXT NOT NULL, pid INTEGER NOT NULL, started_at TEXT NOT NULL,
        beat_at TEXT NOT NULL, handled INTEGER NOT NULL)""",
]

_V3 = [  # a hash chain per case, its head on the case row, and store-wide checkpoints over all heads
    "ALTER TABLE events ADD COLUMN prev_hash TEXT",
    "ALTER TABLE events ADD COLUMN hash TEXT",
    "ALTER TABLE cases ADD COLUMN head TEXT",
    """CREATE TABLE checkpoints (
        number INTEGER PRIMARY KEY, at TEXT NOT NULL, cases INTEGER NOT NULL, root TEXT NOT NULL,
        prev TEXT NOT NULL, hash TEXT NOT NULL)""",
    """CREATE TABLE checkpoint_heads (
        number INTEGER NOT NULL, case_id TEXT NOT NULL, version INTEGER NOT NULL, head TEXT,
        PRIMARY KEY (number, case_id))""",
]

_V5 = [  # evidence: each event's hash scheme (NULL = 1, sealed before RFC 8785); signed checkpoint statements
    "ALTER TABLE events ADD COLUMN hash_scheme INTEGER",
    """CREATE TABLE signed_checkpoints (
        number INTEGER PRIMARY KEY, key_id TEXT NOT NULL, statement TEXT NOT NULL, signature TEXT NOT NULL)""",
]

_V4 = [  # people: the directory's own hash chain, the grant each action rested on, the inbox index
    """CREATE TABLE directory_events (
        seq INTEGER PRIMARY KEY, kind TEXT NOT NULL, at TEXT NOT NULL, actor TEXT NOT NULL, data TEXT NOT NULL,
        prev_hash TEXT NOT NULL, hash TEXT NOT NULL)""",
    "ALTER TABLE events ADD COLUMN basis TEXT",
    """CREATE TABLE work (
        case_id TEXT PRIMARY KEY REFERENCES cases (id), process_id TEXT NOT NULL, state TEXT NOT NULL,
        person TEXT, role TEXT, since TEXT NOT NULL, due_at TEXT, escalated_at TEXT, urgency TEXT NOT NULL)""",
    "CREATE INDEX work_by_person ON work (person, urgency)",
    "CREATE INDEX work_by_queue ON work (role, urgency) WHERE person IS NULL",
    "CREATE TABLE rotation (pool TEXT PRIMARY KEY, person TEXT NOT NULL)",
]

MIGRATIONS: list[tuple[str, Sequence[Step]]] = [
    ("create the tables", _V1),
    ("add worker claims and heartbeats", _V2),
    ("chain each case's events by hash; checkpoints", _V3),
    # each step is version len(steps before it) + 1: 4 the server's records, 5 the outbox, 6 evidence, 7 people,
    # 8 match keys, 9 follows, 10 settings
    ("accounts, login failures, API tokens, integrations, idempotency keys, attachments", V7),
    ("the notification outbox (engine/store/sql_outbox.py)", _V8),
    ("evidence: hash schemes per event, signed checkpoints", _V5),
    ("the people directory, the grant behind each action, the inbox index", _V4),
    ("the match-key index inbound events find their case by (engine/store/matches.py)", _MATCH_KEYS),
    ("who follows a case, or chose not to (engine/store/follows_sql.py)", _FOLLOWS),
    ("each person's own settings: language, time zone, notification choices", SETTINGS),
    ("case lists paged by creation, per process and state (engine/store/listing_sql.py)", _LISTING),
    ("each case row's snapshot (engine/store/snapshots.py), backfilled by replaying its events", [backfill]),
    (
        "the outbox keyed by a sequence, its claim index on pending rows only (engine/store/sql_outbox.py)",
        _OUTBOX_LAYOUT,
    ),
    ("each due row's opening time and provisional flag, so overdue is judged from the rows", _DUE_JUDGED),
    ("the due items on their case row, kept by the UPDATE a step makes anyway", [due_on_case_rows]),
    ("a step that rewrites a case's due items ends its claims, in the same statement", [claims_end_with_step]),
]
SCHEMA_VERSION = len(MIGRATIONS)
