from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from procflow import Engine, ProcessDefinition, open_store
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
