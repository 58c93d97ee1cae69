"""procflow benchmarks: each figure is a ratio against a floor measured in the same run.

    python benchmarks/run.py            # full
    python benchmarks/run.py --quick    # fewer repetitions (CI smoke)

Timings are the median of several rounds, so a noisy neighbour on a shared
machine moves both the figure and its floor. Exit status is 1 when a target
is missed.
"""

from __future__ import annotations

import argparse
import gc
import io
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from transitions.extensions.nesting import HierarchicalMachine, NestedState

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import people  # noqa: E402

from engine import Actor, Engine, FixedClock, load  # noqa: E402
from engine.documents import SchemaSet  # noqa: E402
from engine.scenario import read_scenario  # noqa: E402
from engine.store.memory import MemoryStore  # noqa: E402

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
    from engine.people.admin import Team
    from engine.people.cast import seat

    seat(Team(engine.directory), actors, engine.clock.now())
    return engine


@dataclass
class Row:
    name: str
    value: float
    floor: float
    unit: str
    target: float
    note: str = ""

    @property
    def ratio(self) -> float:
        return self.value / self.floor if self.floor else self.value

    @property
    def ok(self) -> bool:
        return self.ratio <= self.target


def median_time(action: Callable[[], None], rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        gc.collect()
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def pingpong_definition(folder: Path) -> object:
    (folder / "processes").mkdir(parents=True)
    (folder / "schemas").mkdir(parents=True)
    (folder / "processes" / "pingpong.yaml").write_text(PING_PONG)
    (folder / "schemas" / "note.schema.json").write_text(NOTE_SCHEMA)
    return load(folder / "processes" / "pingpong.yaml")


def interleaved(floor: Callable[[], float], ours: Callable[[], float], rounds: int) -> tuple[float, float]:
    """Medians of `floor` and `ours` (each returns its own elapsed seconds), measured in alternating rounds."""
    floors, figures = [], []
    for _ in range(rounds):
        gc.collect()
        floors.append(floor())
        gc.collect()
        figures.append(ours())
    return statistics.median(floors), statistics.median(figures)


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
        engine = staffed(Engine(MemoryStore(), clock=FixedClock(datetime(2026, 1, 1, tzinfo=UTC))), PLAYER)
        engine.register(definition)  # type: ignore[arg-type]
        cases = [engine.start("pingpong", PLAYER) for _ in range(n // 10)]
        start = time.perf_counter()
        for case in cases:
            for _ in range(10):
                case = engine.fire(engine.fire(case, "go", PLAYER), "back", PLAYER)
        return time.perf_counter() - start

    floor_s, ours_s = interleaved(floor, ours, rounds)
    return Row(
        "(a) fire() flat vs bare hierarchical trigger", ours_s / (2 * n) * 1e6, floor_s / (2 * n) * 1e6, "µs", 2.0
    )


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
        engine = Engine(MemoryStore(), clock=FixedClock(datetime(2026, 1, 1, tzinfo=UTC)))
        engine.register(definition)  # type: ignore[arg-type]
        cases = _in_regions(engine, n // 10)
        start = time.perf_counter()
        for case in cases:
            for _ in range(10):
                case = engine.fire(engine.fire(case, "go1", PLAYER), "back1", PLAYER)  # type: ignore[arg-type]
        return time.perf_counter() - start

    floor_s, ours_s = interleaved(floor, ours, rounds)
    return Row(
        "(a2) fire() inside a region vs bare hierarchical trigger",
        ours_s / (2 * n) * 1e6,
        floor_s / (2 * n) * 1e6,
        "µs",
        2.0,
    )


def bench_available(definition: object, n: int, rounds: int) -> Row:
    """available() for a case in three regions (every region's moves and the enclosing state's) vs one fire()."""
    engine = Engine(MemoryStore(), clock=FixedClock(datetime(2026, 1, 1, tzinfo=UTC)))
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

    floor_s, ours_s = interleaved(floor, ours, rounds)
    return Row(f"(f) available() in {REGIONS} regions vs one fire()", ours_s / n * 1e6, floor_s / n * 1e6, "µs", 3.0)


def bench_create(definition: object, live_small: int, live_large: int, batch: int, rounds: int) -> Row:
    """start() with many live cases vs few: interleaved rounds on two engines built up front. The live cases are
    moved out of the garbage collector's view (gc.freeze) so the figure is the engine's, not the collector's."""

    def engine_with(live: int) -> Engine:
        engine = staffed(Engine(MemoryStore(), clock=FixedClock(datetime(2026, 1, 1, tzinfo=UTC))), PLAYER)
        engine.register(definition)  # type: ignore[arg-type]
        for _ in range(live):
            engine.start("pingpong", PLAYER)
        return engine

    few, many = engine_with(live_small), engine_with(live_large)
    gc.collect()
    gc.freeze()

    def timed(engine: Engine) -> Callable[[], float]:
        def run() -> float:
            start = time.perf_counter()
            for _ in range(batch):
                engine.start("pingpong", PLAYER)
            return time.perf_counter() - start

        return run

    try:
        small, large = interleaved(timed(few), timed(many), rounds)
    finally:
        gc.unfreeze()
    return Row(
        f"(b) start() with {live_large:,} live cases vs {live_small:,}",
        large / batch * 1e6,
        small / batch * 1e6,
        "µs",
        1.2,
    )


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
    engine = staffed(Engine(MemoryStore(), clock=FixedClock(datetime(2026, 1, 1, tzinfo=UTC))), actor, starter)
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

    floor_s, ours_s = interleaved(floor, ours, rounds)
    return Row(
        "(c) submit() vs bare compiled jsonschema validation (D4)",
        ours_s / n * 1e6,
        floor_s / n * 1e6,
        "µs",
        1.5,
    )


def bench_load(rounds: int) -> list[Row]:
    path = ROOT / "processes" / "sales.yaml"
    with tempfile.TemporaryDirectory() as cache:
        os.environ["PROCFLOW_CACHE_DIR"] = "off"
        load(path)  # warm imports
        cold = median_time(lambda: load(path), rounds)
        os.environ["PROCFLOW_CACHE_DIR"] = cache
        load(path)  # fills the check cache
        warm = median_time(lambda: load(path), rounds)
        del os.environ["PROCFLOW_CACHE_DIR"]
    return [
        Row("(d) load processes/sales.yaml, unchanged since last check", warm * 1e3, 1.0, "ms", 50.0),
        Row(
            "(d) load + full check, first time (23 schemas, 23 templates)",
            cold * 1e3,
            1.0,
            "ms",
            1000.0,
            "informational: the meta-schema check of each document schema dominates",
        ),
    ]


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
    """A 5-working-day deadline from 1,000 starting instants in 2025–2026, vs walking holidays' is_working_day."""
    import holidays as holidays_package

    from engine.calendars import add, official
    from engine.definition.model import Duration

    calendar = official("CN", "Asia/Shanghai")
    source = holidays_package.country_holidays("CN", years=[2025, 2026, 2027])
    tz = calendar.zone
    starts = [datetime(2025, 1, 1, 9, tzinfo=tz) + timedelta(hours=17 * i) for i in range(1_000)]
    five = Duration(5, "working_days")
    add(starts[0], five, calendar)  # warm the year tables

    def floor() -> None:
        for start in starts:
            day, left = start.date(), 5
            while left:
                day += timedelta(days=1)
                left -= source.is_working_day(day)

    def ours() -> None:
        for start in starts:
            add(start, five, calendar)

    return Row(
        "(f) working-day deadline vs holidays' is_working_day loop",
        median_time(ours, rounds) / 1e-3,
        median_time(floor, rounds) / 1e-3,
        "ms",
        1.0,
        "per 1,000 deadlines",
    )


def bench_overdue(small: int, large: int, overdue: int, rounds: int) -> Row:
    """engine.overdue() on SQLite with `overdue` cases late among `small` vs `large` open cases."""
    from engine.store.sqlite import SQLiteStore

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
        t_small = median_time(lambda: engine_small.overdue(now), rounds)
        t_large = median_time(lambda: engine_large.overdue(now), rounds)
        plan = engine_large.store._db.execute(  # type: ignore[attr-defined]
            "EXPLAIN QUERY PLAN SELECT * FROM due WHERE due_at <= ? ORDER BY due_at", ("2026",)
        ).fetchall()
    return Row(
        f"(g) overdue() with {large:,} open cases vs {small:,} ({overdue} late)",
        t_large * 1e3,
        t_small * 1e3,
        "ms",
        1.5,
        "plan: " + "; ".join(str(row[-1]) for row in plan),
    )


def bench_review(cases: int, rounds: int) -> Row:
    """procflow report (HTML) over `cases` generated cases on SQLite, end to end; vs reading their events."""
    sys.path.insert(0, str(ROOT))
    from engine.cli import main as cli
    from engine.store.sqlite import SQLiteStore
    from tests.review_data import generate

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/review.db"
        engine = Engine(SQLiteStore(f"{folder}/review.db"))
        sales = load(ROOT / "processes" / "sales.yaml")
        engine.register(sales)
        generate(engine.store, sales, cases)
        store = engine.store
        floor = median_time(lambda: list(store.cases_with_events("sales")), rounds)
        argv = ["report", "--db", url, "--from", "2026-01-01", "--to", "2027-01-01", "-o", f"{folder}/r.html"]
        seconds = median_time(lambda: cli(argv, io.StringIO(), io.StringIO()), rounds)
    return Row(
        f"(m) procflow report (HTML) on {cases:,} cases, absolute",
        seconds * 1e3,
        1.0,
        "ms",
        2000.0,
        f"target: under 2 s; reading and replaying the events alone takes {floor * 1e3:.0f} ms",
    )


def bench_memory(definition: object, n: int) -> Row:
    engine = staffed(Engine(MemoryStore(), clock=FixedClock(datetime(2026, 1, 1, tzinfo=UTC))), PLAYER)
    engine.register(definition)  # type: ignore[arg-type]
    engine.start("pingpong", PLAYER)  # warm
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    for i in range(n):
        engine.start("pingpong", PLAYER, case_id=f"case-{i:08d}")
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    grown = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    return Row(
        f"(e) memory per live case without documents ({n:,} cases)",
        grown / n,
        1.0,
        "bytes",
        2048.0,
        "target is absolute: ≤ 2 KB",
    )


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
            bench_memory(definition, 10_000),
            bench_working_days(rounds),
            bench_overdue(1_000 if args.quick else 10_000, 10_000 if args.quick else 100_000, 100, rounds),
            bench_review(2_000 if args.quick else 10_000, 3),
            *people.bench_inbox(1_000, 10_000 if args.quick else 100_000, rounds),
            people.bench_fire_checked(400 if args.quick else 2_000, rounds),
        ]
    print(f"{'benchmark':<58} {'value':>10} {'floor':>10} {'ratio':>7} {'target':>7}  ok")
    for row in rows:
        absolute = row.floor == 1.0
        floor = "-" if absolute else f"{row.floor:.2f}"
        ratio = "-" if absolute else f"{row.ratio:.2f}×"
        target = f"{row.target:g}{row.unit}" if absolute else f"≤{row.target:g}×"
        print(
            f"{row.name:<58} {row.value:>8.2f}{row.unit[:2]:>2} {floor:>10} {ratio:>7} {target:>7}  "
            f"{'yes' if row.ok else 'NO'}"
        )
    for row in rows:
        if row.note:
            print(f"  {row.name.split(')')[0]}): {row.note}")
    return 0 if all(row.ok for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
