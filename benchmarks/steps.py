"""A step costs the same on day 1 and day 300: fire(case_id) reads the case row's snapshot, never the history,
and keeps its deadlines from the event at hand (issue 17, parts 1 and 4).

    python benchmarks/steps.py            # 7 rounds
    python benchmarks/steps.py --quick    # 3 rounds, fewer steps

Every row is engine against a floor measured in the same run, its two sides stepping in turn, one single
step each, over rounds (`rounds.paired` in benchmarks/rounds.py):
(s) `fire(case_id)` on SQLite at step 200 of a case against a new case at step 2 — the old case collected a
    touch-log note for every move, so its history is long and its documents have many versions;
    the same in memory at step 10,000 (a simulation's long case: the store must not copy its history per step);
(t) `fire(case_id)` on SQLite against a hand-rolled durable state machine on the same tables: read the
    case row's JSON snapshot, a `transitions` trigger, then the same UPDATE of the case row and INSERT of the
    event (EVENT_FIELDS) in one transaction;
(u) `fire()` with one working-day deadline per state against the same process without, in memory and on
    SQLite. Exit status 1 when a row misses its limit.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rounds import Row, Ticking, paired, print_table
from stores import FIRE_STATEMENTS
from transitions.extensions.nesting import HierarchicalMachine

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from procflow import Actor, Engine, load, open_store  # noqa: E402
from procflow.definition.model import ProcessDefinition  # noqa: E402
from procflow.people.admin import Team  # noqa: E402
from procflow.people.cast import seat  # noqa: E402
from procflow.store.records import EVENT_FIELDS, utc  # noqa: E402

PLAYER = Actor("p", "player")
T0 = datetime(2026, 3, 2, 1, tzinfo=UTC)
PROCESS = """\
procflow: 1
id: {id}
version: "1"
title: Ping pong
calendar: {{country: CN, timezone: Asia/Shanghai}}
roles: {{player: {{title: Player}}}}
documents:
  note:
    title: Note
    schema: note.schema.json
    produced_by: [player]
stages: [{{id: play, title: Play}}]
states:
  a: {{stage: play, title: A, owner: player{deadline_a}}}
  b: {{stage: play, title: B, owner: player{deadline_b}}}
initial: a
transitions:
  - {{trigger: go, from: a, to: b, roles: [player]}}
  - {{trigger: back, from: b, to: a, roles: [player]}}
