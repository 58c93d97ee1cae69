"""The outbox in each store: written with its event or not at all, claimed with leases, retried, dead, listed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from procflow import Engine, FixedClock, load
from procflow.errors import ConflictError
from procflow.fold import apply
from procflow.store import Store
from procflow.store.outbox import OutboxMessage, OutboxStore, message_key
from tests.conftest import seat
from tests.store.test_faults import CLERK, T0, TICKING


def _message(
    case_id: str, seq: int, person: str = "p", *, at: datetime = T0, digest: str | None = None
) -> OutboxMessage:
    return OutboxMessage(case_id, seq, person, "mail", "reminder", at, {"subject": "s", "body": "b"}, digest)


def _outbox(store: Store) -> OutboxStore:
    assert isinstance(store, OutboxStore)
    return store


@pytest.fixture
def case_id(store: Store) -> str:
    engine = seat(Engine(store, clock=FixedClock(T0)), CLERK)
    engine.register(load(TICKING))
    return engine.start("ticking", CLERK).id


def _commit_with(store: Store, case_id: str, messages: list[OutboxMessage]) -> None:
    """Append one event to the case (a fire of 'go') with `messages`, as the engine would."""
    engine = Engine(store, clock=FixedClock(T0))
    case = store.get(case_id)
    fired = engine.fire(case_id, "go", CLERK)  # writes the event without messages…
    store.commit(fired, [], None, outbox=messages)  # …then a no-event commit just to carry messages
    assert store.get(case_id).version == fired.version == case.version + 1


def test_messages_are_written_with_their_event_and_listed(store: Store, case_id: str) -> None:
    _commit_with(store, case_id, [_message(case_id, 2, "a"), _message(case_id, 2, "b")])
    rows = _outbox(store).outbox_list()
    assert sorted(r.message.person for r in rows) == ["a", "b"]
    assert {r.status for r in rows} == {"pending"} and {r.attempts for r in rows} == {0}
    assert rows[0].key == message_key(case_id, 2, rows[0].message.person, "mail")
    assert rows[0].message.payload == {"subject": "s", "body": "b"}


def test_a_conflicting_commit_writes_no_messages(store: Store, case_id: str) -> None:
    stale = store.get(case_id)
    Engine(store, clock=FixedClock(T0)).fire(case_id, "go", CLERK)
    event = Engine(store, clock=FixedClock(T0)).get(case_id).history[-1]
    with pytest.raises(ConflictError):
        store.commit(apply(stale, event), [event], None, outbox=[_message(case_id, 2)])
    assert _outbox(store).outbox_list() == []


def test_claims_are_leased_counted_and_exclusive(store: Store, case_id: str) -> None:
    box = _outbox(store)
    _commit_with(store, case_id, [_message(case_id, 2, f"p{i}") for i in range(5)])
    first = box.outbox_claim("w1", T0, T0 + timedelta(minutes=1), 3)
    second = box.outbox_claim("w2", T0, T0 + timedelta(minutes=1), 10)
    assert len(first) == 3 and len(second) == 2
    assert not {r.key for r in first} & {r.key for r in second}
    assert {r.attempts for r in first + second} == {1}
    assert box.outbox_claim("w3", T0, T0 + timedelta(minutes=1), 10) == []  # all held
    later = T0 + timedelta(minutes=2)  # w1 died: its leases ran out
    taken_over = box.outbox_claim("w3", later, later + timedelta(minutes=1), 10)
    assert {r.key for r in taken_over} == {r.key for r in first + second}
    assert {r.attempts for r in taken_over} == {2}


def test_sent_failed_dead_retry_discard(store: Store, case_id: str) -> None:
    box = _outbox(store)
    _commit_with(store, case_id, [_message(case_id, 2, p) for p in ("a", "b", "c")])
    rows = {r.message.person: r for r in box.outbox_claim("w", T0, T0 + timedelta(minutes=1), 10)}
    box.outbox_sent("w", [rows["a"].key], T0)
    box.outbox_failed("w", [rows["b"].key], "451 try later", T0 + timedelta(minutes=5))
    box.outbox_failed("w", [rows["c"].key], "550 no such user", None)
    box.outbox_sent("intruder", [rows["b"].key], T0)  # a worker that does not hold it changes nothing
    by = {r.message.person: r for r in box.outbox_list()}
    assert (by["a"].status, by["b"].status, by["c"].status) == ("sent", "pending", "dead")
    assert by["b"].next_at == T0 + timedelta(minutes=5) and by["b"].last_error == "451 try later"
    assert box.outbox_claim("w", T0 + timedelta(minutes=1), T0 + timedelta(minutes=2), 10) == []  # b waits
    assert [r.key for r in box.outbox_list(status="dead")] == [rows["c"].key]
    assert box.outbox_retry(None, T0) == 1  # every dead one
    assert box.outbox_discard([rows["c"].key[:10]]) == 1  # a key's start is enough
    assert box.outbox_retry([rows["c"].key], T0) == 1 and by["c"].key == rows["c"].key
    retried = {r.message.person: r for r in box.outbox_list()}["c"]
    assert (retried.status, retried.attempts) == ("pending", 0)
    assert box.outbox_discard([rows["a"].key]) == 0  # a sent message stays sent


def test_a_digest_is_claimed_whole(store: Store, case_id: str) -> None:
    box = _outbox(store)
    slot = T0 + timedelta(hours=1)
    _commit_with(
        store,
        case_id,
        [_message(case_id, 2, "solo")] + [_message(case_id, 2, f"d{i}", at=slot, digest="d/mail/x") for i in range(4)],
    )
    solo = box.outbox_claim("w", T0, T0 + timedelta(minutes=1), 1)
    assert [r.message.person for r in solo] == ["solo"]
    box.outbox_sent("w", [solo[0].key], T0)
    claimed = box.outbox_claim("w", slot, slot + timedelta(minutes=1), 1)
    assert sorted(r.message.person for r in claimed) == ["d0", "d1", "d2", "d3"]


def test_messages_wait_for_their_time(store: Store, case_id: str) -> None:
    box = _outbox(store)
    later = datetime(2026, 3, 3, 0, 0, tzinfo=UTC)
    _commit_with(store, case_id, [_message(case_id, 2, at=later)])
    assert box.outbox_claim("w", later - timedelta(seconds=1), later, 5) == []
    assert len(box.outbox_claim("w", later, later + timedelta(minutes=1), 5)) == 1


def test_the_list_pages_by_cursor_in_creation_then_key_order(store: Store, case_id: str) -> None:
    _commit_with(store, case_id, [_message(case_id, 2, p) for p in "abcde"])
    every = _outbox(store).outbox_list()
    first = _outbox(store).outbox_list(limit=2)
    second = _outbox(store).outbox_list(limit=2, after=first[-1].key)
    rest = _outbox(store).outbox_list(after=second[-1].key)
    assert [r.key for r in first + second + rest] == [r.key for r in every] == sorted(r.key for r in every)
    assert _outbox(store).outbox_list(after=every[-1].key) == []
    assert _outbox(store).outbox_list(after="no-such-key") == []
    assert _outbox(store).outbox_list(status="sent", after=first[0].key) == []


def test_a_message_twice_in_one_commit_is_written_once(store: Store, case_id: str) -> None:
    """The key is unique by construction (event, person, channel), not by an index: a batch's repeat is dropped."""
    _commit_with(store, case_id, [_message(case_id, 2, "a"), _message(case_id, 2, "a"), _message(case_id, 2, "b")])
    assert sorted(r.message.person for r in _outbox(store).outbox_list()) == ["a", "b"]


