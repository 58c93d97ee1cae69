"""People benchmarks: the inbox from its index at 100,000 open cases, and fire() with the directory check.

Run by benchmarks/run.py (rows (p) and (q)); ratios against floors measured in the same run.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import MappingProxyType

from rounds import Row, compare, timed

from procflow import Actor, Engine, FixedClock, load
from procflow.chain import seal
from procflow.fold import apply
from procflow.people import assignment
from procflow.people.roles import Acting
from procflow.records import Event
from procflow.runtime.due import settled


def _queue_yaml() -> str:
    """The timed process of run.py, reopenable, with its work given out in turn."""
    from run import TIMED

    return (
        TIMED.replace("id: timed", "id: desk")
        .replace("final: true", "owner: clerk")
        .replace(
            "transitions: [{trigger: finish, from: waiting, to: done, roles: [clerk]}]",
            "transitions:\n  - {trigger: finish, from: waiting, to: done, roles: [clerk]}\n"
            "  - {trigger: reopen, from: done, to: waiting, roles: [clerk]}\n"
            "assignment: [{rule: round_robin, role: clerk}]",
        )
    )


PEOPLE = [f"clerk{i:02d}" for i in range(50)]
T0 = datetime(2026, 3, 2, 1, tzinfo=UTC)


def _desk(folder: Path, url: str) -> Engine:
    from run import staffed

    (folder / "processes").mkdir(parents=True, exist_ok=True)
    (folder / "processes" / "desk.yaml").write_text(_queue_yaml())
    from procflow import open_store

    engine = staffed(Engine(open_store(url), clock=FixedClock(T0)), *(Actor(p, "clerk") for p in PEOPLE))
    engine.register(load(folder / "processes" / "desk.yaml"))
    return engine


def _fill(engine: Engine, cases: int) -> None:
    """`cases` open cases, each held by one of the 50 clerks in turn, written as the engine writes them."""
    compiled = engine._compile(engine.store.latest_definition("desk") or "")
    definition = compiled.definition
    for i in range(cases):
        at = T0 + timedelta(seconds=i)
        started = seal(
            Event(
                f"desk-{i:07d}",
                1,
                "started",
                at,
                PEOPLE[i % 50],
                "clerk",
                definition.content_hash,
                dest="waiting",
                data=MappingProxyType({"process_id": "desk", "data": {}}),
                basis="grant",
            ),
            None,
        )
        case = apply(None, started)
        choice = assignment.Choice(PEOPLE[(i * 7) % 50], "clerk", "round_robin", "desk:clerk")
        held = assignment.event_for(case, "assigned", choice, at, basis="rule round_robin")
        case = apply(case, held)
        case, due = settled(compiled, case, [started, held], at)
        engine.store.commit(case, [started, held], due)


def bench_inbox(small: int, large: int, rounds: int) -> list[Row]:
    """engine.inbox(person) on SQLite with 50 people, at `large` vs `small` open cases; and its absolute time."""
    with tempfile.TemporaryDirectory() as folder:
        engines = {}
        now = T0 + timedelta(days=1)
        for count in (small, large):
            engine = _desk(Path(folder) / str(count), f"sqlite:///{folder}/inbox-{count}.db")
            _fill(engine, count)
            assert engine.inbox("clerk07", now), "the inbox must list work"
            engines[count] = engine
        row = compare(
            f"(p) inbox() with {large:,} open cases vs {small:,} (50 people)",
            ours=timed(lambda: engines[large].inbox("clerk07", now)),
            floor=timed(lambda: engines[small].inbox("clerk07", now)),
            rounds=rounds,
            limit=1.5,
            unit="ms",
        )
    note = "target: under 20 ms on SQLite (the 20 most urgent of the person’s ~2,000 cases)"
    return [row, Row(f"(p) inbox() with {large:,} open cases, absolute", row.ours, None, "ms", 20.0, note)]


def bench_fire_checked(n: int, rounds: int) -> Row:
    """fire() on SQLite, resolving the person's role from the directory, vs fire() with that check skipped."""
    with tempfile.TemporaryDirectory() as folder:
        engine = _desk(Path(folder), f"sqlite:///{folder}/fire.db")
        actor = Actor("clerk03")
        checked = engine.acting

        def unchecked(who: Actor, process: str, allowed: object, action: str, at: object = None) -> Acting:
            return Acting(who.user, "clerk", "grant")  # the role taken on trust: what the check replaces

        def walk() -> float:  # fresh cases each walk, so both sides see histories of the same length
            cases = [engine.start("desk", actor) for _ in range(100)]
            start = time.perf_counter()
            for _ in range(max(1, n // (2 * len(cases)))):
                for i, case in enumerate(cases):  # case objects passed on, as a caller holding them would
                    cases[i] = engine.fire(engine.fire(case, "finish", actor), "reopen", actor)
            return time.perf_counter() - start

        def with_check(acting: object) -> Callable[[], float]:
            def run() -> float:
                engine.acting = acting  # type: ignore[method-assign,assignment]
                return walk()

            return run

        try:
            name = "(q) fire() on SQLite with the directory check vs without"
            row = compare(name, ours=with_check(checked), floor=with_check(unchecked), rounds=rounds, limit=1.3, per=n)
        finally:
            engine.acting = checked  # type: ignore[method-assign]
    return row
