"""Who may see what: all, team or involved per role; an invisible case is not found, on every read path."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest

from procflow import Actor, CaseNotFound, Engine, load, open_store
from procflow.cli import main
from procflow.people import admin
from tests.conftest import APPROVER, AUDITOR, REQUESTER, seat
from tests.people.conftest import BEA, CY, RULES, sent

SEEING = RULES.replace("initial: draft", "visibility: {approver: team, auditor: all}\ninitial: draft")


def staffed(engine: Engine, mini_copy: Callable[[str, str], Path]) -> Engine:
    engine.register(load(mini_copy("initial: draft", SEEING)))
    engine.publish("mini", "policy", {"limit": 1000}, AUDITOR)
    seat(engine, BEA, CY, Actor("mona", "approver"), Actor("ruth", "requester"))
    lines = [admin.Draft("reports_to", {"person": p, "manager": "mona"}) for p in ("alan", "bea")]
    engine.team.change("cast-admin", lines, engine.clock.now())
    return engine


@pytest.fixture
def seeing(engine: Engine, mini_copy: Callable[[str, str], Path]) -> Engine:
    return staffed(engine, mini_copy)


def test_each_role_sees_what_its_visibility_allows(seeing: Engine) -> None:
    case_id = sent(seeing)  # rita's request, now with alan
    assert seeing.get(case_id, viewer="rita").id == case_id  # involved: she started it
    assert seeing.get(case_id, viewer="alan").id == case_id  # involved: he holds it
    assert seeing.get(case_id, viewer="mona").id == case_id  # team: alan reports to her
    assert seeing.get(case_id, viewer="aude").id == case_id  # all
    for outsider in ("bea", "cy", "ruth"):  # bea and cy manage nobody involved; ruth is not involved
        with pytest.raises(CaseNotFound, match=f"no case {case_id!r}"):
            seeing.get(case_id, viewer=outsider)
    assert seeing.get(case_id).id == case_id  # the operator, reading as nobody in particular, sees it


def test_list_and_render_hide_what_a_person_may_not_see(seeing: Engine) -> None:
    mine, other = sent(seeing), sent(seeing, Actor("ruth"))  # alan holds the first, bea the second
    assert seeing.cases("mini", viewer="alan") == [mine]
    assert sorted(seeing.cases("mini", viewer="mona")) == sorted([mine, other])
    assert seeing.cases("mini", viewer="cy") == []
    assert "desk" in seeing.render(mine, "request", viewer="rita")
    with pytest.raises(CaseNotFound):
        seeing.render(other, "request", viewer="rita")


def test_a_case_in_a_queue_is_seen_by_the_roles_holders(seeing: Engine) -> None:
    case_id = sent(seeing)
    seeing.release(case_id, APPROVER)  # back in the approver queue
    assert seeing.get(case_id, viewer="cy").id == case_id


def test_a_process_without_visibility_shows_every_case(engine: Engine, mini: object) -> None:
    engine.register(mini)  # type: ignore[arg-type]
    case = engine.start("mini", REQUESTER)
    assert engine.get(case.id, viewer="alan").id == case.id


def test_the_command_line_reads_as_a_person(tmp_path: Path, mini_copy: Callable[[str, str], Path]) -> None:
    url = f"sqlite:///{tmp_path / 'v.db'}"
    engine = staffed(seat(Engine(open_store(url)), REQUESTER, APPROVER, AUDITOR), mini_copy)
    case_id = sent(engine)
    engine.submit(case_id, "decision", {"approve": True}, APPROVER)

    def run(*argv: str) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        return main([*argv, "--db", url], out, err), out.getvalue(), err.getvalue()

    code, out, _ = run("status", case_id, "--as", "alan")
    assert code == 0 and "assignee  alan" in out
    for argv in (["status", case_id], ["history", case_id], ["render", case_id, "request"], ["audit", case_id]):
        code, _, err = run(*argv, "--as", "cy")
        assert code == 4 and f"no case {case_id!r}" in err, argv
    assert run("list", "--process", "mini", "--as", "cy")[1] == "no case matches these filters\n"
    assert case_id in run("list", "--process", "mini", "--as", "mona")[1]
    code, out, _ = run(
        "report", "--process", "mini", "--from", "2026-01-01", "--to", "2027-01-01", "--format", "json", "--as", "cy"
    )
    assert code == 0 and '"cases": 0' in out
    code, out, _ = run(
        "report", "--process", "mini", "--from", "2026-01-01", "--to", "2027-01-01", "--format", "json", "--as", "aude"
    )
    assert '"cases": 1' in out
    code, out, _ = run("inbox", "--as", "alan")
    assert code == 0 and case_id in out and "can fire: approve, reject" in out
    assert "nothing for cy now" in run("inbox", "--as", "cy")[1]


def test_bea_still_holds_nothing_she_may_not_see(seeing: Engine) -> None:
    sent(seeing)
    sent(seeing)  # bea's
    assert all(seeing.sees("bea", seeing.get(e.case_id)) for e in seeing.inbox("bea"))


def test_a_delegate_may_see_the_case_lent_to_them(seeing: Engine) -> None:
    case_id = sent(seeing)
    seeing.delegate(case_id, "cy", APPROVER)
    assert seeing.get(case_id, viewer="cy").id == case_id
    seeing.submit(case_id, "decision", {"approve": True}, CY)
    assert seeing.get(case_id).history[-1].data["person"] == "alan"  # type: ignore[index]


def test_the_work_verbs_on_the_command_line(tmp_path: Path, mini_copy: Callable[[str, str], Path]) -> None:
    url = f"sqlite:///{tmp_path / 'w.db'}"
    engine = staffed(seat(Engine(open_store(url)), REQUESTER, APPROVER, AUDITOR), mini_copy)
    case_id = sent(engine)  # alan's

    def run(*argv: str) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        return main([*argv, "--db", url], out, err), out.getvalue(), err.getvalue()

    assert run("release", case_id, "--as", "alan")[1] == f"{case_id}: now with the approver queue\n"
    assert run("claim", case_id, "--as", "cy")[1] == f"{case_id}: now with cy\n"
    assert run("delegate", case_id, "bea", "--as", "cy")[1] == f"{case_id}: now with bea\n"
    code, _, err = run("assign", case_id, "alan", "--as", "cy")
    assert code == 3 and "cy may not reassign this case" in err
    assert run("assign", case_id, "alan", "--as", "mona")[1] == f"{case_id}: now with alan\n"
    code, _, err = run("transfer", case_id, "rita", "--as", "alan")
    assert code == 3 and "missing grant: rita as 'approver'" in err
