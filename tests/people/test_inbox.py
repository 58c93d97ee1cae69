"""The inbox: the work a person has now, most urgent first, from the store's work index."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest

from procflow import Actor, Engine, load
from procflow.people import admin
from procflow.people_records import Person
from procflow.store import Store
from tests.conftest import APPROVER, REQUESTER, ROOT
from tests.people.conftest import sent

TIMED = ROOT / "tests" / "fixtures" / "timed" / "processes" / "timed.yaml"


def test_the_inbox_lists_held_work_with_moves_and_documents(office: Engine) -> None:
    first, second = sent(office), sent(office)  # round robin: alan, then bea
    entries = office.inbox("alan")
    assert [e.case_id for e in entries] == [first]
    entry = entries[0]
    assert (entry.role, entry.held, entry.documents) == ("approver", True, ("decision",))
    assert entry.moves == ()  # every move from review needs a fresh decision first
    office.submit(first, "decision", {"approve": True}, APPROVER)
    assert office.inbox("alan")[0].moves == ("approve", "reject")
    office.fire(first, "approve", APPROVER)
    assert office.inbox("alan") == [] and [e.case_id for e in office.inbox("bea")] == [second]


def test_queued_work_shows_for_every_holder_of_the_role_until_claimed(queued: Engine) -> None:
    engine = queued
    case = engine.start("mini", REQUESTER)
    assert [(e.case_id, e.held) for e in engine.inbox("ruth")] == [(case.id, False)]
    engine.claim(case, Actor("ruth"))
    assert engine.inbox("rita") == [] and engine.inbox("ruth")[0].held


def test_a_substitute_sees_the_absent_colleagues_work(office: Engine) -> None:
    case_id = sent(office)  # alan's
    office.team.change(
        "cast-admin", [admin.substitute("cy", "alan", date(2026, 3, 1), date(2026, 3, 8))], office.clock.now()
    )
    covering = [e for e in office.inbox("cy") if e.covering == "alan"]
    assert [e.case_id for e in covering] == [case_id]


def test_obligations_carry_their_due_time_in_the_persons_time_zone(engine: Engine, tmp_path: Path) -> None:
    shutil.copytree(TIMED.parent.parent, tmp_path / "timed")
    copy = tmp_path / "timed" / "processes" / "timed.yaml"
    copy.write_text(
        copy.read_text("utf-8").replace("\ninitial:", "\nassignment: [{rule: least_loaded, role: clerk}]\ninitial:"),
        "utf-8",
    )
    engine.register(load(copy))
    engine.team.change(
        "cast-admin",
        [admin.add_person(Person("kim", "Kim", timezone="Europe/Berlin")), admin.grant("kim", "clerk")],
        engine.clock.now(),
    )
    case = engine.start("timed", Actor("kim"))
    entry = engine.inbox("kim")[0]
    assert entry.case_id == case.id
    dues = {d.deadline: d for d in entry.obligations}
    assert all(d.due_at.endswith("+01:00") for d in dues.values())  # Berlin in March
    later = engine.clock.now() + timedelta(days=3)
    assert any(d.status == "overdue" for d in engine.inbox("kim", later)[0].obligations)


def test_the_inbox_is_read_from_the_index_not_a_scan(
    office: Engine, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent(office)
    monkeypatch.setattr(type(store), "cases", lambda *a, **k: pytest.fail("the inbox scanned the cases"))
    monkeypatch.setattr(type(store), "case_ids", lambda *a, **k: pytest.fail("the inbox listed the cases"))
    assert len(office.inbox("alan")) == 1
