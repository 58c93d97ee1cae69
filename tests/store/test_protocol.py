"""What every store promises through the `Store` protocol, run against each kind: memory, SQLite, PostgreSQL.

A new store kind registered with `register_store` is checked for every Protocol method at once, and gets these
behaviour tests by adding it to the `store_url` fixture.
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from procflow import Actor, CaseNotFound, ConflictError, Engine, FixedClock, ProcessDefinition, load
from procflow.audit import checkpoint, heads_root, verify
from procflow.chain import stored_digest
from procflow.errors import CaseExists
from procflow.store import base, registry
from procflow.store.base import Checkpoint, Head, Store, WorkerBeat, checkpoint_seal
from procflow.store.board import BoardFilter
from procflow.store.records import event_from_row, event_row, utc
from procflow.worker import Worker
from tests.conftest import APPROVER, REQUESTER, seat
from tests.store.test_faults import CLERK, T0, TICKING

LATER = T0 + timedelta(days=3)  # every ticking case is past its deadline plus 4 hours: its escalation is due


def protocol_gaps(kind: type) -> list[str]:
    """Each Protocol method the class lacks, or takes with other parameters (names, kinds, defaults)."""
    gaps = []
    for name, wanted in vars(Store).items():
        if name.startswith("_") or not callable(wanted):
            continue
        found = getattr(kind, name, None)
        if not callable(found):
            gaps.append(f"{name}: missing")
            continue
        shape = [(p.name, p.kind, p.default is p.empty) for p in inspect.signature(wanted).parameters.values()]
        have = [(p.name, p.kind, p.default is p.empty) for p in inspect.signature(found).parameters.values()]
        if shape != have:
            gaps.append(f"{name}{inspect.signature(found)}: the Protocol says {name}{inspect.signature(wanted)}")
    return gaps


def registered_kinds() -> list[type]:
    """Every store kind `open_store` knows: a bound `from_url`'s class, or (PostgreSQL, whose driver is an optional
    extra and so imported on first use) the class its lazy opener opens."""
    from procflow.store.postgres import PostgresStore

    kinds = [getattr(opener, "__self__", PostgresStore) for opener in registry._OPENERS.values()]
    return list(dict.fromkeys(kinds))


@pytest.mark.parametrize("kind", registered_kinds(), ids=lambda kind: kind.__name__)
def test_every_registered_store_kind_has_every_protocol_method(kind: type) -> None:
    assert protocol_gaps(kind) == []


def test_the_gap_finder_names_a_missing_method_and_a_changed_one() -> None:
    from procflow.store.memory import MemoryStore

    class Lagging(MemoryStore):
        claim = None  # type: ignore[assignment]

        def release(self, worker: str) -> None:  # type: ignore[override]
            pass

    assert protocol_gaps(Lagging) == [
        "claim: missing",
        "release(self, worker: 'str') -> 'None': the Protocol says "
        "release(self, worker: 'str', case_ids: 'Sequence[str]') -> 'None'",
    ]


@pytest.fixture
def reopen(store_url: str, store: Store) -> Iterator[Callable[[], Store]]:
    """Another handle on the store under test: a new connection, or (memory:) the same object."""
    opened: list[Store] = []

    def make() -> Store:
        if store_url == "memory:":
            return store
        opened.append(registry.open_store(store_url))
        return opened[-1]

    yield make
    for handle in opened:
        handle.close()


@pytest.fixture
def ticking(store: Store) -> tuple[Engine, list[str]]:
    """Five ticking cases started at T0, each with its escalation due by LATER."""
    engine = seat(Engine(store, clock=FixedClock(T0)), CLERK)
    engine.register(load(TICKING))
    return engine, [engine.start("ticking", CLERK).id for _ in range(5)]


# --- cases --------------------------------------------------------------------------------


def test_two_writers_on_one_case_exactly_one_wins(
    running: Engine, reopen: Callable[[], Store], mini: ProcessDefinition
) -> None:
    second = Engine(reopen())
    case = running.start("mini", REQUESTER)
    won = running.submit(case, "request", {"item": "a", "amount": 1}, REQUESTER)
    with pytest.raises(ConflictError) as info:
        second.submit(case, "request", {"item": "b", "amount": 1}, REQUESTER)
    # the version check in the commit refused it (a duplicate event key would report no version found)
    assert (info.value.case_id, info.value.expected, info.value.actual) == (case.id, case.version, won.version)
    assert [v.data["item"] for v in second.get(case.id).documents["request"]] == ["a"]
    assert second.get(case.id).version == won.version


def test_the_same_case_id_twice_is_a_conflict_not_a_crash(running: Engine) -> None:
    first = running.start("mini", REQUESTER, case_id="c-1")
    with pytest.raises(ConflictError) as caught:
        running.start("mini", REQUESTER, case_id="c-1")
    assert isinstance(caught.value, CaseExists)
    assert str(caught.value) == "case c-1 already exists in this store; choose another id or leave it out"
    assert running.get("c-1") == first  # the first case is untouched


def test_following_keeps_each_persons_latest_choice_and_survives_a_reopen(
    running: Engine, reopen: Callable[[], Store]
) -> None:
    case = running.start("mini", REQUESTER)
    other = running.start("mini", REQUESTER)
    store = running.store
    store.set_following(case.id, "zoe", True, T0)
    store.set_following(case.id, "adam", True, T0)
    store.set_following(case.id, "adam", False, LATER)  # the latest choice wins: adam unfollowed
    assert store.following(case.id) == {"adam": False, "zoe": True}
    assert list(store.following(case.id)) == ["adam", "zoe"]  # by person
    assert reopen().following(case.id) == {"adam": False, "zoe": True}
    assert store.following(other.id) == {}


def test_following_an_unknown_case_is_case_not_found_and_writes_nothing(running: Engine) -> None:
    with pytest.raises(CaseNotFound):
        running.store.set_following("no-such-case", "zoe", True, T0)
    assert running.store.following("no-such-case") == {}


def test_bulk_reads_return_every_case_with_its_history(running: Engine) -> None:
    first = running.submit(running.start("mini", REQUESTER), "request", {"item": "a", "amount": 5}, REQUESTER)
    second = running.start("mini", REQUESTER)
    bulk = {case.id: case for case in running.store.cases_with_events("mini")}
    assert bulk == {first.id: first, second.id: second}
    assert list(running.store.cases_with_events("no-such-process")) == []


def test_cases_are_counted_per_definition_version_by_a_query(
    running: Engine, mini: ProcessDefinition, mini_copy: Callable[[str, str], Any]
) -> None:
    moving, staying = running.start("mini", REQUESTER), running.start("mini", REQUESTER)
    newer = running.register(load(mini_copy("title: Draft\n", "title: Draft request\n")))
    running.start("mini", REQUESTER)
    running.migrate(moving, newer.content_hash, REQUESTER)
    assert running.store.count_by_definition("mini") == {mini.content_hash: 1, newer.content_hash: 2}
    assert running.get(staying.id).definition_hash == mini.content_hash
    assert running.store.count_by_definition("no-such-process") == {}


# --- tamper evidence ----------------------------------------------------------------------


def test_raw_events_heads_and_event_case_ids_are_the_stored_history(running: Engine) -> None:
    case = running.submit(running.start("mini", REQUESTER), "request", {"item": "a", "amount": 5}, REQUESTER)
    other = running.start("mini", REQUESTER)
    store = running.store
    assert store.raw_events(case.id) == list(case.history) and len(case.history) == 3
    assert store.raw_events("no-such-case") == []
    expected = sorted([Head(case.id, 3, case.history[-1].hash), Head(other.id, 1, other.history[-1].hash)])
    assert store.heads() == expected
    assert store.event_case_ids() == sorted([case.id, other.id])


def test_checkpoints_are_sealed_chained_and_keep_their_heads(running: Engine) -> None:
    case = running.start("mini", REQUESTER)
    store = running.store
    at = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    first = checkpoint(store, at)
    running.submit(case, "request", {"item": "a", "amount": 5}, REQUESTER)
    second = checkpoint(store, at + timedelta(hours=1))
    one, two = store.checkpoints()
    assert (one.number, one.hash) == first and (two.number, two.hash) == second
    assert one.prev == base.NO_CHECKPOINT and two.prev == one.hash
    assert one == Checkpoint(1, utc(at), 1, one.root, one.prev, checkpoint_seal(1, utc(at), one.root, one.prev, 1))
    assert store.checkpoint_heads(1) == [Head(case.id, 1, case.history[-1].hash)]
    assert heads_root(store.checkpoint_heads(2)) == two.root and store.checkpoint_heads(2)[0].version == 3
    assert store.checkpoint_heads(3) == []


def test_raw_event_rows_are_every_stored_event_as_its_row_in_one_read(running: Engine) -> None:
    later = running.submit(running.start("mini", REQUESTER), "request", {"item": "b", "amount": 7}, REQUESTER)
    earlier = running.start("mini", REQUESTER, case_id="0-first")
    rows = running.store.raw_event_rows()
    assert [tuple(row) for row in rows] == [event_row(e) for e in (*earlier.history, *later.history)]
    assert [event_from_row(row) for row in rows] == [*earlier.history, *later.history]
    assert stored_digest(rows[-1]) == later.history[-1].hash  # hashable as stored: data in its canonical spelling


def test_verify_and_checkpoint_work_on_every_store(running: Engine) -> None:
    case = running.submit(running.start("mini", REQUESTER), "request", {"item": "a", "amount": 5}, REQUESTER)
    running.fire(case, "send", REQUESTER)
    _, digest = checkpoint(running.store, datetime(2026, 3, 2, tzinfo=UTC))
    verdict = verify(running.store, digest_written_down=digest[:32])
    assert verdict.ok and (verdict.cases, verdict.events, verdict.checkpoints) == (1, 4, 1)
    assert verify(running.store, digest_written_down="deadbeef").problems == ["no checkpoint has the digest deadbeef"]


# --- workers ------------------------------------------------------------------------------


def test_a_claim_holds_a_case_until_its_lease_ends(ticking: tuple[Engine, list[str]]) -> None:
    engine, ids = ticking
    store = engine.store
    lease = LATER + timedelta(seconds=60)
    assert store.claim("a", T0, lease, 10) == []  # nothing is due yet
    mine = store.claim("a", LATER, lease, 3)
    theirs = store.claim("b", LATER, lease, 10)
    assert len(mine) == 3 and sorted(mine + theirs) == sorted(ids)
    assert store.claim("b", LATER, lease, 10) == []  # all held
    assert sorted(store.claim("c", lease + timedelta(seconds=1), lease + timedelta(minutes=2), 10)) == sorted(ids)


def test_release_drops_only_the_workers_own_claims(ticking: tuple[Engine, list[str]]) -> None:
    engine, ids = ticking
    store = engine.store
    lease = LATER + timedelta(seconds=60)
    mine = store.claim("a", LATER, lease, 2)
    store.release("b", mine)  # not b's to release
    assert sorted(store.claim("b", LATER, lease, 10)) == sorted(set(ids) - set(mine))
    store.release("a", mine)
    assert sorted(store.claim("b", LATER, lease, 10)) == sorted(mine)


def test_a_commit_that_rewrites_the_due_items_drops_the_claim(ticking: tuple[Engine, list[str]]) -> None:
    engine, ids = ticking
    store = engine.store
    lease = LATER + timedelta(seconds=60)
    assert store.claim("a", LATER, lease, 10) != []
    engine.fire(engine.fire(ids[0], "go", CLERK), "back", CLERK)  # back in `a`: due again from T0
    assert store.claim("b", LATER, lease, 10) == [ids[0]]


def test_heartbeats_keep_the_first_host_and_the_latest_beat(store: Store) -> None:
    store.heartbeat("w2", "host-b", 22, T0, T0, 0)
    store.heartbeat("w1", "host-a", 11, T0, T0, 0)
    store.heartbeat("w1", "host-a", 11, T0, LATER, 7)
    assert store.workers() == [
        WorkerBeat("w1", "host-a", 11, utc(LATER), 7),
        WorkerBeat("w2", "host-b", 22, utc(T0), 0),
    ]


def test_workers_on_one_store_fire_each_escalation_once(ticking: tuple[Engine, list[str]]) -> None:
    engine, ids = ticking
    workers = [Worker(engine, name=f"w{i}", batch=2) for i in range(2)]
    threads = [threading.Thread(target=worker.run_once, args=(LATER,)) for worker in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    escalated = [e.case_id for i in ids for e in engine.get(i).history if e.kind == "escalated"]
    assert sorted(escalated) == sorted(ids)
    assert sum(worker.handled for worker in workers) == len(ids)
    assert [beat.worker for beat in engine.store.workers()] == ["w0", "w1"]
    assert Worker(engine, name="w2").run_once(LATER) == []


# --- the pipeline board: one query per column ------------------------------------------------


@pytest.fixture
def boarded(running: Engine, clock: FixedClock) -> Engine:
    """Four mini cases an hour apart: b-1 draft with 300 (rita), b-2 in review with 250.5 (sent by rita, a
    decision by alan), b-3 draft with no document, b-4 draft with 40 started by bob (a second requester)."""
    seat(running, Actor("bob", "requester"))
    b1 = running.start("mini", REQUESTER, case_id="b-1")
    running.submit(b1, "request", {"item": "desk <b>", "amount": 300}, REQUESTER)
    clock.advance(timedelta(hours=1))
    b2 = running.submit(
        running.start("mini", REQUESTER, case_id="b-2"), "request", {"item": "x", "amount": 1}, REQUESTER
    )
    b2 = running.submit(b2, "request", {"item": "lamp", "amount": 250.5}, REQUESTER)
    running.submit(running.fire(b2, "send", REQUESTER), "decision", {"approve": True}, APPROVER)
    clock.advance(timedelta(hours=1))
    running.start("mini", REQUESTER, case_id="b-3")
    clock.advance(timedelta(hours=1))
    running.submit(
        running.start("mini", Actor("bob", "requester"), case_id="b-4"),
        "request",
        {"item": "pen", "amount": 40},
        Actor("bob", "requester"),
    )
    return running


def test_a_board_column_counts_sums_and_pages_in_one_query(boarded: Engine) -> None:
    store = boarded.store
    drafts = store.board_column("mini", ["draft"], limit=2)
    assert (drafts.count, drafts.amount) == (3, 340.0)
    assert [card.case_id for card in drafts.cards] == ["b-1", "b-3"]  # stalest first, two on the page
    first = drafts.cards[0]
    assert (first.state, first.amount, first.first_document) == (
        "draft",
        300.0,
        ("request", {"item": "desk <b>", "amount": 300}),
    )
    assert drafts.cards[1].amount is None and drafts.cards[1].first_document is None
    everything = store.board_column("mini", ["draft", "review", "approved"])
    assert everything.count == 4 and everything.amount == 590.5
    review = store.board_column("mini", ["review"]).cards[0]
    assert review.amount == 250.5  # the latest version that has an amount (the decision has none)
    assert review.first_document == (
        "request",
        {"item": "lamp", "amount": 250.5},
    )  # the first document's latest version
    assert store.board_column("mini", []).count == 0
    counted = store.board_column("mini", ["draft"], limit=0)
    assert (counted.count, counted.amount, counted.cards) == (3, 340.0, ())
    assert store.board_column("other", ["draft"]).cards == ()


def test_a_board_column_keeps_the_cases_its_filter_names(boarded: Engine) -> None:
    store = boarded.store
    column = store.board_column
    assert [c.case_id for c in column("mini", ["draft"], only=BoardFilter(("bob",))).cards] == ["b-4"]
    assert column("mini", ["draft"], only=BoardFilter(("bob",))).amount == 40.0
    assert column("mini", ["review"], only=BoardFilter(("alan",))).count == 1  # he acted in it
    assert column("mini", ["draft"], only=BoardFilter(("alan",))).count == 0
    assert column("mini", ["draft"], only=BoardFilter(("alan", "bob"))).count == 1
    assert column("mini", ["draft"], only=BoardFilter((), ("requester",))).count == 0  # mini queues nothing
    assert column("mini", ["draft"], only=BoardFilter(())).count == 0


def test_a_board_column_keeps_the_cases_waiting_in_a_queue_the_filter_names(
    running: Engine, mini_copy: Callable[[str, str], Any]
) -> None:
    queued = load(mini_copy("stages:\n", "assignment:\n  - {rule: queue, states: [review], role: approver}\nstages:\n"))
    running.register(queued)
    case = running.submit(running.start("mini", REQUESTER), "request", {"item": "a", "amount": 5}, REQUESTER)
    running.fire(case, "send", REQUESTER)  # now in review, waiting in the approvers' queue
    column = running.store.board_column
    assert column("mini", ["review"], only=BoardFilter(("nobody",), ("approver",))).count == 1
    assert column("mini", ["review"], only=BoardFilter(("nobody",), ("auditor",))).count == 0
    assert column("mini", ["review"], only=BoardFilter(("rita",))).count == 1  # she acted in it
