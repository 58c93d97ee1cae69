"""The case row's snapshot and its deadline trail equal what replaying the events gives: after every step of
every scenario, on every store. A snapshot that disagrees with its history is named by `verify` and refused by
a read that can tell; a store from before snapshots is migrated in its one transaction."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from procflow import Actor, Engine, FixedClock, load, open_store
from procflow.audit import verify
from procflow.deadline_trail import from_history, open_obligations
from procflow.deadlines import obligations
from procflow.errors import StoreError
from procflow.fold import replay
from procflow.records import SYSTEM, SYSTEM_ROLE, Case
from procflow.scenario import StepResult, read_scenario, run_scenario
from procflow.store import Store
from procflow.store.migrations import MIGRATIONS, SCHEMA_VERSION
from procflow.store.snapshots import case_from_snapshot, mismatch, snapshot_json
from procflow.store.sql import SQLStore
from procflow.store.sql_outbox import MIGRATION as OUTBOX_V5
from tests.conftest import APPROVER, AUDITOR, PROCESSES, REQUESTER, seat
from tests.store.conftest import undo_due_on_case_rows

SCENARIOS = sorted(PROCESSES.glob("*/scenarios/*.yaml"))
SNAPSHOTS = next(i for i, (title, _) in enumerate(MIGRATIONS, 1) if "snapshot" in title)  # its schema version


def before_snapshots(tx: Any) -> None:
    """Undo the snapshots step and every later one: the due items back in their table, its judged columns, the
    outbox back in its schema-5 layout (it holds no rows), then the snapshots."""
    assert SCHEMA_VERSION == SNAPSHOTS + 4, "a new step: undo it here too"
    undo_due_on_case_rows(tx)
    assert not tx.execute("SELECT 1 FROM outbox")
    for statement in (
        "ALTER TABLE due DROP COLUMN provisional",
        "ALTER TABLE due DROP COLUMN opened_at",
        "DROP TABLE outbox",
        *OUTBOX_V5,
        "ALTER TABLE cases DROP COLUMN snapshot",
    ):
        tx.execute(statement)
    tx.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SNAPSHOTS - 1),))


def replay_disagrees(engine: Engine, case_id: str, now: datetime) -> list[str]:
    """Every way the stored snapshot of a case differs from its replayed history (empty: none)."""
    stored = engine.store.get(case_id)
    replayed = replay(engine.store.raw_events(case_id))
    problems = [problem] if (problem := mismatch(stored, replayed)) else []
    if isinstance(engine.store, SQLStore):  # `get` may hand back the case it wrote: check the row's text too
        (text,) = engine.store._read("SELECT snapshot FROM cases WHERE id = ?", (case_id,))[0]
        decoded = case_from_snapshot(text, lambda: engine.store.raw_events(case_id))
        problems += [f"the row: {problem}"] if (problem := mismatch(decoded, replayed)) else []
        if snapshot_json(decoded) != snapshot_json(stored):
            problems.append("the case read differs from the one its row's snapshot decodes to")
    definition = engine.definition(stored.process_id, stored.definition_hash)
    if stored.trail is not None:
        rebuilt = from_history(definition, replayed.history)
        if dict(stored.trail) != rebuilt:
            problems.append(f"trail {dict(stored.trail)} != replayed {rebuilt}")
        calendar = engine._compile(stored.definition_hash).calendar
        from_trail = open_obligations(definition, stored, calendar, now)
        from_events = [
            o
            for o in obligations(definition, replayed, calendar, now, current_only=True)
            if o.deadline.kind != "lead_time"
        ]
        if from_trail != from_events:
            problems.append(f"open obligations {from_trail} != replayed {from_events}")
    return problems


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[f"{p.parent.parent.name}/{p.stem}" for p in SCENARIOS])
def test_the_snapshot_equals_the_replay_after_every_step(scenario: Path, store: Store) -> None:
    clock = FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
    engine = Engine(store, clock=clock)
    definition = engine.register(load(PROCESSES / f"{scenario.parent.parent.name}.yaml"))
    seen: list[str] = []
    checked: list[int] = []

    def check(step: StepResult, case: Case | None) -> None:
        if case is not None:
            seen.extend(f"step {step.index}: {p}" for p in replay_disagrees(engine, case.id, clock.now()))
            checked.append(step.index)

    result = run_scenario(read_scenario(scenario), engine, clock, definition.id, on_step=check)
    assert result.failures == []
    assert seen == []
    assert checked and result.case is not None, "the scenario made no case"
    case = store.get(result.case.id)
    assert case.history == replay(store.raw_events(case.id)).history  # read on demand, and the same events


def test_a_step_reads_the_snapshot_not_the_history(durable_url: str, mini: object) -> None:
    engine = seat(Engine(open_store(durable_url)), REQUESTER, APPROVER, AUDITOR)
    engine.register(mini)  # type: ignore[arg-type]
    engine.publish("mini", "policy", {"limit": 1000}, AUDITOR)
    case = engine.start("mini", REQUESTER)
    case = engine.submit(case.id, "request", {"item": "desk", "amount": 300}, REQUESTER)
    store = engine.store
    assert isinstance(store, SQLStore)
    reads: list[str] = []
    real = store.raw_events
    store.raw_events = lambda case_id: reads.append(case_id) or real(case_id)  # type: ignore[method-assign]
    moved = engine.fire(case.id, "send", REQUESTER)
    assert moved.state == "review" and reads == []  # the whole step, from read to commit, without the history
    assert len(moved.history) == 4 and reads == []  # its length is known without reading it
    assert [e.kind for e in moved.history][-1] == "fired" and reads == [case.id]  # read only when looked at


def _edit_snapshot(store: SQLStore, case_id: str, old: str, new: str) -> None:
    def work(tx: object) -> None:
        (text,) = tx.execute("SELECT snapshot FROM cases WHERE id = ?", (case_id,))[0]  # type: ignore[attr-defined]
        assert old in text
        tx.execute("UPDATE cases SET snapshot = ? WHERE id = ?", (text.replace(old, new), case_id))  # type: ignore[attr-defined]

    store._write("test", work)


def test_a_snapshot_edited_by_hand_is_named_by_verify(history: tuple[SQLStore, str]) -> None:
    store, case_id = history
    assert verify(store).ok
    _edit_snapshot(store, case_id, '"state":"approved"', '"state":"review"')
    verdict = verify(store)
    assert verdict.problems == [
        f"case {case_id}: its snapshot disagrees with its history: state is 'review', the events say 'approved' "
        "(the history is the truth; nothing was changed)"
    ]


def test_a_snapshot_that_ends_elsewhere_than_the_history_is_refused_not_trusted(history: tuple[SQLStore, str]) -> None:
    store, case_id = history
    _edit_snapshot(store, case_id, '"version":6', '"version":5')
    with pytest.raises(StoreError, match=rf"the snapshot of case {case_id} says version 5, but its history ends at "):
        store.get(case_id)
    assert any("snapshot" in p for p in verify(store).problems)


def test_a_store_from_before_snapshots_is_migrated_in_one_transaction(
    history: tuple[SQLStore, str], durable_url: str
) -> None:
    store, case_id = history
    before = replay(store.raw_events(case_id))

    store._write("test", before_snapshots)
    store.close()
    upgraded = open_store(durable_url)
    assert isinstance(upgraded, SQLStore) and upgraded.schema_version() == SCHEMA_VERSION
    assert mismatch(upgraded.get(case_id), before) is None
    assert verify(upgraded).ok


def test_a_migrated_store_rebuilds_each_trail_from_history_at_its_next_step(durable_url: str) -> None:
    """Snapshots backfilled by the migration carry no deadline trail: the next step rebuilds it from the
    history once (the one time a step reads it), and from then on it is kept from the event at hand."""
    clock = FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
    engine = Engine(open_store(durable_url), clock=clock)
    definition = engine.register(load(PROCESSES / "sales.yaml"))
    scenario = read_scenario(PROCESSES / "sales" / "scenarios" / "deadline_missed_over_holiday.yaml")
    case = run_scenario(scenario, engine, clock, definition.id).case
    assert case is not None and engine.store.get(case.id).trail is not None
    store = engine.store
    assert isinstance(store, SQLStore)

    store._write("test", before_snapshots)
    store.close()
    engine = Engine(open_store(durable_url), clock=clock)
    assert engine.store.get(case.id).trail is None  # the migration replays the records, not the process
    overdue_before = [(o.case.id, o.obligation.key) for o in engine.overdue()]
    engine.note(case.id, "recalendared", {"why": "test"}, Actor(SYSTEM, SYSTEM_ROLE))
    assert engine.store.get(case.id).trail is not None
    assert replay_disagrees(engine, case.id, clock.now()) == []
    assert [(o.case.id, o.obligation.key) for o in engine.overdue()] == overdue_before
    assert verify(engine.store).ok


def test_a_step_on_a_snapshot_that_ends_elsewhere_writes_nothing(history: tuple[SQLStore, str], mini: object) -> None:
    store, case_id = history
    _edit_snapshot(store, case_id, '"version":6', '"version":5')
    engine = seat(Engine(store), REQUESTER)
    with pytest.raises(StoreError, match="run 'procflow verify'"):
        engine.note(case_id, "recalendared", {"why": "test"}, REQUESTER)
    assert len(store.raw_events(case_id)) == 6


_TEXT = st.text(max_size=12)  # any text: quotes, backslashes, control characters, CJK, lone surrogates excepted
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | _TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXT, inner, max_size=3),
    max_leaves=6,
)
_WHEN = st.datetimes(timezones=st.sampled_from([UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-5))]))


@given(
    st.fixed_dictionaries(
        {
            "id": _TEXT,
            "process_id": _TEXT,
            "definition_hash": _TEXT,
            "state": _TEXT,
            "version": st.integers(1, 10**9),
            "created_at": _WHEN,
            "updated_at": _WHEN,
            "entered_seq": st.integers(1, 10**9),
            "data": st.dictionaries(_TEXT, _JSON, max_size=3),
            "leaves": st.dictionaries(_TEXT, st.integers(1, 10**6), max_size=3),
            "head": st.none() | _TEXT,
            "doers": st.dictionaries(_TEXT, st.lists(_TEXT, max_size=3).map(tuple), max_size=3),
            "involved": st.lists(_TEXT, max_size=3).map(tuple),
            "trail": st.none() | st.dictionaries(_TEXT, _JSON, max_size=3),
        }
    )
)
def test_the_snapshot_spelled_by_hand_is_what_json_writes_and_reads_back(fields: dict[str, Any]) -> None:
    """`snapshot_json` spells the fixed parts itself on the hot path: its text must be the encoder's, to the
    character (the cache of committed cases compares the row's text), and decode to the same case."""
    mapped = {"data", "leaves", "doers"}
    case = Case(**{name: MappingProxyType(value) if name in mapped else value for name, value in fields.items()})
    text = snapshot_json(case)
    assert text == json.dumps(json.loads(text), ensure_ascii=False, separators=(",", ":"))
    decoded = case_from_snapshot(text, lambda: [])
    assert mismatch(decoded, case) is None
    assert (decoded.leaves, decoded.doers, decoded.involved, decoded.data) == (
        case.leaves,
        case.doers,
        case.involved,
        case.data,
    )
    assert decoded.trail == case.trail and decoded.created_at == case.created_at
