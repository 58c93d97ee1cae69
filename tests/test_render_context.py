"""What a document template sees: the context and footer the runtime renders with."""

from __future__ import annotations

from datetime import timedelta

from procflow import Engine, FixedClock, ProcessDefinition
from procflow.render_context import render_context, render_footer
from procflow.store.memory import MemoryStore
from tests.conftest import AUDITOR, REQUESTER, seat


def test_the_context_names_the_chosen_version_the_case_and_the_process(
    mini: ProcessDefinition, clock: FixedClock
) -> None:
    engine = seat(Engine(MemoryStore(), clock=clock), REQUESTER, AUDITOR)
    engine.register(mini)
    engine.publish("mini", "policy", {"limit": 1000}, AUDITOR)
    case = engine.start("mini", REQUESTER, case_id="c-1", data={"channel": "web"})
    case = engine.submit(case, "request", {"item": "kettle", "amount": 5}, REQUESTER)
    clock.advance(timedelta(minutes=90))
    case = engine.submit(case, "request", {"item": "kettle", "amount": 7}, REQUESTER)
    first = case.documents["request"][0]
    assert render_context(mini, case, "request", first) == {
        "doc": {"item": "kettle", "amount": 5},
        "case": {
            "id": "c-1",
            "state": "draft",
            "state_title": "Draft",
            "stage_title": "Drafting",
            "data": {"channel": "web"},
        },
        "process": {"id": "mini", "title": "Purchase approval", "version": "1"},
        "document": {
            "id": "request",
            "title": "Purchase request",
            "version": 1,
            "submitted_at": "2026-03-02T01:00+00:00",
            "submitted_by": "rita",
        },
    }
    footer = render_footer(mini, case, "request", first)
    assert footer == f"c-1 · mini 1 ({mini.content_hash[:12]}) · request v1 ({first.hash[:12]})"
    rendered = engine.render(case, "request", version=1)
    assert "- Amount: 5" in rendered and footer in rendered
