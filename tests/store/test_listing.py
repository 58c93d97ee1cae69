"""Case lists from the store's rows, on every store kind: filters, order and keyset pages in the query."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from procflow import CaseNotFound, Engine, FixedClock, load
from procflow.store.base import Store
from procflow.store.sql import SQLStore
from tests.conftest import Run, seat
from tests.store.test_faults import CLERK, T0, TICKING


@pytest.fixture
def listed(store: Store) -> tuple[Engine, list[str]]:
    """Seven ticking cases a minute apart (the 2nd, 4th and 6th moved on to b, which has no deadline)."""
    clock = FixedClock(T0)
    engine = seat(Engine(store, clock=clock), CLERK)
    engine.register(load(TICKING))
    ids = []
    for i in range(7):
        clock.advance(timedelta(minutes=1))
        case = engine.start("ticking", CLERK, case_id=f"t-{6 - i}")  # ids against creation order
        if i % 2:
            engine.fire(case, "go", CLERK)
        ids.append(case.id)
    return engine, ids


def test_pages_follow_creation_order_and_continue_after_the_last_row(listed: tuple[Engine, list[str]]) -> None:
    engine, ids = listed
    store = engine.store
    first = store.case_page(limit=3)
    assert [row.id for row in first] == ids[:3]
    assert [row.id for row in store.case_page(after=first[-1].id, limit=3)] == ids[3:6]
    assert [row.id for row in store.case_page(after=ids[5], limit=3)] == ids[6:]
    assert store.case_page(after=ids[6]) == []
    row = first[1]
    assert (row.process_id, row.state, row.version) == ("ticking", "b", 2)
    assert row.created_at == T0 + timedelta(minutes=2) and row.updated_at == row.created_at


def test_filters_are_the_query_s(listed: tuple[Engine, list[str]]) -> None:
    engine, ids = listed
    store = engine.store
    assert [r.id for r in store.case_page(states=["b"])] == ids[1::2]
    assert [r.id for r in store.case_page(process_id="ticking", states=["a"], limit=2)] == [ids[0], ids[2]]
    assert store.case_page(process_id="other") == [] and store.case_page(states=[]) == []
    assert [r.id for r in store.case_page(due_by=T0 + timedelta(days=3))] == ids[0::2]  # only a has a deadline
    assert store.case_page(due_by=T0) == []


def test_paging_after_an_unknown_case_is_refused(listed: tuple[Engine, list[str]]) -> None:
    with pytest.raises(CaseNotFound):
        listed[0].store.case_page(after="nope")


def test_the_engine_pages_through_all_and_checks_what_the_rows_cannot_say(listed: tuple[Engine, list[str]]) -> None:
    engine, ids = listed
    assert [r.id for r in engine.case_rows("ticking", state="a", limit=2)] == [ids[0], ids[2]]
    assert [r.id for r in engine.case_rows("ticking", role="clerk", after=ids[4])] == ids[5:]
    late = T0 + timedelta(days=3)
    assert engine.cases("ticking", overdue_at=late) == sorted({o.case.id for o in engine.overdue(late)}, key=ids.index)


def test_the_list_query_reads_an_index_not_the_table(listed: tuple[Engine, list[str]]) -> None:
    store = listed[0].store
    if not isinstance(store, SQLStore) or store.explain != "EXPLAIN QUERY PLAN ":
        pytest.skip("SQLite shows its plan for a small table as it would for a large one")
    plan = " ".join(store.page_plan("ticking", ["a"], None))
    assert "USING INDEX cases_by_state_created" in plan and "TEMP B-TREE" not in plan, plan
    assert "TEMP B-TREE" not in " ".join(store.page_plan(None, None, None))


def test_list_streams_json_and_pages_on_the_command_line(run: Run) -> None:
    from tests.conftest import MINI

    for n in range(3):
        assert run("start", str(MINI), "--as", "rita:requester", "--id", f"c{n}")[0] == 0
    code, out, _ = run("list", "--json")
    assert code == 0 and [row["id"] for row in json.loads(out)] == ["c0", "c1", "c2"]
    assert out.startswith('[\n  {\n    "id"')  # the shape every command prints
    code, out, _ = run("list", "--after", "c0", "--limit", "1")
    header, *lines = out.splitlines()
    assert code == 0 and header.split()[0] == "CASE" and [line.split()[0] for line in lines] == ["c1"]
    assert run("list", "--json", "--process", "none")[1] == "[]\n"
    code, _, err = run("list", "--after", "ghost")
    assert code == 4 and "no case 'ghost'" in err
