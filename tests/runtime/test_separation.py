"""Separation of duties: whoever did one step may not do the other on the same case."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from procflow import Actor, DutiesNotSeparated, Engine, load
from procflow.diff import compare
from tests.conftest import AUDITOR, REQUESTER, seat

RULE = """separation:
  - id: requester_not_decider
    title: Who asked may not decide
    did: "submit:request"
    may_not: "submit:decision"
  - id: requester_not_approver
    title: Who asked may not approve
    did: "submit:request"
    may_not: "fire:approve"
roles:
  requester:"""


@pytest.fixture
def separated(engine: Engine, mini_copy: Callable[[str, str], Path]) -> Engine:
    engine.register(load(mini_copy("roles:\n  requester:", RULE)))
    engine.publish("mini", "policy", {"limit": 1000}, AUDITOR)
    return engine


def test_the_same_person_may_not_take_both_steps_even_in_another_role(separated: Engine) -> None:
    rita_as_approver = Actor("rita", "approver")
    seat(separated, rita_as_approver)  # she holds both roles: the rule judges the person, not the role
    case = separated.submit(separated.start("mini", REQUESTER), "request", {"item": "desk", "amount": 3}, REQUESTER)
    case = separated.fire(case, "send", REQUESTER)
    with pytest.raises(
        DutiesNotSeparated,
        match="rita may not submit decision on this case: they already did "
        "submit request \\(rule 'requester_not_decider'\\)",
    ):
        separated.submit(case, "decision", {"approve": True}, rita_as_approver)
    case = separated.submit(case, "decision", {"approve": True}, Actor("alan", "approver"))
    options = {o.trigger: o for o in separated.available(case, rita_as_approver)}
    assert not options["approve"].allowed and "requester_not_approver" in options["approve"].reasons[0]
    assert separated.fire(case, "approve", Actor("alan", "approver")).state == "approved"


def test_rules_name_real_steps_and_changes_show_in_the_diff(mini, mini_copy: Callable[[str, str], Path]) -> None:
    from procflow import check

    broken = check(mini_copy("roles:\n  requester:", RULE.replace("submit:decision", "submit:desicion")))
    assert any("unknown document 'desicion'; did you mean 'decision'?" in p.message for p in broken.errors)
    changes = compare(mini, load(mini_copy("roles:\n  requester:", RULE)))
    assert {(c.kind, c.element, c.id) for c in changes} == {
        ("added", "separation", "requester_not_decider"),
        ("added", "separation", "requester_not_approver"),
    }
