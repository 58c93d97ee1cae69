"""procflow benchmarks: each figure is a ratio against a floor measured in the same run.

    python benchmarks/run.py            # full
    python benchmarks/run.py --quick    # fewer repetitions (CI smoke)

Engine and floor are timed back to back in alternating order over several rounds
(benchmarks/rounds.py), so a noisy neighbour on a shared machine moves both; the
table shows each side's median and min–max. Exit status is 1 when a target is
missed.
"""

from __future__ import annotations

import argparse
import gc
import io
import os
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from transitions.extensions.nesting import HierarchicalMachine, NestedState

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import people  # noqa: E402
from rounds import Row, Spread, Ticking, absolute, compare, print_table, timed  # noqa: E402

from procflow import Actor, Engine, FixedClock, load  # noqa: E402
from procflow.documents import SchemaSet  # noqa: E402
from procflow.scenario import read_scenario  # noqa: E402
from procflow.store.memory import MemoryStore  # noqa: E402

HEADER = """\
procflow: 1
id: {id}
version: "1"
title: {title}
roles: {{player: {{title: Player}}}}
documents:
  note:
    title: Note
    schema: note.schema.json
    produced_by: [player]
stages: [{{id: play, title: Play}}]
states:
"""
PING_PONG = (
    HEADER.format(id="pingpong", title="Ping pong")
    + """\
  a: {stage: play, title: A, owner: player}
  b: {stage: play, title: B, owner: player}
initial: a
transitions:
  - {trigger: go, from: a, to: b, roles: [player]}
  - {trigger: back, from: b, to: a, roles: [player]}
"""
)
NOTE_SCHEMA = """{"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
 "additionalProperties": false, "required": ["text", "at", "score"],
 "properties": {"text": {"type": "string", "maxLength": 200}, "at": {"type": "string", "format": "date-time"},
                "score": {"type": "integer", "minimum": 0, "maximum": 10},
                "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 5}}}"""
PLAYER = Actor("p", "player")
REGIONS = 3
THREE_REGIONS = (
    HEADER.format(id="regions", title="Three regions")
    + """\
  start: {stage: play, title: Start, owner: player}
  work:
    stage: play
    title: Work
    regions:
"""
    + "".join(
        f"      r{i}:\n        initial: a{i}\n        states:\n"
        f"          a{i}: {{title: A{i}, owner: player}}\n          b{i}: {{title: B{i}, owner: player}}\n"
        f"          e{i}: {{title: E{i}, final: true}}\n"
        for i in range(1, REGIONS + 1)
    )
    + """\
  done: {stage: play, title: Done, final: true}
initial: start
transitions:
  - {trigger: enter, from: start, to: work, roles: [player]}
  - {trigger: finish, from: work, to: done, roles: [player]}
"""
    + "".join(
        f"  - {{trigger: go{i}, from: a{i}, to: b{i}, roles: [player]}}\n"
        f"  - {{trigger: back{i}, from: b{i}, to: a{i}, roles: [player]}}\n"
        f"  - {{trigger: end{i}, from: b{i}, to: e{i}, roles: [player]}}\n"
        for i in range(1, REGIONS + 1)
    )
)


class _Dot(NestedState):
    separator = "."


class _BareMachine(HierarchicalMachine):
    """The machine kind the engine builds (hierarchical, '.' separator), with no conditions: the floor."""

    state_cls = _Dot


class _Cursor:
    __slots__ = ("state",)

    def __init__(self, state: str | list[str]) -> None:
        self.state = state


def staffed(engine: Engine, *actors: Actor) -> Engine:
    """Every action is a person's: grant each actor's role in the engine's directory first."""
    from procflow.people.admin import Team
    from procflow.people.cast import seat

    seat(Team(engine.directory), actors, engine.clock.now())
    return engine


def pingpong_definition(folder: Path) -> object:
    (folder / "processes").mkdir(parents=True)
    (folder / "schemas").mkdir(parents=True)
    (folder / "processes" / "pingpong.yaml").write_text(PING_PONG)
    (folder / "schemas" / "note.schema.json").write_text(NOTE_SCHEMA)
    return load(folder / "processes" / "pingpong.yaml")