def _carry(store: Store, case_id: str, messages: list[OutboxMessage]) -> None:
    store.commit(store.get(case_id), [], None, outbox=messages)  # a commit with no event, to carry messages


def test_a_message_pending_again_behind_sent_ones_is_claimed(store: Store, case_id: str) -> None:
    """Retried or given back after later messages went out (SQLite finds messages sent at once after a mark)."""
    box, lease = _outbox(store), T0 + timedelta(minutes=1)
    _carry(store, case_id, [_message(case_id, 1, "old")])
    old = box.outbox_claim("w", T0, lease, 10)
    box.outbox_failed("w", [old[0].key], "550 no such user", None)
    for person in ("n1", "n2", "n3"):  # later messages, each sent
        _carry(store, case_id, [_message(case_id, 1, person)])
        box.outbox_sent("w", [r.key for r in box.outbox_claim("w", T0, lease, 10)], T0)
    assert box.outbox_claim("w", T0, lease, 10) == []
    assert box.outbox_retry([old[0].key], T0) == 1  # due at once again: next_at is its creation time
    again = box.outbox_claim("w", T0, lease, 10)
    assert [r.key for r in again] == [old[0].key]
    box.outbox_failed("w", [old[0].key], "451 try later", T0)  # given back for no later than it was made
    assert [r.key for r in box.outbox_claim("w", T0, lease, 10)] == [old[0].key]


def test_a_waiting_message_older_than_sent_ones_goes_out_at_its_time(store: Store, case_id: str) -> None:
    box, later = _outbox(store), T0 + timedelta(hours=8)
    _carry(
        store, case_id, [_message(case_id, 1, "digest", at=later, digest="digest/mail/x"), _message(case_id, 1, "a")]
    )
    for person in ("b", "c"):
        _carry(store, case_id, [_message(case_id, 1, person)])
    first = box.outbox_claim("w", T0, T0 + timedelta(minutes=1), 5)
    assert sorted(r.message.person for r in first) == ["a", "b", "c"]
    box.outbox_sent("w", [r.key for r in first], T0)
    assert box.outbox_claim("w2", T0 + timedelta(hours=1), T0 + timedelta(hours=2), 5) == []
    assert [r.message.person for r in box.outbox_claim("w2", later, later + timedelta(minutes=1), 5)] == ["digest"]
