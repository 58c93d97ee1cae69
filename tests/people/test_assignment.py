"""Work belongs to a person: rules pick who holds each case's work; claim, release, delegate, transfer, reassign."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from procflow import Actor, ConflictError, DefinitionError, Engine, Refusal, load, open_store
from procflow.errors import DirectoryRefused, RoleNotHeld, UnknownPerson
from procflow.people import admin
from procflow.people_records import Person
from procflow.store import Store
from tests.conftest import APPROVER, AUDITOR, REQUESTER, seat
from tests.people.conftest import BEA, CY, REQUEST, RULES, holder, sent


def test_round_robin_takes_turns_among_the_roles_active_members(office: Engine) -> None:
    ids = [sent(office) for _ in range(5)]
    assert [holder(office, i) for i in ids] == ["alan", "bea", "cy", "mona", "alan"]
    event = office.get(ids[0]).history[-1]
    assert event.kind == "assigned" and event.basis == "rule round_robin" and event.data["person"] == "alan"


def test_keep_before_anyone_did_the_step_is_whoever_started_the_case(office: Engine) -> None:
    case = office.start("mini", Actor("ruth"))
    first = office.assignee(case)
    assert first is not None and (first.person, first.rule) == ("ruth", "keep (who started it)")


def test_keep_gives_the_case_back_to_whoever_did_the_step(office: Engine) -> None:
    case = office.start("mini", Actor("ruth"))
    case = office.submit(case, "request", REQUEST, Actor("ruth"))
    case = office.fire(case, "send", Actor("ruth"))
    case = office.submit(case, "decision", {"approve": False}, APPROVER)
    case = office.fire(case, "send_back", APPROVER)
    held = office.assignee(case)
    assert held is not None and (held.person, held.rule) == ("ruth", "keep (fire:send)")


def test_claim_release_from_a_queue(queued: Engine) -> None:
    engine = queued
    case = engine.start("mini", REQUESTER)
    queued = engine.assignee(case)
    assert queued is not None and (queued.person, queued.role) == (None, "requester")
    case = engine.claim(case, REQUESTER)
    assert engine.assignee(case).person == "rita"  # type: ignore[union-attr]
    with pytest.raises(Refusal, match="already held by rita"):
        engine.claim(case, REQUESTER)
    with pytest.raises(RoleNotHeld, match="missing grant: alan as 'requester'"):
        engine.claim(engine.release(case, REQUESTER), Actor("alan"))
    assert engine.get(case.id).history[-1].kind == "released"


def test_delegated_work_comes_back_when_done_transferred_work_does_not(office: Engine) -> None:
    case_id = sent(office)
    case = office.delegate(case_id, "bea", APPROVER)
    assert holder(office, case_id) == "bea" and case.history[-1].data["back_to"] == "alan"  # type: ignore[index]
    office.submit(case_id, "decision", {"approve": True}, BEA)
    assert holder(office, case_id) == "alan"
    office.transfer(case_id, "cy", APPROVER)
    office.submit(case_id, "decision", {"approve": True}, CY)
    assert holder(office, case_id) == "cy"
    with pytest.raises(Refusal, match="alan does not hold case"):
        office.transfer(case_id, "bea", APPROVER)
    with pytest.raises(RoleNotHeld, match="rita as 'approver'"):
        office.transfer(case_id, "rita", CY)


def test_a_manager_reassigns_others_may_not(office: Engine) -> None:
    case_id = sent(office)
    with pytest.raises(DirectoryRefused, match="bea may not reassign this case"):
        office.assign(case_id, "bea", BEA)
    case = office.assign(case_id, "cy", Actor("mona"))
    event = case.history[-1]
    assert (event.kind, event.actor, event.basis, event.data["from"]) == (
        "reassigned",
        "mona",
        "manager of alan",
        "alan",
    )  # type: ignore[index]
    assert holder(office, case_id) == "cy"


def test_two_managers_reassigning_at_once_one_wins(tmp_path: Path, mini_copy: Callable[[str, str], Path]) -> None:
    url = f"sqlite:///{tmp_path / 'two.db'}"
    first = seat(Engine(open_store(url)), REQUESTER, APPROVER, AUDITOR, BEA, CY)
    first.register(load(mini_copy("initial: draft", RULES)))
    first.publish("mini", "policy", {"limit": 1000}, AUDITOR)
    first.team.change("cast-admin", [admin.grant("cast-admin", "directory_admin")], first.clock.now())
    second = Engine(open_store(url))
    case_id = sent(first)
    seen_by_first, seen_by_second = first.get(case_id), second.get(case_id)
    first.assign(seen_by_first, "bea", Actor("cast-admin"))
    with pytest.raises(ConflictError):
        second.assign(seen_by_second, "cy", Actor("cast-admin"))
    assert holder(second, case_id) == "bea"


def test_a_process_without_assignment_rules_records_no_assignments(engine: Engine, mini: object) -> None:
    engine.register(mini)  # type: ignore[arg-type]
    case = engine.start("mini", REQUESTER)
    assert [e.kind for e in case.history] == ["started"] and engine.assignee(case) is None


def test_a_person_who_leaves_mid_case_has_their_cases_reassigned(office: Engine, store: Store) -> None:
    ids = [sent(office) for _ in range(4)]  # alan, bea, cy, mona
    moved = office.leave("bea", Actor("cast-admin"))
    assert [case for case, _ in moved] == [ids[1]]
    new = holder(office, ids[1])
    assert new not in (None, "bea")
    event = office.get(ids[1]).history[-1]
    assert (event.kind, event.data["from"], event.basis) == ("reassigned", "bea", "bea left")  # type: ignore[index]
    assert store.work("bea") == []
    with pytest.raises(UnknownPerson, match="bea has left"):
        office.submit(ids[1], "decision", {"approve": True}, BEA)
    office.team.change(
        "cast-admin", [admin.add_person(Person("dan", "Dan")), admin.grant("dan", "approver")], office.clock.now()
    )
    assert holder(office, sent(office)) != "bea"  # no more turns for someone who left


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ("assignment:\n  - {rule: keep, role: approver}\ninitial: draft", "rule keep needs the step"),
        ("assignment:\n  - {rule: round_robin, states: [limbo]}\ninitial: draft", "unknown state 'limbo'"),
        (
            "assignment:\n  - {rule: keep, role: approver, step: 'fire:aprove'}\ninitial: draft",
            "did you mean 'approve'",
        ),
        ("visibility: {boss: all}\ninitial: draft", "unknown role 'boss'"),
    ],
)
def test_bad_assignment_rules_are_refused_at_load(
    mini_copy: Callable[[str, str], Path], rules: str, message: str
) -> None:
    with pytest.raises(DefinitionError, match=message):
        load(mini_copy("initial: draft", rules))
