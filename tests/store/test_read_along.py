"""The reads a step on a SQL store leaves out: the directory's head rides in the case read, and a case with no
inbox row deletes none. Each is exact: a change through another engine on the same database decides the very
next step."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from procflow import Engine, load, open_store
from procflow.definition.model import ProcessDefinition
from procflow.errors import RoleNotHeld
from procflow.people import admin
from procflow.store.sqlite import SQLiteStore
from tests.conftest import APPROVER, AUDITOR, REQUESTER, seat

QUEUE = """assignment:
  - {rule: queue, role: requester, states: [draft]}
initial: draft"""


def _nobodys_review(mini_copy: Callable[[str, str], Path]) -> ProcessDefinition:
    """The mini process whose drafts wait in the requester queue, and whose reviews are nobody's work."""
    path = mini_copy("initial: draft", QUEUE)
    path.write_text(path.read_text("utf-8").replace("    owner: approver\n", "", 1), "utf-8")
    return load(path)


REQUEST = {"item": "desk", "amount": 10}


@pytest.fixture
def pair(durable_url: str, mini_copy: Callable[[str, str], Path]) -> Iterator[tuple[Engine, Engine]]:
    """Two engines on one database, as two servers or a server and the CLI."""
    one = seat(Engine(open_store(durable_url)), REQUESTER, APPROVER, AUDITOR)
    one.register(_nobodys_review(mini_copy))
    one.publish("mini", "policy", {"limit": 1000}, AUDITOR)
    two = Engine(open_store(durable_url))
    yield one, two
    one.store.close()
    two.store.close()


@contextmanager
def statements(store: SQLiteStore) -> Iterator[list[str]]:
    said: list[str] = []
    store._db.set_trace_callback(said.append)
    try:
        yield said
    finally:
        store._db.set_trace_callback(None)


def in_review(engine: Engine) -> str:
    case = engine.start("mini", REQUESTER)
    case = engine.submit(case, "request", REQUEST, REQUESTER)
    return engine.fire(case, "send", REQUESTER).id


def test_a_grant_revoked_through_another_engine_refuses_the_next_step_by_id(pair: tuple[Engine, Engine]) -> None:
    one, two = pair
    case_id = one.start("mini", REQUESTER).id
    one.submit(case_id, "request", REQUEST, REQUESTER)  # the directory is read along with the case here
    grant = next(g for g in two.directory.roster().grants_of("rita") if g.role == "requester")
    two.team.change("cast-admin", [admin.Draft("revoked", {"grant": grant.id})], two.clock.now())
    with pytest.raises(RoleNotHeld):
        one.fire(case_id, "send", REQUESTER)
    two.team.change("cast-admin", [admin.grant("rita", "requester", "mini")], two.clock.now())
    assert one.fire(case_id, "send", REQUESTER).state == "review"


def test_a_grant_revoked_through_this_engine_refuses_its_next_step_by_id(pair: tuple[Engine, Engine]) -> None:
    one, _ = pair
    case_id = one.start("mini", REQUESTER).id
    one.submit(case_id, "request", REQUEST, REQUESTER)
    grant = next(g for g in one.directory.roster().grants_of("rita") if g.role == "requester")
    one.team.change("cast-admin", [admin.Draft("revoked", {"grant": grant.id})], one.clock.now())
    with pytest.raises(RoleNotHeld):
        one.fire(case_id, "send", REQUESTER)


def test_an_inbox_row_another_engine_wrote_goes_with_the_next_step(pair: tuple[Engine, Engine]) -> None:
    one, two = pair
    case_id = in_review(one)  # nobody's: no inbox row, and this store knows it
    assert one.store.work("rita", ["requester"]) == []
    two.submit(case_id, "decision", {"approve": False}, APPROVER)
    two.fire(case_id, "send_back", APPROVER)  # back in the requester queue: the other engine writes the row
    assert [item.case_id for item in one.store.work("rita", ["requester"])] == [case_id]
    one.fire(case_id, "send", REQUESTER)
    assert one.store.work("rita", ["requester"]) == []
    assert two.store.work("rita", ["requester"]) == []


def test_a_step_by_id_reads_nothing_but_its_case(tmp_path: Path, mini_copy: Callable[[str, str], Path]) -> None:
    store = SQLiteStore(tmp_path / "cases.db")
    engine = seat(Engine(store), REQUESTER, APPROVER, AUDITOR)
    engine.register(_nobodys_review(mini_copy))
    engine.publish("mini", "policy", {"limit": 1000}, AUDITOR)
    case_id = in_review(engine)
    with statements(store) as said:
        engine.submit(case_id, "decision", {"approve": False}, APPROVER)
    reads = [s for s in said if s.startswith("SELECT")]
    assert len(reads) == 1 and "directory_events" in reads[0], said  # the head in the case's own statement
    assert not any(s.startswith("DELETE FROM work") for s in said), said  # nobody's case: no row to delete
    with statements(store) as said:
        engine.fire(case_id, "send_back", APPROVER)  # into the queue: the row is written
    assert any(s.startswith("INSERT INTO work") for s in said), said
    store.close()
