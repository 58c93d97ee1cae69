"""A case you follow moved: the starter and the assignee follow by default, anyone who may see the case can
follow it, and each move writes a message to every follower but the mover — in the move's own transaction,
in the follower's language, through the outbox and the message templates."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from procflow import CaseNotFound, ConflictError, Engine, FixedClock, ProcessDefinition, load
from procflow.errors import UnknownPerson
from procflow.notify import DirectoryRecipients, Notifier
from procflow.notify.channels.mail import SMTPChannel
from procflow.notify.wording import stored_wording
from procflow.people.admin import Team, add_person
from procflow.people.cast import CAST_ADMIN
from procflow.people.directory import StoreDirectory
from procflow.people_records import Person
from procflow.records import Actor
from procflow.store.base import Store
from procflow.store.outbox import OutboxRow, OutboxStore
from tests.conftest import APPROVER, AUDITOR, MINI, REQUESTER, Run, seat

MAIL = SMTPChannel("mail", {"host": "127.0.0.1", "port": 1, "security": "none"})  # rows only: nothing is sent
REQUEST = {"item": "desk", "amount": 300}
OUTSIDER = Actor("olga", "requester")


def people_with_mail(engine: Engine, *people: tuple[str, str]) -> None:
    """Add (id, locale) people with an address, so the mail channel reaches them."""
    team = Team(engine.directory)
    drafts = [add_person(Person(pid, pid.title(), f"{pid}@example.com", locale=lang)) for pid, lang in people]
    team.change(CAST_ADMIN, drafts, engine.clock.now())


def notifying(store: Store, clock: FixedClock) -> Engine:
    """An engine whose outbox tells directory people by mail, followers included; its first admin seated."""
    directory = StoreDirectory(store)
    outbox = Notifier(DirectoryRecipients(directory), {"mail": MAIL}, follows=store.following)
    return seat(Engine(store, clock=clock, outbox=outbox, directory=directory))


@pytest.fixture
def told(store: Store, clock: FixedClock, mini: ProcessDefinition) -> Engine:
    """The mini process with the outbox on: rita (en) requests, alan (zh-CN) approves, aude (en) audits."""
    engine = notifying(store, clock)
    people_with_mail(engine, ("rita", "en"), ("alan", "zh-CN"), ("aude", "en"), ("olga", "en"))
    seat(engine, REQUESTER, APPROVER, AUDITOR, OUTSIDER)
    engine.register(mini)
    engine.publish("mini", "policy", {"limit": 1000}, AUDITOR)
    return engine


def moves(store: Store, case_id: str) -> list[OutboxRow]:
    assert isinstance(store, OutboxStore)
    return [r for r in store.outbox_list(case_id=case_id) if r.message.kind == "move"]


def test_followers_hear_of_each_move_but_the_mover_does_not(told: Engine) -> None:
    case = told.submit(told.start("mini", REQUESTER), "request", REQUEST, REQUESTER)
    assert told.followers(case) == ["rita"]  # the starter, by default
    assert told.follow(case.id, "aude") == ["aude", "rita"]
    assert told.follow(case.id, "alan") == ["alan", "aude", "rita"]
    case = told.fire(case, "send", REQUESTER)
    assert sorted(r.message.person for r in moves(told.store, case.id)) == ["alan", "aude"]  # not rita: she moved it
    seq = case.history[-1].seq
    assert {r.message.seq for r in moves(told.store, case.id)} == {seq}

    assert told.unfollow(case.id, "rita") == ["alan", "aude"]  # the starter may stop following too
    case = told.submit(case, "decision", {"approve": True}, APPROVER)
    case = told.fire(case, "approve", APPROVER)
    last = [r.message.person for r in moves(told.store, case.id) if r.message.seq == case.history[-1].seq]
    assert last == ["aude"]  # alan moved it, rita unfollowed


def test_a_move_is_worded_in_the_followers_language_from_the_declared_defaults(told: Engine) -> None:
    case = told.submit(told.start("mini", REQUESTER), "request", REQUEST, REQUESTER)
    told.follow(case.id, "alan")
    told.follow(case.id, "aude")
    case = told.fire(case, "send", REQUESTER)
    wording = stored_wording(told.store)
    words = {r.message.person: wording.words(r.message) for r in moves(told.store, case.id)}
    assert words["aude"][0] == f"{case.id} moved to Review"
    assert "moved from *Draft* to\n*Review* (by rita)" in words["aude"][1]
    assert words["alan"][0] == f"关注的案件 {case.id} 已进入「Review」"
    assert f"procflow unfollow {case.id} --as alan" in words["alan"][1]


def test_a_move_that_loses_the_race_writes_no_message(told: Engine) -> None:
    case = told.submit(told.start("mini", REQUESTER), "request", REQUEST, REQUESTER)
    told.follow(case.id, "aude")
    told.submit(case, "request", {**REQUEST, "amount": 301}, REQUESTER)  # someone else wrote first
    with pytest.raises(ConflictError):
        told.fire(case, "send", REQUESTER)  # the stale version: neither the move nor its message is written
    assert moves(told.store, case.id) == []


def test_only_a_person_of_the_team_who_may_see_the_case_can_follow_it(
    mini_copy: Callable[[str, str], Path], store: Store, clock: FixedClock
) -> None:
    hidden = load(mini_copy("stages:\n", "visibility: {auditor: all}\nstages:\n"))
    engine = seat(Engine(store, clock=clock), REQUESTER, APPROVER, AUDITOR, OUTSIDER)
    engine.register(hidden)
    case = engine.start("mini", REQUESTER)
    with pytest.raises(CaseNotFound):
        engine.follow(case.id, "olga")  # not involved: to her the case is not there
    assert engine.follow(case.id, "aude") == ["aude", "rita"]  # the auditor sees every case
    with pytest.raises(UnknownPerson):
        engine.follow(case.id, "nobody")
    with pytest.raises(CaseNotFound):
        engine.follow("no-such-case", "aude")
    assert engine.followers(case) == ["aude", "rita"]  # the refusals wrote nothing


def test_a_follower_who_can_no_longer_see_the_case_is_not_told(
    mini_copy: Callable[[str, str], Path], store: Store, clock: FixedClock
) -> None:
    hidden = load(mini_copy("stages:\n", "visibility: {auditor: all}\nstages:\n"))
    engine = notifying(store, clock)
    people_with_mail(engine, ("rita", "en"), ("aude", "en"))
    seat(engine, REQUESTER, AUDITOR, APPROVER)
    engine.register(hidden)
    engine.publish("mini", "policy", {"limit": 1000}, AUDITOR)
    case = engine.submit(engine.start("mini", REQUESTER), "request", REQUEST, REQUESTER)
    engine.follow(case.id, "aude")
    store.set_following(case.id, "alan", True, clock.now())  # recorded, but alan (approver) is not involved
    case = engine.fire(case, "send", REQUESTER)
    assert [r.message.person for r in moves(store, case.id)] == ["aude"]


def test_follow_unfollow_and_followers_on_the_command_line(run: Run) -> None:
    assert run("start", str(MINI), "--as", "rita:requester", "--id", "c1")[0] == 0
    assert run("followers", "c1") == (0, "c1: followed by rita\n", "")
    assert run("follow", "c1", "--as", "aude") == (0, "c1: followed by aude, rita\n", "")
    assert run("unfollow", "c1", "--as", "rita") == (0, "c1: followed by aude\n", "")
    code, out, _ = run("followers", "c1", "--json")
    assert (code, json.loads(out)) == (0, {"case": "c1", "followers": ["aude"]})
    assert run("unfollow", "c1", "--as", "aude")[1] == "c1: nobody follows it\n"
    code, _, err = run("follow", "c9", "--as", "aude")
    assert code == 4 and "no case 'c9' in the store" in err
    code, _, err = run("follow", "c1", "--as", "nobody")
    assert code == 3 and "no person 'nobody' in the team directory" in err


def test_a_choice_made_here_after_the_case_was_read_is_heard_at_the_move(told: Engine) -> None:
    case = told.submit(told.start("mini", REQUESTER), "request", REQUEST, REQUESTER)
    read = told.store.get(case.id)  # PostgreSQL reads the follow choices with the row (no one's yet)
    told.follow(case.id, "aude")  # …so this must drop that read, or the move would not tell her
    told.fire(read, "send", REQUESTER)
    assert [r.message.person for r in moves(told.store, case.id)] == ["aude"]


def test_a_choice_made_by_another_process_is_heard_once_the_read_is_no_longer_fresh(
    told: Engine, store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if store_url == "memory:":
        pytest.skip("an in-process store has no other process")
    from procflow.store import follows_sql, open_store

    case = told.submit(told.start("mini", REQUESTER), "request", REQUEST, REQUESTER)
    read = told.store.get(case.id)
    other = open_store(store_url)  # another process's store on the same database
    other.set_following(case.id, "aude", True, told.clock.now())
    other.close()
    monkeypatch.setattr(follows_sql, "READ_AHEAD_S", -1.0)  # the read with the row has gone stale
    told.fire(read, "send", REQUESTER)
    assert [r.message.person for r in moves(told.store, case.id)] == ["aude"]


def test_postgresql_reuses_a_recent_read_of_the_choices_for_the_version_it_was_made_at(
    told: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from procflow.store import follows_sql
    from procflow.store.postgres import PostgresStore

    store = told.store
    if not isinstance(store, PostgresStore):
        pytest.skip("only PostgreSQL reuses a read of the follow choices (a round trip saved)")
    case = told.submit(told.start("mini", REQUESTER), "request", REQUEST, REQUESTER)
    told.follow(case.id, "aude")
    read = store.get(case.id)  # the choices come with the row
    reads: list[str] = []
    real = store._read
    store._read = lambda sql, params=(): reads.append(sql) or real(sql, params)  # type: ignore[method-assign]
    assert store.following(case.id, as_of=read.version - 1) == {"aude": True} and len(reads) == 1  # another version
    read = store.get(case.id)
    reads.clear()
    assert store.following(case.id, as_of=read.version) == {"aude": True} and reads == []  # the row's read
    moved = told.fire(read, "send", REQUESTER)
    reads.clear()
    assert store.following(case.id, as_of=moved.version) == {"aude": True} and reads == []  # the step's, kept
    monkeypatch.setattr(follows_sql, "READ_AHEAD_S", -1.0)
    assert store.following(case.id, as_of=moved.version) == {"aude": True} and len(reads) == 1  # too old: read


def test_a_choice_recorded_while_a_read_is_on_its_way_is_not_hidden_by_it(told: Engine) -> None:
    from procflow.store.postgres import PostgresStore

    store = told.store
    if not isinstance(store, PostgresStore):
        pytest.skip("only PostgreSQL reuses a read of the follow choices")
    case = told.submit(told.start("mini", REQUESTER), "request", REQUEST, REQUESTER)
    real = store._read

    def read_then_someone_follows(sql: str, params: object = ()) -> list[object]:
        rows = real(sql, params)  # type: ignore[arg-type]
        if "FROM follows" in sql:  # the read is made (nobody follows yet); now aude chooses to follow
            store._read = real  # type: ignore[method-assign]
            told.follow(case.id, "aude")
        return rows

    store._read = read_then_someone_follows  # type: ignore[method-assign]
    assert store.following(case.id, as_of=case.version) == {}  # the read began before her choice
    assert store.following(case.id, as_of=case.version) == {"aude": True}  # …so it is not reused
