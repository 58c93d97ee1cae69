from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from procflow import Engine, ProcessDefinition, open_store
from procflow.store.migrations import MIGRATIONS
from procflow.store.queue_sql import DUE_COLUMNS, due_items_of
from procflow.store.queue_sql import MIGRATION as DUE_JUDGED
from procflow.store.records import utc
from procflow.store.sql import SQLStore
from tests.conftest import APPROVER, AUDITOR, REQUESTER, drop_pg_schema, pg_url_for_test, seat


@pytest.fixture(params=["sqlite", "postgres"])
def durable_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty durable store of each kind: a SQLite file, or a fresh PostgreSQL schema (dropped after)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'cases.db'}"
        return
    url = pg_url_for_test()
    yield url
    drop_pg_schema(url)


@pytest.fixture
def history(durable_url: str, mini: ProcessDefinition) -> tuple[SQLStore, str]:
    """A store with one case of six events: started, submitted, computed, fired, submitted, fired."""
    engine = seat(Engine(open_store(durable_url)), REQUESTER, APPROVER, AUDITOR)
    engine.register(mini)
    engine.publish("mini", "policy", {"limit": 1000}, AUDITOR)
    case = engine.start("mini", REQUESTER)
    case = engine.submit(case, "request", {"item": "desk", "amount": 300}, REQUESTER)
    case = engine.fire(case, "send", REQUESTER)
    case = engine.submit(case, "decision", {"approve": True}, APPROVER)
    case = engine.fire(case, "approve", APPROVER)
    engine.start("mini", REQUESTER)  # a second, untouched case
    store = engine.store
    assert isinstance(store, SQLStore)
    return store, case.id


def undo_claims_trigger(tx: Any) -> None:
    """Take a store back from schema 16 to 15: the case rows without the trigger that ends their claims."""
    tx.execute("UPDATE meta SET value = '15' WHERE key = 'schema_version'")
    if tx.dialect == "postgresql":
        tx.execute("DROP TRIGGER cases_end_claims ON cases")
        tx.execute("DROP FUNCTION procflow_end_claims()")
    else:
        tx.execute("DROP TRIGGER cases_end_claims")


def undo_due_on_case_rows(tx: Any) -> None:
    """Take a store back from schema 16 to 14: the due table as step 1 and step 14 made it, holding the items
    the case rows carried, and the case rows' due columns gone (and step 16's trigger on them first)."""
    undo_claims_trigger(tx)
    tx.execute("UPDATE meta SET value = '14' WHERE key = 'schema_version'")
    for statement in [s for s in MIGRATIONS[0][1] if isinstance(s, str) and ("TABLE due " in s or "ON due " in s)]:
        tx.execute(statement)
    for statement in DUE_JUDGED:
        tx.execute(statement)
    for case_id, process_id, state, text in tx.execute("SELECT id, process_id, state, due FROM cases"):
        for item in due_items_of(case_id, process_id, state, text):
            tx.execute(
                f"INSERT INTO due ({DUE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (case_id, item.key, process_id, item.deadline_id, state, item.owner, utc(item.due_at),
                 utc(item.alert_at) if item.alert_at else None, utc(item.opened_at) if item.opened_at else None,
                 int(item.provisional)),
            )  # fmt: skip
    for statement in (
        "DROP INDEX cases_by_due",
        "DROP INDEX cases_by_alert",
        *(f"ALTER TABLE cases DROP COLUMN {column}" for column in ("due", "alert_at", "due_at")),
    ):
        tx.execute(statement)
