"""A case that lives long costs no more per step than a young one, on every store: a step never copies or
reads the case's history (issue 17). Measured in bytes a step allocates (deterministic), not in time."""

from __future__ import annotations

import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import pytest

from procflow import Actor, Engine, FixedClock, load, open_store
from procflow.people.admin import Team
from procflow.people.cast import seat

PLAYER = Actor("p", "player")
PING_PONG = """\
procflow: 1
id: ping
version: "1"
title: Ping pong
roles: {player: {title: Player}}
documents: {}
stages: [{id: play, title: Play}]
states:
  a: {stage: play, title: A, owner: player}
  b: {stage: play, title: B, owner: player}
initial: a
transitions:
  - {trigger: go, from: a, to: b, roles: [player]}
  - {trigger: back, from: b, to: a, roles: [player]}
"""
MOVES = ("go", "back")


def peak_of_steps(engine: Engine, case_id: str, done: int, count: int) -> int:
    """The largest number of bytes any one of `count` fires by case id holds at once (the case has made `done`)."""
    peaks = []
    for index in range(done, done + count):
        tracemalloc.start()
        engine.fire(case_id, MOVES[index % 2], PLAYER)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    return sorted(peaks)[count // 2]


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_a_step_at_event_3000_holds_no_more_memory_than_at_event_10(kind: str, tmp_path: Path) -> None:
    (tmp_path / "ping.yaml").write_text(PING_PONG)
    url = "memory:" if kind == "memory" else f"sqlite:///{tmp_path / 'long.db'}"
    engine = Engine(open_store(url), clock=FixedClock(datetime(2026, 3, 2, 1, tzinfo=UTC)))
    seat(Team(engine.directory), [PLAYER], engine.clock.now())
    engine.register(load(tmp_path / "ping.yaml"))
    case_id = engine.start("ping", PLAYER).id
    for index in range(10):
        engine.fire(case_id, MOVES[index % 2], PLAYER)
    young = peak_of_steps(engine, case_id, 10, 9)
    for index in range(19, 3000):
        engine.fire(case_id, MOVES[index % 2], PLAYER)
    old = peak_of_steps(engine, case_id, 3000, 9)
    # A copied history of 3,000 events is 24 KB of pointers alone; the two medians may differ by noise only.
    assert old <= young + 4096, f"a step at event 3000 held {old} bytes, at event 10 {young}"
