"""The SQLite store: durable, one transaction per change, safe with several writers."""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path

import pytest

from engine import ConflictError, Engine, StoreError, open_store
from engine.store.sqlite import SCHEMA_VERSION, SQLiteStore
from tests.conftest import AUDITOR, REQUESTER


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "cases.db"


def fresh_engine(path: Path, mini) -> Engine:
    engine = Engine(SQLiteStore(path))
    engine.register(mini)
    return engine


def test_cases_survive_reopening_the_file(db: Path, mini) -> None:
    engine = fresh_engine(db, mini)
    engine.publish("mini", "policy", {"limit": 5}, AUDITOR)
    case = engine.start("mini", REQUESTER, data={"k": "v"})
    case = engine.submit(case, "request", {"item": "a", "amount": 9}, REQUESTER)
    engine.store.close()

    reopened = Engine(open_store(f"sqlite:///{db}"))
    again = reopened.get(case.id)
    assert again == case
    assert again.latest("risk").data == {"over_limit": True, "level": "high"}
    assert reopened.definition("mini").content_hash == mini.content_hash
    assert reopened.store.shared("mini")["policy"][0].data == {"limit": 5}
    assert [c.id for c in reopened.store.cases(process_id="mini", state="draft")] == [case.id]


def test_a_newer_store_schema_is_refused_clearly(db: Path) -> None:
    SQLiteStore(db).close()
    with sqlite3.connect(db) as raw:
        raw.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),))
    with pytest.raises(StoreError, match="written by a newer procflow"):
        SQLiteStore(db)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("sqlite:///no/such/folder/x.db", "does not exist"),
        ("mysql://localhost/x", "unknown store URL 'mysql://localhost/x'; known kinds: memory:, sqlite:"),
        ("sqlite:/x.db", "write sqlite:///relative/path.db"),
    ],
    ids=["missing-folder", "unknown-kind", "malformed"],
)
def test_bad_store_urls_say_what_to_write(url: str, message: str) -> None:
    with pytest.raises(StoreError, match=message.replace("(", r"\(").replace(".", r"\.")):
        open_store(url)


def test_two_writers_on_one_case_exactly_one_wins(db: Path, mini) -> None:
    first = fresh_engine(db, mini)
    second = Engine(SQLiteStore(db))
    case = first.start("mini", REQUESTER)
    first.submit(case, "request", {"item": "a", "amount": 1}, REQUESTER)
    with pytest.raises(ConflictError):
        second.submit(case, "request", {"item": "b", "amount": 1}, REQUESTER)
    assert [v.data["item"] for v in second.get(case.id).documents["request"]] == ["a"]


def _burst(path: str, case_ids: list[str]) -> int:
    from engine import ConflictError, Engine
    from engine.store.sqlite import SQLiteStore

    engine = Engine(SQLiteStore(path))
    done = 0
    for case_id in case_ids:
        for _ in range(20):
            try:
                case = engine.get(case_id)
                engine.submit(case, "request", {"item": f"x{case.version}", "amount": 1}, REQUESTER)
                done += 1
                break
            except ConflictError:
                continue
    return done


def test_several_processes_share_the_file_without_lock_errors(db: Path, mini) -> None:
    engine = fresh_engine(db, mini)
    ids = [engine.start("mini", REQUESTER).id for _ in range(20)]
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        done = sum(pool.starmap(_burst, [(str(db), ids)] * 4))
    assert done == 80
    total = sum(len(engine.get(i).documents.get("request", ())) for i in ids)
    assert total == 80  # every acknowledged write is there exactly once
