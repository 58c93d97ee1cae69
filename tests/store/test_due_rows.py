"""The due index on the case rows (schema 15): a page of due items is the head of the whole list however the
items of several cases interleave, and a store whose items were in their own table keeps every one of them
through the move."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from procflow import Actor, Engine, FixedClock, load, open_store
from procflow.definition.model import ProcessDefinition
from procflow.store import Store
from procflow.store.base import DueItem
from procflow.store.migrations import SCHEMA_VERSION
from procflow.store.queue_sql import DueRow, due_json
from procflow.store.records import utc
from procflow.store.sql import SQLStore
from procflow.store.sqlite import SQLiteStore
from tests.conftest import PROCESSES, seat
from tests.store.conftest import undo_due_on_case_rows

TIMED = PROCESSES.parent / "tests" / "fixtures" / "timed" / "processes" / "timed.yaml"
T0 = datetime(2026, 3, 2, 8, tzinfo=UTC)
CLERK = Actor("c", "clerk")
FAR = T0 + timedelta(days=30)


def staggered(store: Store, count: int = 4) -> Engine:
    """`count` timed cases started an hour apart: each in triage with two deadlines, whose alerts (a reminder
    two hours before one day, and 24 hours) fall between those of the cases started next to it."""
    clock = FixedClock(T0)
    engine = seat(Engine(store, clock=clock), CLERK)
    engine.register(load(TIMED))
    for i in range(count):  # ids in the reverse of the time order, so no order by id can pass for one by time
        engine.start("timed", CLERK, case_id=f"timed-{count - i}")
        clock.advance(timedelta(hours=1))
    return engine


def _when(item: DueItem, alerts: bool) -> datetime:
    at = item.alert_at if alerts else item.due_at
    assert at is not None
    return at


@pytest.mark.parametrize("alerts", [False, True], ids=["due", "alerts"])
def test_a_page_of_due_items_is_the_head_of_the_whole_list(store: Store, alerts: bool) -> None:
    staggered(store)
    every = store.due(FAR, alerts=alerts)
    assert len(every) == 8 and len({i.case_id for i in every}) == 4
    assert every == sorted(every, key=lambda i: (_when(i, alerts), i.case_id, i.key))
    cases_in_order = [i.case_id for i in every]
    assert cases_in_order != sorted(cases_in_order), "the items of different cases must interleave"
    for limit in range(len(every) + 1):
        assert store.due(FAR, alerts=alerts, limit=limit) == every[:limit], limit
    for item in every:
        bound = _when(item, alerts)
        assert store.due(bound, alerts=alerts) == [i for i in every if _when(i, alerts) <= bound]


def test_items_in_their_own_table_move_onto_the_case_rows_whole(durable_url: str) -> None:
    engine = staggered(open_store(durable_url))
    store = engine.store
    assert isinstance(store, SQLStore)
    engine.fire(store.case_ids()[1], "answer", CLERK)  # one case leaves triage: its items go
    seen = _everything(store)
    assert len(seen[0]) == 6 and len(seen[3]) == 2
    store._write("test", undo_due_on_case_rows)
    assert store.schema_version() == SCHEMA_VERSION - 2
    store.close()
    upgraded = open_store(durable_url)
    assert isinstance(upgraded, SQLStore) and upgraded.schema_version() == SCHEMA_VERSION
    assert _everything(upgraded) == seen
    upgraded.close()


def _everything(store: Store) -> tuple[list[DueItem], list[DueItem], list[tuple[str, list[DueItem]]], list[str]]:
    """Every way the store hands out its due items: by due time, by alert, per case, and the late list."""
    per_case = sorted((summary.id, items) for summary, items in store.due_cases(FAR))
    late = [row.id for row in store.case_page(process_id="timed", due_by=T0 + timedelta(days=1, hours=2))]
    return store.due(FAR), store.due(FAR, alerts=True), per_case, late


def test_the_due_queries_search_the_due_indexes_not_every_case(tmp_path: Path) -> None:
    """On SQLite, each query of the due index reads its index: an ORDER BY the planner can only serve by the
    case key would walk every case (it did, for `due_cases`, at 30 ms among 20,000 cases)."""
    store = open_store(f"sqlite:///{tmp_path / 'plans.db'}")
    assert isinstance(store, SQLiteStore)
    staggered(store)
    issued: list[str] = []
    store._db.set_trace_callback(issued.append)
    store.due(FAR)
    store.due(FAR, alerts=True, limit=3)
    store.due_cases(FAR)
    store.claim("w", FAR, FAR + timedelta(minutes=1), 2)
    store._db.set_trace_callback(None)
    selects = [sql for sql in issued if sql.startswith("SELECT") and " FROM cases" in sql]
    assert len(selects) == 4
    for sql in selects:
        plan = " ".join(str(row[-1]) for row in store._db.execute("EXPLAIN QUERY PLAN " + sql))
        assert "USING INDEX cases_by_due" in plan or "USING INDEX cases_by_alert" in plan, (sql, plan)
        assert "SCAN cases" not in plan, (sql, plan)
    store.close()


def test_a_case_migrated_to_a_version_without_deadlines_leaves_the_due_index(store: Store, tmp_path: Path) -> None:
    engine = staggered(store, count=2)
    without = _without_deadlines(tmp_path)
    engine.register(without)
    moved, kept = sorted(store.case_ids())
    assert {i.case_id for i in store.due(FAR)} == {moved, kept}
    engine.migrate(moved, without.content_hash, CLERK, force=True)
    assert {i.case_id for i in store.due(FAR)} == {kept}
    assert {i.case_id for i in store.due(FAR, alerts=True)} == {kept}
    assert [summary.id for summary, _ in store.due_cases(FAR)] == [kept]
    late = [row.id for row in store.case_page(process_id="timed", due_by=FAR)]
    assert late == [kept]


def _without_deadlines(folder: Path) -> ProcessDefinition:
    """Version 2 of the timed process: the same states and moves, not one deadline."""
    shutil.copytree(TIMED.parent.parent, folder / "timed")
    spec = yaml.safe_load(TIMED.read_text())
    spec["version"] = "2"
    for state in spec["states"].values():
        state.pop("deadlines", None)
    path = folder / "timed" / "processes" / "timed.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True))
    return load(path)


_NAMES = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
_TIMES = st.datetimes(timezones=st.just(UTC)).map(utc)


@given(
    st.lists(
        st.tuples(
            _NAMES, _NAMES, st.none() | _NAMES, _TIMES, st.none() | _TIMES, st.none() | _TIMES, st.integers(0, 1)
        ),
        max_size=3,
    )
)
def test_due_json_is_the_json_encoding_of_the_rows(rows: list[DueRow]) -> None:
    """The case row's `due` text is written by hand on the hot path: it must be what `json` writes."""
    assert due_json(rows) == json.dumps(rows, ensure_ascii=False, separators=(",", ":"))
    assert json.loads(due_json(rows)) == [list(r) for r in rows]
