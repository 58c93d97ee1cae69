"""A case that lives long costs no more per step than a young one, on every store: a step never copies or
reads the case's history or its documents' versions (issue 17). Measured in the bytes a step holds at its
peak (deterministic), not in time."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from procflow import Engine, FixedClock, ProcessDefinition, open_store
from tests.conftest import APPROVER, AUDITOR, REQUESTER, seat


def round_trip(engine: Engine, case_id: str) -> None:
    """Send the request for review and have it sent back: three events, a decision version among them."""
    engine.fire(case_id, "send", REQUESTER)
    engine.submit(case_id, "decision", {"approve": False}, APPROVER)
    engine.fire(case_id, "send_back", APPROVER)


def peak_of_steps(engine: Engine, case_id: str, count: int) -> int:
    """The median, over `count` round trips, of the most bytes one of them holds at once."""
    peaks = []
    for _ in range(count):
        tracemalloc.start()
        round_trip(engine, case_id)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    return sorted(peaks)[count // 2]


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_a_step_at_event_3000_holds_no_more_memory_than_at_event_10(
    kind: str, tmp_path: Path, clock: FixedClock, mini: ProcessDefinition
) -> None:
    url = "memory:" if kind == "memory" else f"sqlite:///{tmp_path / 'long.db'}"
    engine = seat(Engine(open_store(url), clock=clock), REQUESTER, APPROVER, AUDITOR)
    engine.register(mini)
    engine.publish("mini", "policy", {"limit": 1000}, AUDITOR)
    case_id = engine.start("mini", REQUESTER).id
    engine.submit(case_id, "request", {"item": "desk", "amount": 300}, REQUESTER)
    round_trip(engine, case_id)
    young = peak_of_steps(engine, case_id, 5)
    while engine.get(case_id).version < 3000:
        round_trip(engine, case_id)
    old = peak_of_steps(engine, case_id, 5)
    # A copied history of 3,000 events is 24 KB of pointers alone; the two medians differ by noise only.
    assert old <= young + 4096, f"a step at event 3000 held {old} bytes, at event 10 {young}"