def bench_fire(definition: object, n: int, rounds: int) -> Row:
    """fire() on a flat process, in memory, vs a bare trigger on the same kind of machine (hierarchical)."""
    bare = _BareMachine(
        model=None,
        states=["a", "b"],
        initial="a",
        auto_transitions=False,
        transitions=[{"trigger": "go", "source": "a", "dest": "b"}, {"trigger": "back", "source": "b", "dest": "a"}],
    )

    def floor() -> float:
        cursor = _Cursor("a")
        start = time.perf_counter()
        for _ in range(n):
            bare.trigger_event(cursor, "go")
            bare.trigger_event(cursor, "back")
        return time.perf_counter() - start

    def ours() -> float:
        engine = staffed(Engine(MemoryStore(), clock=Ticking(datetime(2026, 1, 1, tzinfo=UTC))), PLAYER)
        engine.register(definition)  # type: ignore[arg-type]
        cases = [engine.start("pingpong", PLAYER) for _ in range(n // 10)]
        start = time.perf_counter()
        for case in cases:
            for _ in range(10):
                case = engine.fire(engine.fire(case, "go", PLAYER), "back", PLAYER)
        return time.perf_counter() - start

    name = "(a) fire() flat vs bare hierarchical trigger"
    return compare(name, ours=ours, floor=floor, rounds=rounds, limit=2.0, per=2 * n)


def _bare_regions() -> HierarchicalMachine:
    regions = [
        {"name": f"r{i}", "initial": f"a{i}", "children": [f"a{i}", f"b{i}", {"name": f"e{i}", "final": True}]}
        for i in range(1, REGIONS + 1)
    ]
    moves = [
        move
        for i in range(1, REGIONS + 1)
        for move in (
            {"trigger": f"go{i}", "source": f"work.r{i}.a{i}", "dest": f"work.r{i}.b{i}"},
            {"trigger": f"back{i}", "source": f"work.r{i}.b{i}", "dest": f"work.r{i}.a{i}"},
        )
    ]
    return _BareMachine(
        model=None,
        states=["start", {"name": "work", "parallel": regions}, "done"],
        initial="start",
        auto_transitions=False,
        transitions=moves,
    )


def _in_regions(engine: Engine, n: int) -> list[object]:
    return [engine.fire(engine.start("regions", PLAYER), "enter", PLAYER) for _ in range(n)]


def bench_fire_region(definition: object, n: int, rounds: int) -> Row:
    """fire() of a move inside one of three regions vs a bare trigger on a hierarchical machine in the same
    configuration."""
    bare = _bare_regions()

    def floor() -> float:
        cursor = _Cursor([f"work.r{i}.a{i}" for i in range(1, REGIONS + 1)])
        start = time.perf_counter()
        for _ in range(n):
            bare.trigger_event(cursor, "go1")
            bare.trigger_event(cursor, "back1")
        return time.perf_counter() - start

    def ours() -> float:
        engine = staffed(Engine(MemoryStore(), clock=Ticking(datetime(2026, 1, 1, tzinfo=UTC))), PLAYER)
        engine.register(definition)  # type: ignore[arg-type]
        cases = _in_regions(engine, n // 10)
        start = time.perf_counter()
        for case in cases:
            for _ in range(10):
                case = engine.fire(engine.fire(case, "go1", PLAYER), "back1", PLAYER)  # type: ignore[arg-type]
        return time.perf_counter() - start

    name = "(a2) fire() inside a region vs bare hierarchical trigger"
    return compare(name, ours=ours, floor=floor, rounds=rounds, limit=2.0, per=2 * n)


def bench_available(definition: object, n: int, rounds: int) -> Row:
    """available() for a case in three regions (every region's moves and the enclosing state's) vs one fire()."""
    engine = staffed(Engine(MemoryStore(), clock=Ticking(datetime(2026, 1, 1, tzinfo=UTC))), PLAYER)
    engine.register(definition)  # type: ignore[arg-type]

    def floor() -> float:
        cases = _in_regions(engine, n)
        start = time.perf_counter()
        for case in cases:
            engine.fire(case, "go1", PLAYER)  # type: ignore[arg-type]
        return time.perf_counter() - start

    def ours() -> float:
        cases = _in_regions(engine, n)
        start = time.perf_counter()
        for case in cases:
            engine.available(case, PLAYER)  # type: ignore[arg-type]
        return time.perf_counter() - start

    name = f"(f2) available() in {REGIONS} regions vs one fire()"
    note = "a budget, not a floor: listing every move with its reasons may cost up to three fires"
    return compare(name, ours=ours, floor=floor, rounds=rounds, limit=3.0, per=n, note=note)


def bench_create(definition: object, live_small: int, live_large: int, batch: int, rounds: int) -> Row:
    """start() with many live cases vs few: interleaved rounds on two engines built up front. The live cases are
    moved out of the garbage collector's view (gc.freeze) so the figure is the engine's, not the collector's."""

    def engine_with(live: int) -> Engine:
        engine = staffed(Engine(MemoryStore(), clock=Ticking(datetime(2026, 1, 1, tzinfo=UTC))), PLAYER)
        engine.register(definition)  # type: ignore[arg-type]
        for _ in range(live):
            engine.start("pingpong", PLAYER)
        return engine

    few, many = engine_with(live_small), engine_with(live_large)
    gc.collect()
    gc.freeze()

    def timed_start(engine: Engine) -> Callable[[], float]:
        def run() -> float:
            start = time.perf_counter()
            for _ in range(batch):
                engine.start("pingpong", PLAYER)
            return time.perf_counter() - start

        return run

    try:
        name = f"(b) start() with {live_large:,} live cases vs {live_small:,}"
        return compare(name, ours=timed_start(many), floor=timed_start(few), rounds=rounds, limit=1.2, per=batch)
    finally:
        gc.unfreeze()


def scenario_document(document: str) -> tuple[str, dict[str, object]]:
    """The data of `document` as the won-deal scenario submits it, and the role that submits it."""
    scenario = read_scenario(ROOT / "processes" / "sales" / "scenarios" / "won.yaml")
    step = next(s for s in scenario["steps"] if s.get("submit") == document)
    return Actor.parse(step["as"]).role, step["data"]


def bench_submit(n: int, rounds: int) -> Row:
    """submit() of the D4 customer-needs sheet (17 fields, nested lists) vs validating it alone."""
    sales = load(ROOT / "processes" / "sales.yaml")
    role, data = scenario_document("needs_sheet")
    actor = Actor("li", role)
    starter = Actor("wang", "bd_specialist")
    engine = staffed(Engine(MemoryStore(), clock=Ticking(datetime(2026, 1, 1, tzinfo=UTC))), actor, starter)
    engine.register(sales)
    validator = SchemaSet(sales.schemas).validator(sales.documents["needs_sheet"].schema_file)

    def floor() -> float:
        start = time.perf_counter()
        for _ in range(n):
            for _error in validator.iter_errors(data):
                raise AssertionError("the document is valid")
        return time.perf_counter() - start

    def ours() -> float:
        cases = [engine.start("sales", starter) for _ in range(n // 5)]
        start = time.perf_counter()
        for case in cases:
            for _ in range(5):
                case = engine.submit(case, "needs_sheet", data, actor)
        return time.perf_counter() - start

    name = "(c) submit() vs bare compiled jsonschema validation (D4)"
    return compare(name, ours=ours, floor=floor, rounds=rounds, limit=1.5, per=n)


def bench_load(rounds: int) -> list[Row]:
    path = ROOT / "processes" / "sales.yaml"
    with tempfile.TemporaryDirectory() as cache:
        os.environ["PROCFLOW_CACHE_DIR"] = "off"
        note = "the meta-schema check of each document schema dominates"
        name = "(d) load + full check, first time (23 schemas, 23 templates)"
        cold = absolute(name, timed(lambda: load(path)), rounds=rounds, limit=1000.0, note=note)
        os.environ["PROCFLOW_CACHE_DIR"] = cache
        name = "(d) load processes/sales.yaml, unchanged since last check"
        warm = absolute(name, timed(lambda: load(path)), rounds=rounds, limit=50.0)
        del os.environ["PROCFLOW_CACHE_DIR"]
    return [warm, cold]


TIMED = """\
procflow: 1
id: timed
version: "1"
title: Timed
calendar: {country: CN, timezone: Asia/Shanghai}
roles: {clerk: {title: Clerk}}
documents: {}
stages: [{id: only, title: Only}]
states:
  waiting:
    stage: only
    title: Waiting
    owner: clerk
    deadlines:
      - {id: answer, title: Answer within a day, within: 1 working day, escalate: [{overdue_by: 4h, notify: clerk}]}
  done: {stage: only, title: Done, final: true}
initial: waiting
transitions: [{trigger: finish, from: waiting, to: done, roles: [clerk]}]
"""


def bench_working_days(rounds: int) -> Row:
    """A 5-working-day deadline from 1,000 starting instants in 2025–2026, vs the least code doing the same: the
    start's local day, a bisect into a sorted table of working days built once from `holidays`, the same wall time.
    (The floor used to walk holidays' is_working_day day by day: slower than the engine, so it proved nothing.)"""
    import bisect

    import holidays as holidays_package

    from procflow.calendars import add, official
    from procflow.definition.values import Duration

    calendar = official("CN", "Asia/Shanghai")
    source = holidays_package.country_holidays("CN", years=[2025, 2026, 2027])
    tz = calendar.zone
    first, last = datetime(2025, 1, 1).toordinal(), datetime(2028, 1, 1).toordinal()
    table = [o for o in range(first, last) if source.is_working_day(datetime.fromordinal(o).date())]
    starts = [datetime(2025, 1, 1, 9, tzinfo=tz) + timedelta(hours=17 * i) for i in range(1_000)]
    five = Duration(5, "working_days")
    add(starts[0], five, calendar)  # warm the year tables

    def floor() -> None:
        for start in starts * 20:
            local = start.astimezone(tz)
            day = table[bisect.bisect_right(table, local.toordinal()) + 4]
            datetime.combine(datetime.fromordinal(day).date(), local.timetz().replace(tzinfo=None), tz)

    def ours() -> None:
        for start in starts * 20:
            add(start, five, calendar)

    answer = [add(s, five, calendar) for s in starts]
    local = [s.astimezone(tz) for s in starts]
    same = [datetime.combine(datetime.fromordinal(table[bisect.bisect_right(table, lt.toordinal()) + 4]).date(),
                             lt.time(), tz) for lt in local]  # fmt: skip
    assert answer == same, "the floor must compute the same due times"
    name = "(f) working-day deadline vs bisect into a working-day table"
    note = "floor: local day, bisect into the sorted working days of 2025-2027, same wall time"
    return compare(
        name, ours=timed(ours), floor=timed(floor), rounds=rounds, limit=3.0, per=20 * len(starts), note=note
    )


def bench_overdue(small: int, large: int, overdue: int, rounds: int) -> Row:
    """engine.overdue() on SQLite with `overdue` cases late among `small` vs `large` open cases."""
    from procflow.store.sqlite import SQLiteStore

    def timed_store(folder: Path, open_cases: int) -> tuple[Engine, datetime]:
        (folder / "processes").mkdir(parents=True)
        (folder / "processes" / "timed.yaml").write_text(TIMED)
        clock = FixedClock(datetime(2026, 3, 2, 1, tzinfo=UTC))
        clerk = Actor("c", "clerk")
        engine = staffed(Engine(SQLiteStore(folder / "cases.db"), clock=clock), clerk)
        engine.register(load(folder / "processes" / "timed.yaml"))
        for i in range(open_cases):
            if i == overdue:
                clock.advance(timedelta(days=30))  # the rest are not due yet
            engine.start("timed", clerk)
        return engine, datetime(2026, 3, 10, tzinfo=UTC)

    with tempfile.TemporaryDirectory() as folder:
        engine_small, now = timed_store(Path(folder) / "small", small)
        engine_large, _ = timed_store(Path(folder) / "large", large)
        assert len(engine_small.overdue(now)) == overdue == len(engine_large.overdue(now))
        plan = engine_large.store._db.execute(  # type: ignore[attr-defined]
            "EXPLAIN QUERY PLAN SELECT id FROM cases WHERE due_at <= ? ORDER BY due_at", ("2026",)
        ).fetchall()
        return compare(
            f"(g) overdue() with {large:,} open cases vs {small:,} ({overdue} late)",
            ours=timed(lambda: engine_large.overdue(now)),
            floor=timed(lambda: engine_small.overdue(now)),
            rounds=rounds,
            limit=1.5,
            unit="ms",
            note="plan: " + "; ".join(str(row[-1]) for row in plan),
        )


def bench_review(cases: int, rounds: int) -> Row:
    """procflow report (HTML) over `cases` generated cases on SQLite, end to end; vs reading their events."""
    sys.path.insert(0, str(ROOT))
    from procflow.cli import main as cli
    from procflow.store.sqlite import SQLiteStore
    from tests.review_data import generate

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/review.db"
        engine = Engine(SQLiteStore(f"{folder}/review.db"))
        sales = load(ROOT / "processes" / "sales.yaml")
        engine.register(sales)
        generate(engine.store, sales, cases)
        store = engine.store
        reading = timed(lambda: list(store.cases_with_events("sales")))()
        argv = ["report", "--db", url, "--from", "2026-01-01", "--to", "2027-01-01", "-o", f"{folder}/r.html"]
        return absolute(
            f"(m) procflow report (HTML) on {cases:,} cases, absolute",
            timed(lambda: cli(argv, io.StringIO(), io.StringIO())),
            rounds=rounds,
            limit=2000.0,
            note=f"target: under 2 s; reading and replaying the events alone takes {reading * 1e3:.0f} ms",
        )


def bench_memory(definition: object, n: int, steps: int = 17) -> list[Row]:
    """Bytes each live case keeps in memory: brand new, and after `steps` fires (a case with a history, which is
    what a store holds after a few weeks; a new case alone flattered the figure)."""
    engine = staffed(Engine(MemoryStore(), clock=Ticking(datetime(2026, 1, 1, tzinfo=UTC))), PLAYER)
    engine.register(definition)  # type: ignore[arg-type]
    engine.fire(engine.start("pingpong", PLAYER), "go", PLAYER)  # warm

    def kept(step: Callable[[int], None]) -> float:
        gc.collect()
        tracemalloc.start()
        before = tracemalloc.take_snapshot()
        for i in range(n):
            step(i)
        after = tracemalloc.take_snapshot()
        tracemalloc.stop()
        return sum(stat.size_diff for stat in after.compare_to(before, "filename")) / n

    def new(i: int) -> None:
        engine.start("pingpong", PLAYER, case_id=f"case-{i:08d}")

    def lived(i: int) -> None:
        case = engine.start("pingpong", PLAYER, case_id=f"old-{i:08d}")
        for turn in range(steps - 1):
            case = engine.fire(case, "go" if turn % 2 == 0 else "back", PLAYER)

    fresh, old = kept(new), kept(lived)
    return [
        Row(f"(e) memory per new live case, no documents ({n:,} cases)", Spread.of([fresh]), None, "B", 2048.0,
            "target is absolute: ≤ 2 KB"),
        Row(f"(e) memory per live case after {steps} events ({n:,} cases)", Spread.of([old]), None, "B", None,
            f"informational: {(old - fresh) / (steps - 1):,.0f} B per event kept in memory (the history)"),
    ]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions, smaller sizes")
    args = parser.parse_args(argv)
    rounds = 3 if args.quick else 7
    with tempfile.TemporaryDirectory() as folder:
        definition = pingpong_definition(Path(folder))
        (Path(folder) / "processes" / "regions.yaml").write_text(THREE_REGIONS)
        regions = load(Path(folder) / "processes" / "regions.yaml")
        rows = [
            bench_fire(definition, 2_000 if args.quick else 10_000, rounds),
            bench_fire_region(regions, 2_000 if args.quick else 10_000, rounds),
            bench_available(regions, 1_000 if args.quick else 5_000, rounds),
            bench_create(definition, 1_000, 100_000, 1_000, rounds),
            bench_submit(1_000 if args.quick else 5_000, rounds),
            *bench_load(5 if args.quick else 20),
            *bench_memory(definition, 2_000 if args.quick else 10_000),
            bench_working_days(rounds),
            bench_overdue(1_000 if args.quick else 10_000, 10_000 if args.quick else 100_000, 100, rounds),
            bench_review(2_000 if args.quick else 10_000, 3),
            *people.bench_inbox(1_000, 10_000 if args.quick else 100_000, rounds),
            people.bench_fire_checked(400 if args.quick else 2_000, rounds),
        ]
    return 0 if print_table(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
