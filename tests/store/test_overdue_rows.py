"""`overdue` answers from the store's due rows (one query, no snapshot read for a `within` deadline), and what
it answers equals the judgement of each case's replayed history: after every step of every scenario, at that
instant, later ones with no step between and either side of each due time, on every store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from procflow import Actor, Engine, FixedClock, load, open_store
from procflow.deadlines import obligations
from procflow.fold import replay
from procflow.records import Case
from procflow.runtime.due import late
from procflow.runtime.timekeeping import Overdue
from procflow.scenario import StepResult, read_scenario, run_scenario
from procflow.store import Store
from procflow.store.base import CaseSummary
from procflow.store.sql import SQLStore
from tests.conftest import PROCESSES, seat
from tests.store.conftest import undo_due_on_case_rows

SCENARIOS = sorted(PROCESSES.glob("*/scenarios/*.yaml"))
LATER = [timedelta(0), timedelta(hours=1), timedelta(days=1), timedelta(days=3), timedelta(days=8), timedelta(days=40)]


def replayed_overdue(engine: Engine, case_id: str, now: datetime) -> list[Overdue]:
    """The case's overdue entries judged on its whole replayed history (not its trail, not its due rows)."""
    case = replay(engine.store.raw_events(case_id))
    compiled = engine._compile(case.definition_hash)
    found: dict[str, Overdue] = {}
    for o in obligations(compiled.definition, case, compiled.calendar, now, current_only=True):
        if o.deadline.kind == "lead_time" or not late(o) or o.due_at is None or o.due_at > now:
            continue
        earlier = found.get(group := o.key.split("#")[0])
        found[group] = Overdue(CaseSummary.of(case), o, now - o.due_at, earlier.missed_periods + 1 if earlier else 1)
    return sorted(found.values(), key=lambda e: (e.obligation.due_at, e.case.id, e.obligation.key))


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[f"{p.parent.parent.name}/{p.stem}" for p in SCENARIOS])
def test_overdue_from_the_rows_equals_the_replayed_judgement_after_every_step(scenario: Path, store: Store) -> None:
    clock = FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
    engine = Engine(store, clock=clock)
    definition = engine.register(load(PROCESSES / f"{scenario.parent.parent.name}.yaml"))
    seen: list[str] = []
    judged: list[int] = []

    def check(step: StepResult, case: Case | None) -> None:
        if case is None:
            return
        due = [item.due_at for item in engine.store.due(clock.now() + timedelta(days=3650))]
        edges = [at + timedelta(seconds=s) for at in due for s in (-1, 0, 1)]  # just before, at and after each
        for now in [clock.now() + later for later in LATER] + edges:
            ours = engine.overdue(now)
            truth = replayed_overdue(engine, case.id, now)
            if ours != truth:
                seen.append(f"step {step.index} at {now}: {ours} != {truth}")
            judged.extend(1 for _ in truth)

    result = run_scenario(read_scenario(scenario), engine, clock, definition.id, on_step=check)
    assert result.failures == []
    assert seen == []
    if scenario.stem == "deadline_missed_over_holiday":
        assert judged, "a deadline scenario with nothing ever overdue proves nothing"


def test_a_within_deadline_is_judged_without_reading_the_case(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FixedClock(datetime(2026, 3, 2, 1, tzinfo=UTC))
    engine = Engine(store, clock=clock)
    engine.register(load(PROCESSES.parent / "tests" / "fixtures" / "timed" / "processes" / "timed.yaml"))
    clerk = Actor("c", "clerk")
    seat(engine, clerk)
    case = engine.start("timed", clerk)  # in triage: answer within a day (and within 24 hours)
    monkeypatch.setattr(store, "get", _no_read)
    now = clock.now() + timedelta(days=3)
    entries = engine.overdue(now)
    assert {(e.case.id, e.obligation.status) for e in entries} == {(case.id, "overdue")}
    assert all(e.lateness == now - e.obligation.due_at for e in entries if e.obligation.due_at)
    monkeypatch.undo()
    assert entries == replayed_overdue(engine, case.id, now)
    assert engine.overdue(clock.now()) == []  # not due yet


def _no_read(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("overdue read a case for a within deadline")


def test_a_row_from_before_schema_14_is_judged_from_its_case(durable_url: str) -> None:
    """A due row without its opening time (written before schema 14) keeps its NULLs through the move onto
    the case rows (schema 15), and `overdue` judges it from the case's trail."""
    clock = FixedClock(datetime(2026, 3, 2, 1, tzinfo=UTC))
    engine = Engine(open_store(durable_url), clock=clock)
    engine.register(load(PROCESSES.parent / "tests" / "fixtures" / "timed" / "processes" / "timed.yaml"))
    clerk = Actor("c", "clerk")
    seat(engine, clerk)
    case = engine.start("timed", clerk)
    now = clock.now() + timedelta(days=3)
    expected = engine.overdue(now)
    store = engine.store
    assert isinstance(store, SQLStore) and expected

    def before_schema_14(tx: Any) -> None:
        undo_due_on_case_rows(tx)
        tx.execute("UPDATE due SET opened_at = NULL, provisional = NULL")

    store._write("test", before_schema_14)
    store.close()
    upgraded = open_store(durable_url)  # moves the rows onto the case rows, their NULLs with them
    assert upgraded.due(now)[0].opened_at is None
    reads: list[str] = []
    real = upgraded.get
    upgraded.get = lambda case_id: reads.append(case_id) or real(case_id)  # type: ignore[method-assign]
    assert Engine(upgraded, clock=clock).overdue(now) == expected and reads == [case.id]  # the trail can tell
    upgraded.close()
