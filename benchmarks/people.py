"""People benchmarks: the inbox from its index at 100,000 open cases, and fire() with the directory check.

Run by benchmarks/run.py (rows (p) and (q)); ratios against floors measured in the same run.
"""

from __future__ import annotations

import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import MappingProxyType

from engine import Actor, Engine, FixedClock, load
from engine.people import assignment
from engine.people.roles import Acting
from engine.records import Event, apply, seal
from engine.runtime.timekeeping import due_items


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
    from engine import open_store

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
        engine.store.commit(case, [started, held], due_items(compiled, case, at))


def bench_inbox(small: int, large: int, rounds: int) -> list[object]:
    """engine.inbox(person) on SQLite with 50 people, at `large` vs `small` open cases; and its absolute time."""
    from run import Row, median_time

    with tempfile.TemporaryDirectory() as folder:
        times = {}
        for count in (small, large):
            engine = _desk(Path(folder) / str(count), f"sqlite:///{folder}/inbox-{count}.db")
            _fill(engine, count)
            now = T0 + timedelta(days=1)
            assert engine.inbox("clerk07", now), "the inbox must list work"
            times[count] = median_time(lambda engine=engine, now=now: engine.inbox("clerk07", now), rounds)
    return [
        Row(
            f"(p) inbox() with {large:,} open cases vs {small:,} (50 people)",
            times[large] * 1e3,
            times[small] * 1e3,
            "ms",
            1.5,
        ),
        Row(
            f"(p) inbox() with {large:,} open cases, absolute",
            times[large] * 1e3,
            1.0,
            "ms",
            20.0,
            "target: under 20 ms on SQLite (the 20 most urgent of the person’s ~2,000 cases)",
        ),
    ]


def bench_fire_checked(n: int, rounds: int) -> object:
    """fire() on SQLite, resolving the person's role from the directory, vs fire() with that check skipped."""
    from run import Row

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
            return (time.perf_counter() - start) / n

        samples_on, samples_off = [], []
        for _ in range(rounds):  # interleaved, so drift on a shared machine hits both
            engine.acting = checked  # type: ignore[method-assign]
            samples_on.append(walk())
            engine.acting = unchecked  # type: ignore[method-assign,assignment]
            samples_off.append(walk())
        engine.acting = checked  # type: ignore[method-assign]
    on, off = sorted(samples_on)[rounds // 2], sorted(samples_off)[rounds // 2]
    return Row("(q) fire() on SQLite with the directory check vs without", on * 1e6, off * 1e6, "µs", 1.3)
