"""A SQL store hands back the case it committed when the row still holds exactly the snapshot it wrote
(engine/store/written.py): never when another writer, a migration or a hand edit changed the row, never with
the history chain of every step it made, and never more cases at once than its bound."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import pytest

from procflow import Engine, FixedClock, ProcessDefinition, load, open_store
from procflow.audit import verify
from procflow.scenario import read_scenario, run_scenario
from procflow.store import written
from procflow.store.snapshots import case_from_snapshot, mismatch, snapshot_json
from procflow.store.sql import SQLStore
from tests.conftest import APPROVER, AUDITOR, PROCESSES, REQUESTER, seat

NOTE = ("recalendared", {"why": "test"})


def _engine(url: str, mini: ProcessDefinition) -> Engine:
    engine = seat(Engine(open_store(url)), REQUESTER, APPROVER, AUDITOR)
    engine.register(mini)
    engine.publish("mini", "policy", {"limit": 1000}, AUDITOR)
    return engine


def _row_text(store: SQLStore, case_id: str) -> str:
    return str(store._read("SELECT snapshot FROM cases WHERE id = ?", (case_id,))[0][0])


def test_a_step_by_another_process_is_read_from_the_row_not_the_case_kept(
    durable_url: str, mini: ProcessDefinition
) -> None:
    ours, theirs = _engine(durable_url, mini), _engine(durable_url, mini)
    case = ours.start("mini", REQUESTER)
    ours.submit(case.id, "request", {"item": "desk", "amount": 300}, REQUESTER)
    moved = theirs.fire(case.id, "send", REQUESTER)  # the same case, stepped through another store
    seen = ours.store.get(case.id)
    assert (seen.state, seen.version, seen.head) == ("review", moved.version, moved.head)
    later = ours.submit(case.id, "decision", {"approve": True}, APPROVER)  # and a step on it is not refused
    assert later.version == moved.version + 1


def test_a_hand_edit_that_keeps_version_and_head_is_read_and_named(durable_url: str, mini: ProcessDefinition) -> None:
    engine = _engine(durable_url, mini)
    case = engine.start("mini", REQUESTER)
    engine.submit(case.id, "request", {"item": "desk", "amount": 300}, REQUESTER)
    store = engine.store
    assert isinstance(store, SQLStore)
    text = _row_text(store, case.id)
    assert '"state":"draft"' in text
    edited = text.replace('"state":"draft"', '"state":"review"')
    store._write("test", lambda tx: tx.execute("UPDATE cases SET snapshot = ? WHERE id = ?", (edited, case.id)))
    assert store.get(case.id).state == "review"  # what the row says now, not what this process wrote
    assert any("snapshot disagrees" in p for p in verify(store).problems)


def test_the_case_kept_is_the_case_its_snapshot_decodes_to(durable_url: str) -> None:
    clock = FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
    engine = Engine(open_store(durable_url), clock=clock)
    definition = engine.register(load(PROCESSES / "sales.yaml"))
    scenario = read_scenario(PROCESSES / "sales" / "scenarios" / "deadline_missed_over_holiday.yaml")
    case = run_scenario(scenario, engine, clock, definition.id).case
    assert case is not None
    store = engine.store
    assert isinstance(store, SQLStore)
    kept = store._written.find(case.id, _row_text(store, case.id), partial(store.raw_events, case.id))
    assert kept is not None, "the last step's case was not kept"
    decoded = case_from_snapshot(_row_text(store, case.id), lambda: store.raw_events(case.id))
    assert snapshot_json(kept) == snapshot_json(decoded) and mismatch(kept, decoded) is None
    assert kept.trail is not None and dict(kept.trail) == dict(decoded.trail or {})
    assert list(kept.history) == list(decoded.history) == store.raw_events(case.id)


def test_each_case_read_back_reads_its_own_history_and_holds_no_chain_of_steps(
    durable_url: str, mini: ProcessDefinition
) -> None:
    """A kept case whose history were the committed one would share one read among every later step (so a
    look at step 30 reads nothing) and hold every event this process added to it."""
    engine = _engine(durable_url, mini)
    case_id = engine.start("mini", REQUESTER).id
    store = engine.store
    assert isinstance(store, SQLStore)
    reads: list[str] = []
    real = store.raw_events
    store.raw_events = lambda case_id: reads.append(case_id) or real(case_id)  # type: ignore[method-assign]
    for step in range(1, 31):
        engine.note(case_id, *NOTE, REQUESTER)
        read = store.get(case_id)
        assert len(reads) == step - 1 and len(read.history) == step + 1
        assert [e.seq for e in read.history] == list(range(1, step + 2))  # read from the store, all of it
        assert len(reads) == step


def test_two_reads_of_an_unchanged_row_each_read_the_history_so_an_edit_in_between_shows(
    durable_url: str, mini: ProcessDefinition
) -> None:
    engine = _engine(durable_url, mini)
    case = engine.start("mini", REQUESTER)
    engine.submit(case.id, "request", {"item": "desk", "amount": 300}, REQUESTER)
    store = engine.store
    assert isinstance(store, SQLStore)
    assert verify(store).ok and "desk" in str([e.data for e in store.get(case.id).history])  # read once
    edit = "UPDATE events SET data = replace(data, 'desk', 'yacht') WHERE case_id = ?"
    store._write("test", lambda tx: tx.execute(edit, (case.id,)))  # behind procflow's back
    assert "yacht" in str([e.data for e in store.get(case.id).history])  # the events as they are now
    assert not verify(store).ok


def test_at_most_kept_max_cases_are_kept(
    durable_url: str, mini: ProcessDefinition, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(written, "KEPT_MAX", 3)
    engine = _engine(durable_url, mini)
    started = [engine.start("mini", REQUESTER) for _ in range(7)]
    store = engine.store
    assert isinstance(store, SQLStore)
    assert 0 < len(store._written._kept) <= 3
    assert [store.get(c.id).id for c in started] == [c.id for c in started]  # and the others are read from rows


def test_a_kept_case_is_found_only_for_its_exact_text(tmp_path: Path, mini: ProcessDefinition) -> None:
    engine = _engine(f"sqlite:///{tmp_path / 'cases.db'}", mini)
    case = engine.start("mini", REQUESTER)
    store = engine.store
    assert isinstance(store, SQLStore)
    text = _row_text(store, case.id)
    history = partial(store.raw_events, case.id)
    assert store._written.find(case.id, text, history) is not None
    assert store._written.find(case.id, text + " ", history) is None
    assert store._written.find("another", text, history) is None
