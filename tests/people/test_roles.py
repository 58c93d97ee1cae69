"""Roles are checked, not claimed: the engine resolves them from the directory at the instant of the action."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from procflow import Actor, Engine, FixedClock, ProcessDefinition, RoleNotAllowed
from procflow.errors import RoleNotHeld, UnknownPerson
from procflow.people import admin
from procflow.people.admin import Draft
from procflow.people.roles import held_roles
from procflow.people_records import Person
from procflow.reports import case_audit
from tests.conftest import AUDITOR, REQUESTER


@pytest.fixture
def office(engine: Engine, mini: ProcessDefinition) -> Engine:
    engine.register(mini)
    engine.publish("mini", "policy", {"limit": 1000}, AUDITOR)
    return engine


def test_the_role_is_chosen_by_the_engine_and_recorded_with_its_grant(office: Engine) -> None:
    case = office.start("mini", Actor("rita"))
    event = case.history[0]
    assert (event.actor, event.role) == ("rita", "requester")
    grant = next(g for g in office.directory.roster().grants_of("rita"))
    assert event.basis == f"grant #{grant.id}"


def test_an_unknown_person_is_refused(office: Engine) -> None:
    with pytest.raises(UnknownPerson, match="no person 'ritta' in the team directory; did you mean 'rita'"):
        office.start("mini", Actor("ritta", "requester"))


def test_a_role_not_held_names_the_missing_grant(office: Engine) -> None:
    with pytest.raises(
        RoleNotHeld, match=r"rita may not start a mini case: missing grant: rita as 'approver' for 'mini'"
    ):
        office.start("mini", Actor("rita", "approver"))
    case = office.start("mini", REQUESTER)
    with pytest.raises(RoleNotHeld, match=r"missing grant: alan as 'requester' for 'mini' \(they hold approver"):
        office.submit(case, "request", {"item": "desk", "amount": 10}, Actor("alan"))


def test_a_held_role_the_step_does_not_allow_is_the_old_refusal(office: Engine) -> None:
    with pytest.raises(RoleNotAllowed):
        office.start("mini", Actor("alan", "approver"))


def test_a_grant_outside_its_dates_is_refused(office: Engine, clock: FixedClock) -> None:
    office.team.change(
        "cast-admin",
        [admin.add_person(Person("tom", "Tom")), admin.grant("tom", "requester", "mini", date(2026, 4, 1))],
        clock.now(),
    )
    with pytest.raises(
        RoleNotHeld, match=r"grant #\d+: tom as requester for mini, 2026-04-01 to … is not valid on 2026-03-02"
    ):
        office.start("mini", Actor("tom"))
    clock.set(datetime(2026, 4, 1, 0, 30, tzinfo=UTC))  # 08:30 in Shanghai, Tom's time zone: his first day
    assert office.start("mini", Actor("tom")).history[0].role == "requester"


def test_a_grant_for_another_process_does_not_serve(office: Engine, clock: FixedClock) -> None:
    office.team.change(
        "cast-admin", [admin.add_person(Person("sue", "Sue")), admin.grant("sue", "requester", "sales")], clock.now()
    )
    with pytest.raises(RoleNotHeld, match="is for another process"):
        office.start("mini", Actor("sue"))


def test_a_substitute_covers_the_absent_persons_roles_on_those_days(office: Engine, clock: FixedClock) -> None:
    office.team.change(
        "cast-admin",
        [admin.add_person(Person("zoe", "Zoe")), admin.substitute("zoe", "alan", date(2026, 3, 2), date(2026, 3, 6))],
        clock.now(),
    )
    case = office.start("mini", REQUESTER)
    case = office.submit(case, "request", {"item": "desk", "amount": 10}, REQUESTER)
    case = office.fire(case, "send", REQUESTER)
    case = office.submit(case, "decision", {"approve": True}, Actor("zoe"))
    cover = case.history[-1]
    assert (cover.actor, cover.role) == ("zoe", "approver") and cover.basis.startswith("cover #")
    assert "for alan, grant #" in cover.basis
    clock.set(datetime(2026, 3, 9, 2, 0, tzinfo=UTC))  # alan is back
    with pytest.raises(RoleNotHeld):
        office.fire(case, "approve", Actor("zoe"))
    audit = case_audit.audit_data(office, case.id, clock.now(), UTC, None)
    assert any("cover #" in str(row) for row in audit["timeline"])


def test_a_person_who_left_can_no_longer_act(office: Engine, clock: FixedClock) -> None:
    case = office.start("mini", REQUESTER)
    office.team.change("cast-admin", [admin.Draft("left", {"person": "rita", "on": "2026-03-02"})], clock.now())
    with pytest.raises(UnknownPerson, match="rita has left the team"):
        office.submit(case, "request", {"item": "desk", "amount": 10}, REQUESTER)
    assert office.get(case.id).history[0].actor == "rita"  # her earlier events stay history


def test_old_events_with_self_declared_roles_stay_valid_history(office: Engine) -> None:
    from procflow.audit import chain_problem

    case = office.start("mini", REQUESTER)
    old = case.history[0]
    from dataclasses import replace

    from procflow.chain import event_digest

    legacy = replace(old, basis=None, hash=None)
    object.__setattr__(legacy, "hash", event_digest(legacy))  # as written before the directory existed
    assert chain_problem([legacy]) is None and legacy.hash != old.hash


def test_a_grant_change_is_seen_at_once_by_this_directory_and_by_another_on_the_store(office: Engine) -> None:
    """The roles a person holds are remembered on the directory's roster, which forgets on every change it folds:
    a grant made or revoked through one engine decides the very next action, there and in another engine."""
    other = Engine(office.store, clock=office.clock)
    now = office.clock.now()

    def roles(engine: Engine) -> set[str]:
        return {h.role for h in held_roles(engine.directory.roster(), "alan", "mini", now)}

    assert roles(office) == roles(other) == {"approver"}  # both memos are warm now
    office.team.change("cast-admin", [admin.grant("alan", "requester", "mini")], now)
    assert roles(office) == roles(other) == {"approver", "requester"}
    case = other.start("mini", Actor("alan", "requester"))
    granted = next(g for g in office.directory.roster().grants_of("alan") if g.role == "requester")
    other.team.change("cast-admin", [Draft("revoked", {"grant": granted.id})], now)
    assert roles(office) == roles(other) == {"approver"}
    with pytest.raises(RoleNotHeld):
        office.submit(case, "request", {"item": "desk", "amount": 10}, Actor("alan", "requester"))
