"""Multi-party sign-off: all (会签), any (或签), quorum (票签), ordered; 加签 / 减签; verdict separation; races."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path
from typing import Any

import pytest

from procflow import Actor, Engine, load
from procflow.definition.loader import check
from procflow.errors import (
    AlreadySigned,
    ConflictError,
    DutiesNotSeparated,
    RoundClosed,
    SignoffRefused,
)
from procflow.records import Case
from tests.conftest import ROOT, line_of, seat

SIGNOFF = ROOT / "tests" / "fixtures" / "signoff" / "processes" / "signoff.yaml"
RITA, FAY, LEE, MAX = (
    Actor("rita", "requester"),
    Actor("fay", "finance"),
    Actor("lee", "legal"),
    Actor("max", "manager"),
)
ALL = "      mode: all\n"


@pytest.fixture
def engine(engine: Engine) -> Engine:
    """The shared engine, with this file's cast seated: rita, fay, lee and max in their roles."""
    return seat(engine, RITA, FAY, LEE, MAX)


def variant(tmp_path: Path, old: str = ALL, new: str = ALL) -> Path:
    target = tmp_path / "signoff"
    shutil.copytree(SIGNOFF.parent.parent, target, dirs_exist_ok=True)
    path = target / "processes" / "signoff.yaml"
    text = path.read_text("utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), "utf-8")
    return path


def in_review(engine: Engine, path: Path, writer: Actor = RITA) -> Case:
    case = engine.start(load(path), RITA)
    case = engine.submit(case, "request", {"text": "a new laptop"}, writer)
    return engine.fire(case, "send", RITA)


@pytest.fixture
def review(engine: Engine, tmp_path: Path) -> Case:
    return in_review(engine, variant(tmp_path))


def test_all_needs_every_signer_and_then_moves_on_by_itself(engine: Engine, review: Case) -> None:
    case = engine.sign(review, "approve", FAY, comment="budget is there")
    case = engine.sign(case, "approve", LEE)
    assert case.state == "review" and engine.signoff(case).pending == ("manager",)  # type: ignore[union-attr]
    case = engine.sign(case, "approve", MAX)
    assert case.state == "approved"
    signed, fired = case.history[-2:]
    assert (signed.kind, signed.actor, signed.data) == (
        "signed",
        "max",
        {"state": "review", "verdict": "approve", "signer": "manager", "comment": ""},
    )
    assert (fired.kind, fired.trigger, fired.role) == ("fired", "approve", "system")
    assert case.history[-4].data["comment"] == "budget is there"  # type: ignore[index]


def test_a_reject_in_all_ends_the_round_as_the_yaml_says(engine: Engine, review: Case) -> None:
    case = engine.sign(review, "approve", FAY)
    case = engine.sign(case, "reject", LEE, comment="no contract attached")
    assert case.state == "draft" and case.history[-1].trigger == "send_back"
    again = engine.fire(case, "send", RITA)
    assert engine.signoff(again).signed == ()  # type: ignore[union-attr]  # a new round on re-entry


def test_any_is_decided_by_the_first_approval(engine: Engine, tmp_path: Path) -> None:
    case = in_review(engine, variant(tmp_path, ALL, "      mode: any\n"))
    case = engine.sign(case, "reject", FAY)
    assert case.state == "review"
    assert engine.sign(case, "approve", LEE).state == "approved"


def test_quorum_counts_approvals_and_rejects_once_it_cannot_be_reached(engine: Engine, tmp_path: Path) -> None:
    path = variant(tmp_path, ALL, "      mode: quorum\n      quorum: 2\n")
    case = engine.sign(in_review(engine, path), "approve", FAY)
    assert engine.sign(case, "approve", LEE).state == "approved"
    other = engine.sign(in_review(engine, path), "reject", FAY)
    assert other.state == "review"
    assert engine.sign(other, "reject", LEE).state == "draft"  # only one signer left: 2 can no longer approve


def test_ordered_signers_sign_in_turn(engine: Engine, tmp_path: Path) -> None:
    case = in_review(engine, variant(tmp_path, ALL, "      mode: all\n      ordered: true\n"))
    with pytest.raises(SignoffRefused, match="next to sign: finance") as refused:
        engine.sign(case, "approve", LEE)
    assert refused.value.reason == "not_your_turn"
    assert engine.sign(case, "approve", FAY).version == case.version + 1


def test_a_person_signs_once_whatever_role_they_act_in(engine: Engine, review: Case) -> None:
    seat(engine, Actor("fay", "legal"))  # fay holds both signer roles
    case = engine.sign(review, "approve", FAY)
    with pytest.raises(AlreadySigned):
        engine.sign(case, "approve", Actor("fay", "legal"))
    with pytest.raises(SignoffRefused, match="does not sign"):
        engine.sign(case, "approve", Actor("aude", "auditor"))
    with pytest.raises(SignoffRefused, match="a verdict is one of approve, reject"):
        engine.sign(case, "maybe", LEE)
    assert engine.get(case.id).version == case.version  # nothing stored


def test_signing_after_the_round_closed_is_refused(engine: Engine, tmp_path: Path) -> None:
    path = variant(tmp_path, "      on_reject: send_back\n", "")
    case = engine.sign(in_review(engine, path), "reject", FAY)  # decided; no move named for a rejection
    assert case.state == "review" and engine.signoff(case).outcome == "rejected"  # type: ignore[union-attr]
    with pytest.raises(RoundClosed):
        engine.sign(case, "approve", LEE)


def test_the_owner_adds_and_removes_signers_while_the_round_is_open(engine: Engine, review: Case) -> None:
    with pytest.raises(SignoffRefused, match="only the owner"):
        engine.add_signer(review, "auditor", FAY)
    with pytest.raises(SignoffRefused, match="not a team role"):
        engine.add_signer(review, "vendor", MAX)
    case = engine.add_signer(review, "auditor", MAX)  # 加签
    assert case.history[-1].kind == "signer_added"
    case = engine.sign(engine.sign(engine.sign(case, "approve", FAY), "approve", LEE), "approve", MAX)
    assert case.state == "review"  # the auditor has not signed
    case = engine.remove_signer(case, "auditor", MAX)  # 减签: the round is now complete and moves on
    assert [e.kind for e in case.history[-2:]] == ["signer_removed", "fired"] and case.state == "approved"


def test_a_signer_who_signed_cannot_be_removed(engine: Engine, review: Case) -> None:
    case = engine.sign(review, "approve", FAY)
    with pytest.raises(SignoffRefused, match="has signed already"):
        engine.remove_signer(case, "finance", MAX)


def test_separation_names_a_verdict_and_available_shows_it_first(engine: Engine, tmp_path: Path) -> None:
    case = in_review(engine, variant(tmp_path), writer=Actor("fay", "finance"))  # finance wrote the request
    options = {(o.kind, o.trigger): o for o in engine.available(case, FAY)}
    assert not options[("sign", "approve")].allowed
    assert "requester_not_approver" in options[("sign", "approve")].reasons[0]
    assert options[("sign", "reject")].allowed  # the rule names approving only
    with pytest.raises(DutiesNotSeparated):
        engine.sign(case, "approve", FAY)
    assert engine.sign(case, "reject", FAY).state == "draft"


def test_the_decided_move_cannot_be_fired_by_hand_before_the_round_decides(engine: Engine, review: Case) -> None:
    with pytest.raises(SignoffRefused, match="once it is approved; it is open"):
        engine.fire(review, "approve", MAX)


def test_racing_sign_offs_one_wins_one_event(engine: Engine, review: Case) -> None:
    results: list[Any] = []

    def sign(actor: Actor) -> None:
        try:
            results.append(engine.sign(review, "approve", actor))
        except ConflictError as exc:
            results.append(exc)

    threads = [threading.Thread(target=sign, args=(a,)) for a in (FAY, LEE)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(type(r).__name__ for r in results) == ["Case", "ConflictError"]
    stored = engine.get(review.id)
    assert stored.version == review.version + 1 and stored.history[-1].kind == "signed"


@pytest.mark.parametrize(
    ("old", "new", "phrase", "line"),
    [
        (
            "signers: [finance, legal, manager]",
            "signers: [finance, legl, manager]",
            "signer 'legl' is not a role",
            "legl",
        ),
        ("signers: [finance, legal, manager]", "signers: [finance, vendor]", "role 'vendor' is external", "vendor]"),
        (ALL, "      mode: quorum\n      quorum: 4\n", "a quorum of 4 cannot be reached with 3", "quorum: 4"),
        (ALL, "      mode: quorum\n      quorum: 0\n", "a quorum of 0 cannot be reached", "quorum: 0"),
        ("on_approve: approve", "on_approve: send", "on_approve names 'send', which does not leave", "on_approve"),
        ('may_not: "approve:review"', 'may_not: "approve:draft"', "'draft' takes no sign-offs", "approve:draft"),
    ],
    ids=["unknown-signer", "external-signer", "quorum-above-signers", "quorum-zero", "on-approve", "verdict-rule"],
)
def test_sign_off_mistakes_are_load_errors_at_their_place(
    tmp_path: Path, old: str, new: str, phrase: str, line: str
) -> None:
    path = variant(tmp_path, old, new)
    found = [p for p in check(path).errors if phrase in p.message]
    assert len(found) == 1, check(path).problems
    assert found[0].line == line_of(path, line)


def test_the_history_reads_each_sign_off_and_change_of_signers(engine: Engine, review: Case) -> None:
    from procflow.narration import describe_event

    case = engine.add_signer(review, "auditor", MAX)
    case = engine.sign(case, "reject", FAY, comment="no budget")
    lines = [describe_event(e).split("  ", 1)[1] for e in case.history[-3:]]
    assert lines == [
        "max (manager) added signer auditor on review",
        "fay (finance) rejected on review: no budget",
        "procflow (system) moved the case from review to draft (send_back)",
    ]


def test_diff_and_handbook_read_the_sign_off(tmp_path: Path) -> None:
    from procflow.diff import compare
    from procflow.handbook import build

    old = load(variant(tmp_path))
    new = load(variant(tmp_path / "b", ALL, "      mode: quorum\n      quorum: 2\n"))
    [change] = [c for c in compare(old, new) if c.id == "review"]
    assert change.details == ("sign-off mode: all → quorum", "sign-off quorum: None → 2")
    assert "Sign-off: 2 (票签): Finance, Legal, Manager" in build(new, lang="en")
