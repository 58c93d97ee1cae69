"""A step by case id on SQLite holds one write transaction from its read to its commit (`SQLiteStore.stepping`):
another writer waits for it instead of racing it, a step that fails keeps nothing, what its commit teaches
this process's caches is learnt only once the transaction is durable, and a lock that cannot be had is a
clear error in bounded time. Memory and PostgreSQL stores write side by side: there the context adds nothing."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest

from procflow import Case, Engine, ProcflowError, StoreError, TriggerNotAvailable, load, open_store
from procflow.store import sqlite as sqlite_store
from procflow.store.sql import SQLStore
from tests.conftest import drop_pg_schema, pg_url_for_test
from tests.store.test_faults import CLERK, T0, TICKING, seeded


class _PausedClock:
    """Once armed, its first reading waits until released: a step paused between its read and its commit."""

    def __init__(self) -> None:
        self.armed = False
        self.inside, self.go = threading.Event(), threading.Event()

    def now(self) -> datetime:
        if self.armed:
            self.armed = False
            self.inside.set()
            assert self.go.wait(20), "the test never released the step"
        return T0


def _url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cases.db'}"


STEPS = {  # a step by case id each, and what a second writer firing "go" meets once the step has committed
    "fire": (lambda engine, case_id: engine.fire(case_id, "go", CLERK), TriggerNotAvailable),
    "note": (lambda engine, case_id: engine.note(case_id, "recalendared", {"why": "test"}, CLERK), Case),
}


@pytest.mark.parametrize("verb", sorted(STEPS))
def test_a_second_writer_waits_for_a_step_by_case_id_instead_of_racing_it(tmp_path: Path, verb: str) -> None:
    theirs, ids = seeded(_url(tmp_path), 1)
    clock = _PausedClock()
    ours = Engine(open_store(_url(tmp_path)), clock=clock)  # another connection: the same file, directory and cases
    ours.register(load(TICKING))
    step, second_meets = STEPS[verb]
    results: dict[str, object] = {}

    def run(name: str, action: Callable[[], Case]) -> None:
        try:
            results[name] = action()
        except ProcflowError as exc:  # the test looks at what each writer met
            results[name] = exc

    clock.armed = True
    first = threading.Thread(target=run, args=("ours", lambda: step(ours, ids[0])))
    first.start()
    assert clock.inside.wait(20)  # our step has read the case (in state a) and is paused before its commit
    second = threading.Thread(target=run, args=("theirs", lambda: theirs.fire(ids[0], "go", CLERK)))
    second.start()
    second.join(1.0)
    assert second.is_alive(), f"the second writer went ahead while the step held its transaction: {results}"
    clock.go.set()
    first.join(20)
    second.join(40)
    assert isinstance(results["ours"], Case), results  # no conflict to retry
    assert isinstance(results["theirs"], second_meets), results  # it read the case after our step
    kinds = [e.kind for e in theirs.store.raw_events(ids[0])]
    assert kinds[:2] == ["started", "fired" if verb == "fire" else "recalendared"]


def test_a_step_that_fails_after_its_commit_keeps_nothing_and_the_store_goes_on(tmp_path: Path) -> None:
    engine, ids = seeded(_url(tmp_path), 1)
    store = engine.store
    assert isinstance(store, SQLStore)
    with pytest.raises(RuntimeError, match="before the step ends"), store.stepping(ids[0]):
        moved = engine.fire(ids[0], "go", CLERK)  # joins the step: its commit is the step's
        assert moved.version == 2
        raise RuntimeError("after the commit, before the step ends")
    fresh = open_store(_url(tmp_path))
    assert (fresh.get(ids[0]).state, fresh.get(ids[0]).version, len(fresh.raw_events(ids[0]))) == ("a", 1, 1)
    kept = store._written._kept.get(ids[0])
    assert kept is None or kept[1].version == 1, "the store kept a case whose commit was rolled back"
    assert store.get(ids[0]).state == "a"
    assert engine.fire(ids[0], "go", CLERK).version == 2  # the next step is neither refused nor in a dead transaction
    assert fresh.get(ids[0]).state == "b"


def test_a_write_lock_that_cannot_be_had_is_a_clear_error_and_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, ids = seeded(_url(tmp_path), 1)
    monkeypatch.setattr(sqlite_store, "BUSY_TIMEOUT_S", 0.2)
    waiting = Engine(open_store(_url(tmp_path)))
    blocker = sqlite3.connect(tmp_path / "cases.db", isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another process's long write
    try:
        started = time.perf_counter()
        with pytest.raises(StoreError, match=r"cannot write to .*locked"):
            waiting.fire(ids[0], "go", CLERK)
        assert time.perf_counter() - started < 5
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert waiting.fire(ids[0], "go", CLERK).state == "b"  # once the lock is free, the same call goes through
    assert engine.get(ids[0]).version == 2


@pytest.fixture(params=["memory", "postgres"])
def side_by_side_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A store whose writers run side by side: memory, or a fresh PostgreSQL schema (dropped after)."""
    if request.param == "memory":
        yield "memory:"
        return
    url = pg_url_for_test()
    yield url
    drop_pg_schema(url)


def test_where_writers_run_side_by_side_a_step_takes_no_lock(side_by_side_url: str) -> None:
    """Memory and PostgreSQL hold nothing for a step: another write between its read and its commit goes
    through at once (the step's own commit would then meet the version check, as it always has)."""
    engine, ids = seeded(side_by_side_url, 1)
    other = Engine(engine.store)
    done = threading.Event()
    with engine.store.stepping(ids[0]):
        read = engine.store.get(ids[0])
        writer = threading.Thread(target=lambda: (other.fire(ids[0], "go", CLERK), done.set()))
        writer.start()
        assert done.wait(20), "a write waited for a step on a store whose writers run side by side"
        writer.join()
    assert engine.store.get(ids[0]).version == read.version + 1