"""
DEADLINE = (
    ", deadlines: [{{id: answer_{state}, title: Answer, within: 2 working days,"
    " escalate: [{{overdue_by: 4h, notify: player}}]}}]"
)
NOTE_SCHEMA = """{"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
 "additionalProperties": false, "required": ["text"], "properties": {"text": {"type": "string", "maxLength": 200}}}"""
MOVES = ("go", "back")


def definitions(folder: Path) -> tuple[ProcessDefinition, ProcessDefinition]:
    """The ping-pong process without deadlines, and the same with one working-day deadline per state."""
    (folder / "processes").mkdir(parents=True, exist_ok=True)
    (folder / "schemas").mkdir(parents=True, exist_ok=True)
    (folder / "schemas" / "note.schema.json").write_text(NOTE_SCHEMA)
    loaded = []
    for name, deadline in (("plain", ""), ("timed", DEADLINE)):
        path = folder / "processes" / f"{name}.yaml"
        marks = {f"deadline_{state}": deadline.format(state=state) for state in "ab"}
        path.write_text(PROCESS.format(id=name, **marks))
        loaded.append(load(path))
    return loaded[0], loaded[1]


def engine_on(url: str, *processes: ProcessDefinition) -> Engine:
    engine = Engine(open_store(url), clock=Ticking(T0))
    seat(Team(engine.directory), [PLAYER], T0)
    for process in processes:
        engine.register(process)
    return engine


def fires(engine: Engine, case_id: str, count: int, done: int) -> float:
    """Seconds for `count` fires by case id (the case has made `done` moves so far)."""
    start = time.perf_counter()
    for index in range(done, done + count):
        engine.fire(case_id, MOVES[index % 2], PLAYER)
    return time.perf_counter() - start


def bench_long_history(url: str, store: str, plain: ProcessDefinition, rounds: int, moves: int, old: int) -> Row:
    """(s): one case taken, untimed, to step `old` (a touch-log note and a fire at a time); then its fires
    and those of young cases in turn (`rounds.paired`), each young case fired `moves` times from step 2."""
    engine = engine_on(url, plain)
    aged = engine.start("plain", PLAYER).id
    done = 0
    while engine.store.get(aged).version < old:
        engine.submit(aged, "note", {"text": f"touched the customer, call {done}"}, PLAYER)
        fires(engine, aged, 1, done)
        done += 1
    young = [engine.start("plain", PLAYER).id for _ in range(rounds + 1)]  # one per round, the warm-up too
    return paired(
        f"(s) fire(case_id) {store} at step {old} vs step 2 of a case",
        ours=lambda index: engine.fire(aged, MOVES[(done + index) % 2], PLAYER),
        floor=lambda index: engine.fire(young[index // moves], MOVES[index % 2], PLAYER),
        rounds=rounds,
        steps=moves,
        limit=1.2,
        note=f"per round the median single fire of each side, the two firing in turn: the old case (from {old} "
        f"events, ~{old // 2} note versions, on) and a new case per round (steps 2 to {moves + 1})",
    )


class Floor:
    """(t)'s floor: a hand-rolled durable state machine on the engine's own tables — read the case row's JSON
    snapshot, a `transitions` trigger (the machine kind the engine builds), then the same UPDATE of the case
    row and INSERT of the event, in one transaction."""

    def __init__(self, path: str, case_id: str, definition: ProcessDefinition) -> None:
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode = WAL")
        self.db.execute("PRAGMA synchronous = NORMAL")
        self.machine = HierarchicalMachine(states=["a", "b"], initial="a", auto_transitions=False, model=None)
        self.machine.add_transition("go", "a", "b")  # the machine kind the engine builds (it needs one for regions)
        self.machine.add_transition("back", "b", "a")
        self.case_id, self.definition_hash = case_id, definition.content_hash
        self.insert = f"INSERT INTO events ({', '.join(EVENT_FIELDS)}) VALUES ({', '.join('?' for _ in EVENT_FIELDS)})"

    def step(self, index: int) -> None:
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        (text,) = db.execute("SELECT snapshot FROM cases WHERE id = ?", (self.case_id,)).fetchone()
        snapshot = json.loads(text)
        model = _Model()
        model.state = snapshot["state"]
        self.machine.trigger_event(model, MOVES[index % 2])
        at = T0 + timedelta(seconds=index)
        version = snapshot["version"] + 1
        snapshot.update(state=model.state, version=version, updated_at=at.isoformat())
        db.execute(  # the engine's own statement (a hand-rolled machine keeps its head unhashed)
            FIRE_STATEMENTS[0],
            (model.state, version, utc(at), self.definition_hash, snapshot["head"], json.dumps(snapshot),
             self.case_id, version - 1),
        )  # fmt: skip
        event = (self.case_id, version, "fired", at.isoformat(), PLAYER.user, "player", self.definition_hash)
        row = (*event, MOVES[index % 2], snapshot["state"], model.state, None, None, None, None, None, None, 2, None)
        db.execute(self.insert, row)
        db.execute("COMMIT")

    def close(self) -> None:
        self.db.close()


class _Model:
    state = "a"


def bench_floor(url: str, path: str, plain: ProcessDefinition, rounds: int, n: int) -> Row:
    """(t): fire(case_id) against transitions + the row's JSON snapshot + the same UPDATE and INSERT."""
    engine = engine_on(url, plain)
    ours_case = engine.start("plain", PLAYER).id
    floor_machine = Floor(path, engine.start("plain", PLAYER).id, plain)
    row = paired(
        "(t) fire(case_id) on SQLite vs transitions + JSON snapshot + UPDATE/INSERT",
        ours=lambda index: engine.fire(ours_case, MOVES[index % 2], PLAYER),
        floor=floor_machine.step,
        rounds=rounds,
        steps=n,
        limit=1.5,
        note="per round the median single step of each side, the two stepping in turn; the floor reads the row's "
        "snapshot, triggers, writes the row and the event in one transaction; "
        "the engine also resolves the actor's grant, hashes the event into the chain and keeps the inbox index; "
        "it decodes the row only when its text is not what it committed (store/written.py), the floor every time; "
        "both read inside their write transaction (the engine through Store.stepping)",
    )
    floor_machine.close()
    return row


def bench_deadline(
    url: str, store: str, plain: ProcessDefinition, timed: ProcessDefinition, rounds: int, n: int
) -> Row:
    """(u): the same fires by case id, with one deadline per state (the due items on its row rewritten each time)."""
    engine = engine_on(url, plain, timed)
    cases = {name: engine.start(name, PLAYER).id for name in ("plain", "timed")}
    return paired(
        f"(u) fire() with one deadline per state vs without, {store}",
        ours=lambda index: engine.fire(cases["timed"], MOVES[index % 2], PLAYER),
        floor=lambda index: engine.fire(cases["plain"], MOVES[index % 2], PLAYER),
        rounds=rounds,
        steps=n,
        limit=1.3,
        note="per round the median single fire of each side, the two firing in turn; with the deadline a step "
        "also keeps the case's trail and rewrites the due items on its case row",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="3 rounds and fewer steps")
    args = parser.parse_args(argv)
    rounds = 3 if args.quick else 7
    n = 100 if args.quick else 300
    with tempfile.TemporaryDirectory() as folder:
        plain, timed = definitions(Path(folder))
        db = f"{folder}/steps.db"
        rows = [
            bench_long_history(f"sqlite:///{folder}/history.db", "on SQLite", plain, rounds, 20, 200),
            bench_long_history("memory:", "in memory", plain, rounds, 20, 10_000),
            bench_floor(f"sqlite:///{db}", db, plain, rounds, n),
            bench_deadline("memory:", "in memory", plain, timed, rounds, n * 4),
            bench_deadline(f"sqlite:///{folder}/deadlines.db", "on SQLite", plain, timed, rounds, n),
        ]
    return 0 if print_table(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
