"""Shared fixtures of the people tests: the mini process with assignment rules, and a small team."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from procflow import Actor, Engine, load
from procflow.people import admin
from tests.conftest import AUDITOR, REQUESTER, seat

RULES = """assignment:
  - {rule: round_robin, role: approver}
  - {rule: keep, states: [draft], role: requester, step: "fire:send"}
initial: draft"""
BEA, CY = Actor("bea", "approver"), Actor("cy", "approver")
REQUEST = {"item": "desk", "amount": 10}


@pytest.fixture
def office(engine: Engine, mini_copy: Callable[[str, str], Path]) -> Engine:
    """The mini process with assignment rules; approvers alan, bea and cy report to mona."""
    engine.register(load(mini_copy("initial: draft", RULES)))
    engine.publish("mini", "policy", {"limit": 1000}, AUDITOR)
    seat(engine, BEA, CY, Actor("mona", "approver"), Actor("ruth", "requester"))
    lines = [admin.Draft("reports_to", {"person": p, "manager": "mona"}) for p in ("alan", "bea", "cy")]
    engine.team.change("cast-admin", lines, engine.clock.now())
    return engine


def sent(engine: Engine, who: Actor = REQUESTER) -> str:
    case = engine.start("mini", who)
    case = engine.submit(case, "request", REQUEST, who)
    return engine.fire(case, "send", who).id


def holder(engine: Engine, case_id: str) -> str | None:
    held = engine.assignee(case_id)
    return held.person if held else None


QUEUE = """assignment:
  - {rule: queue, role: requester}
initial: draft"""


@pytest.fixture
def queued(engine: Engine, mini_copy: Callable[[str, str], Path]) -> Engine:
    """The mini process whose drafts wait in the requester queue; ruth is a second requester."""
    engine.register(load(mini_copy("initial: draft", QUEUE)))
    engine.publish("mini", "policy", {"limit": 1000}, AUDITOR)
    return seat(engine, Actor("ruth", "requester"))
