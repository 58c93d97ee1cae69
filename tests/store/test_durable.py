"""What only a durable store promises — surviving a reopen, schema upgrades, several OS processes — on SQLite and
PostgreSQL. What every store promises through the protocol is in test_protocol.py."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, datetime, timedelta

import pytest

from procflow import Engine, ProcessDefinition, StoreError, open_store
from procflow.store.migrations import SCHEMA_VERSION
from procflow.store.sql import SQLStore
from tests.conftest import AUDITOR, REQUESTER, seat
from tests.store.conftest import undo_due_on_case_rows


def engine_on(url: str, mini: ProcessDefinition) -> Engine:
    engine = seat(Engine(open_store(url)), REQUESTER, AUDITOR)
    engine.register(mini)
    return engine


def test_cases_survive_reopening_the_store(durable_url: str, mini: ProcessDefinition) -> None:
    engine = engine_on(durable_url, mini)
    engine.publish("mini", "policy", {"limit": 5}, AUDITOR)
    case = engine.start("mini", REQUESTER, data={"k": "v"})
    case = engine.submit(case, "request", {"item": "a", "amount": 9}, REQUESTER)
    engine.store.close()

    reopened = Engine(open_store(durable_url))
    assert reopened.get(case.id) == case
    assert reopened.get(case.id).latest("risk").data == {"over_limit": True, "level": "high"}
    assert reopened.definition("mini").content_hash == mini.content_hash
    assert reopened.store.shared("mini")["policy"][0].data == {"limit": 5}
    assert [c.id for c in reopened.store.cases(process_id="mini", state="draft")] == [case.id]
    assert isinstance(reopened.store, SQLStore) and reopened.store.schema_version() == SCHEMA_VERSION


def test_a_newer_store_schema_is_refused_clearly(durable_url: str) -> None:
    store = open_store(durable_url)
    assert isinstance(store, SQLStore)
    store._write(
        "test",
        lambda tx: tx.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),)),
    )
    store.close()
    with pytest.raises(StoreError, match="written by a newer procflow"):
        open_store(durable_url)


def test_an_older_store_is_upgraded_in_place(durable_url: str, mini: ProcessDefinition) -> None:
    engine = engine_on(durable_url, mini)
    case = engine.start("mini", REQUESTER)
    store = engine.store
    assert isinstance(store, SQLStore)

    def downgrade(tx: object) -> None:  # a version-1 store: undo due rows, due judging, lists, snapshots, …, 3, 2
        undo_due_on_case_rows(tx)
        for statement in (
            "ALTER TABLE due DROP COLUMN provisional",
            "ALTER TABLE due DROP COLUMN opened_at",
            *(f"DROP INDEX {i}" for i in ("cases_by_created", "cases_by_process_created", "cases_by_state_created")),
            "CREATE INDEX cases_by_state ON cases (process_id, state)",
            "ALTER TABLE cases DROP COLUMN snapshot",
            "DROP TABLE person_settings",
            "DROP TABLE match_keys",
            "DELETE FROM meta WHERE key = 'match_keys_backfill'",
            "DROP TABLE follows",
            "DROP TABLE rotation",
            "DROP TABLE work",
            "DROP TABLE directory_events",
            "ALTER TABLE events DROP COLUMN basis",
            "DROP TABLE outbox",
            *(f"DROP TABLE {t}" for t in ("accounts", "login_failures", "api_tokens", "integrations", "idempotency")),
            "DROP TABLE attachments",
            "DROP TABLE signed_checkpoints",
            "ALTER TABLE events DROP COLUMN hash_scheme",
            "DROP TABLE checkpoint_heads",
            "DROP TABLE checkpoints",
            "ALTER TABLE cases DROP COLUMN head",
            "ALTER TABLE events DROP COLUMN hash",
            "ALTER TABLE events DROP COLUMN prev_hash",
            "DROP TABLE claims",
            "DROP TABLE workers",
            "UPDATE meta SET value = '1' WHERE key = 'schema_version'",
        ):
            tx.execute(statement)  # type: ignore[attr-defined]

    store._write("test", downgrade)
    store.close()
    upgraded = open_store(durable_url)
    assert isinstance(upgraded, SQLStore) and upgraded.schema_version() == SCHEMA_VERSION
    assert upgraded.get(case.id).state == case.state and upgraded.get(case.id).version == case.version
    assert upgraded.claim("w", datetime.now(UTC), datetime.now(UTC) + timedelta(minutes=1), 5) == []
    assert upgraded.match_backfill_pending()  # its case predates the match-key index


WRITERS, CASES = 8, 1_000


def _burst(url: str, case_ids: list[str], seed: int) -> int:
    import random

    from procflow import Engine, open_store, retrying

    engine = Engine(open_store(url))
    order = list(case_ids)
    random.Random(seed).shuffle(order)
    for case_id in order:  # each write reads the case afresh, so a conflict is simply retried
        retrying(
            lambda c=case_id: engine.submit(c, "request", {"item": f"w{seed}", "amount": 1}, REQUESTER), attempts=50
        )
    return len(order)


@pytest.mark.slow  # a minute on PostgreSQL: several OS processes writing
def test_several_processes_write_without_lock_errors_or_lost_writes(durable_url: str, mini: ProcessDefinition) -> None:
    engine = engine_on(durable_url, mini)
    ids = [engine.start("mini", REQUESTER).id for _ in range(CASES)]
    with multiprocessing.get_context("spawn").Pool(WRITERS) as pool:
        acknowledged = sum(pool.starmap(_burst, [(durable_url, ids, seed) for seed in range(WRITERS)]))
    assert acknowledged == WRITERS * CASES
    for case_id in ids:  # every acknowledged write is there exactly once: one version per writer
        writers = sorted(v.data["item"] for v in engine.get(case_id).documents["request"])
        assert writers == [f"w{seed}" for seed in range(WRITERS)]
