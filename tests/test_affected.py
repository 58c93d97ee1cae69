"""The running cases a change between two versions affects: on every store kind."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from procflow import Engine, FixedClock, ProcessDefinition, load
from procflow.affected import AffectedCase, affected_cases
from procflow.diff import compare
from tests.conftest import APPROVER, REQUESTER

NOW_REQUIRED = "'decision' is now required (to leave 'draft') but the case has none"
STATE_CHANGED = "its state 'draft' changed (deadlines or requirements)"


def test_open_cases_of_the_old_version_are_listed_with_what_would_break(
    running: Engine, clock: FixedClock, mini: ProcessDefinition, mini_copy: Callable[[str, str], Path]
) -> None:
    later = running.start("mini", REQUESTER, case_id="b-later")
    clock.set(later.created_at - timedelta(hours=1))
    earlier = running.start("mini", REQUESTER, case_id="z-earlier")  # sorts after by id, before by time
    waiting = running.fire(
        running.submit(running.start("mini", REQUESTER), "request", {"item": "a", "amount": 5}, REQUESTER),
        "send",
        REQUESTER,
    )  # in review: the change to draft does not touch it
    submitted = running.submit(running.start("mini", REQUESTER), "request", {"item": "b", "amount": 5}, REQUESTER)
    decided = running.submit(running.fire(submitted, "send", REQUESTER), "decision", {"approve": True}, APPROVER)
    done = running.fire(decided, "approve", APPROVER)
    new = running.register(load(mini_copy("    requires: [request]\n", "    requires: [request, decision]\n")))
    on_new = running.start("mini", REQUESTER)  # already runs under the new version
    found = affected_cases(running.store, mini, new, compare(mini, new))
    assert found == [
        AffectedCase(earlier.id, "draft", (NOW_REQUIRED, STATE_CHANGED)),
        AffectedCase(later.id, "draft", (NOW_REQUIRED, STATE_CHANGED)),
    ]
    assert waiting.state == "review" and done.state == "approved" and on_new.definition_hash == new.content_hash


def test_no_change_affects_no_case(running: Engine, mini: ProcessDefinition) -> None:
    running.start("mini", REQUESTER)
    assert affected_cases(running.store, mini, mini, compare(mini, mini)) == []
