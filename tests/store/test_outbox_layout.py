"""The outbox's schema-13 layout (rows keyed by a sequence, the idempotency key a column): a store whose outbox is
in the schema-5 layout (keyed by the idempotency key) is rebuilt in one transaction keeping every row as it was —
its state, attempts, lease, payload — and workers, retry and discard go on with them; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from procflow import Engine, ProcessDefinition, open_store
from procflow.store.migrations import MIGRATIONS, SCHEMA_VERSION
from procflow.store.outbox import OutboxMessage, message_key
from procflow.store.sql import SQLStore
from procflow.store.sql_outbox import COLUMNS
from procflow.store.sql_outbox import MIGRATION as SCHEMA_5
from tests.conftest import REQUESTER, seat
from tests.store.conftest import undo_due_on_case_rows

T0 = datetime(2026, 3, 2, 1, tzinfo=UTC)
LATER = T0 + timedelta(hours=1)
LAYOUT = next(i for i, (title, _) in enumerate(MIGRATIONS, 1) if title.startswith("the outbox keyed by a sequence"))


def _old_row(case_id: str, person: str, status: str, **overrides: Any) -> tuple[Any, ...]:
    """A row of the schema-5 table (COLUMNS, then lease_until), as that layout's code wrote it."""
    stamp = T0.isoformat(timespec="microseconds")
    row = {
        "key": message_key(case_id, 1, person, "mail"),
        "case_id": case_id,
        "seq": 1,
        "person": person,
        "channel": "mail",
        "kind": "reminder",
        "deliver_at": stamp,
        "payload": f'{{"to": "{person}@example.com", "name": "名字"}}',
        "digest": None,
        "urgent": 0,
        "status": status,
        "attempts": 0,
        "next_at": stamp,
        "created_at": stamp,
        "last_error": None,
        "sent_at": None,
        "worker": None,
        "lease_until": None,
    }
    row.update(overrides)
    return tuple(row.values())


def test_a_schema_5_outbox_is_rebuilt_keeping_every_row(durable_url: str, mini: ProcessDefinition) -> None:
    engine = seat(Engine(open_store(durable_url)), REQUESTER)
    engine.register(mini)
    case_id = engine.start("mini", REQUESTER).id
    store = engine.store
    assert isinstance(store, SQLStore)
    held = (LATER + timedelta(minutes=5)).isoformat(timespec="microseconds")
    rows = [
        _old_row(case_id, "free", "pending"),
        _old_row(case_id, "held", "pending", attempts=1, worker="w1", lease_until=held),
        _old_row(case_id, "done", "sent", attempts=1, worker="w1", sent_at=T0.isoformat(timespec="microseconds")),
        _old_row(case_id, "gone", "dead", attempts=6, last_error="550 no such user"),
        _old_row(case_id, "aside", "discarded"),
        _old_row(case_id, "later", "pending", digest="later/mail/x", next_at=LATER.isoformat(timespec="microseconds")),
    ]

    def downgrade(tx: Any) -> None:  # the outbox as schema 5 left it, with rows in every state
        assert SCHEMA_VERSION == LAYOUT + 3, "a new step: undo it here too"
        undo_due_on_case_rows(tx)  # steps 16 and 15
        later = ("ALTER TABLE due DROP COLUMN provisional", "ALTER TABLE due DROP COLUMN opened_at")  # step 14
        for statement in (*later, "DROP TABLE outbox", *SCHEMA_5):
            tx.execute(statement)
        marks = ", ".join("?" for _ in rows[0])
        for row in rows:
            tx.execute(f"INSERT INTO outbox ({COLUMNS}, lease_until) VALUES ({marks})", row)
        tx.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(LAYOUT - 1),))

    store._write("test", downgrade)
    before = store.outbox_list()  # the list reads only the columns both layouts have
    assert len(before) == len(rows)
    store.close()

    upgraded = open_store(durable_url)
    assert isinstance(upgraded, SQLStore) and upgraded.schema_version() == SCHEMA_VERSION
    assert upgraded.outbox_list() == before
    by = {r.message.person: r for r in before}
    assert by["later"].message.digest == "later/mail/x" and by["gone"].last_error == "550 no such user"
    assert by["free"].message.payload == {"to": "free@example.com", "name": "名字"}

    claimed = upgraded.outbox_claim("w2", LATER, LATER + timedelta(minutes=1), 10)  # "held" is w1's for now
    assert sorted(r.message.person for r in claimed) == ["free", "later"]
    upgraded.outbox_sent("w1", [by["held"].key], LATER)  # its lease came through the migration
    upgraded.outbox_sent("w2", [r.key for r in claimed], LATER)
    assert {r.message.person for r in upgraded.outbox_list(status="sent")} == {"done", "held", "free", "later"}
    assert upgraded.outbox_retry([by["aside"].key[:8]], LATER) == 1 and upgraded.outbox_retry(None, LATER) == 1
    assert {r.message.person for r in upgraded.outbox_list(status="pending")} == {"aside", "gone"}

    case = upgraded.get(case_id)  # a new message after the migrated ones: the sequence goes on past them
    upgraded.commit(case, [], None, outbox=[OutboxMessage(case_id, 1, "new", "mail", "reminder", T0, {})])
    ordered = [r[0] for r in upgraded._read("SELECT person FROM outbox ORDER BY id")]
    assert ordered == [*(r.message.person for r in before), "new"]  # numbered in the list's order
    upgraded.close()
