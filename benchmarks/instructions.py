"""The step rows of benchmarks/steps.py and benchmarks/notify.py counted in machine instructions (callgrind),
which do not move with the load on a shared machine: a companion to the timed rows, not a replacement (it
leaves out the kernel's work, e.g. writing the WAL, and the cost of memory traffic: a step whose working set
is larger than its floor's runs fewer instructions per cycle, so its timed ratio reads higher than this one).

    python benchmarks/instructions.py          # needs valgrind; about 3 minutes on an idle 2-core machine

Each figure is (instructions of a run with N2 steps − those of one with N1) / (N2 − N1), so the interpreter's
start-up and the imports cancel out. Every run has the same string hashes (PYTHONHASHSEED=0): with random
ones, dict and set probes differ from run to run and a count moved by 3–7% between two runs of the same code;
with the seed fixed, two runs agree within 1%. Nor do they read procflow's disk cache (PROCFLOW_CACHE_DIR=off):
a child that finds a calendar's working days there skips work another child did, and the first run on a new
machine counted (u) 1.34× where every later one counts 1.20×. Rows:
(t) fire(case_id) on SQLite vs the hand-rolled durable machine of steps.py (`Floor`), same tables;
(u) fire(case_id) with one working-day deadline per state vs without, in memory and on SQLite;
(n1), (n2) fire() writing two outbox messages vs the same fire() with no outbox, on SQLite and in memory
    (notify.py's rows: 20 cases in turn, two contacts hold the owner role).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
N1, N2 = 100, 300


def steps(kind: str, store: str, n: int) -> None:
    """Run `n` steps of one side (in a child process under callgrind)."""
    sys.path.insert(0, str(HERE))
    if kind in ("told", "untold"):
        outbox_steps(kind == "told", store, n)
        return
    import steps as bench

    with tempfile.TemporaryDirectory() as folder:
        plain, timed = bench.definitions(Path(folder))
        path = f"{folder}/steps.db"
        engine = bench.engine_on("memory:" if store == "memory" else f"sqlite:///{path}", plain, timed)
        case_id = engine.start("timed" if kind == "timed" else "plain", bench.PLAYER).id
        if kind == "floor":
            floor = bench.Floor(path, case_id, plain)
            for index in range(20 + n):
                floor.step(index)
            return
        bench.fires(engine, case_id, 20 + n, 0)


def outbox_steps(told: bool, store: str, n: int) -> None:
    """notify.py's fire(): 20 cases fired in turn, with the notifier writing two messages a move, or none."""
    import notify as bench
    from rounds import Ticking

    from procflow import Engine, open_store

    with tempfile.TemporaryDirectory() as folder:
        opened = open_store("memory:" if store == "memory" else f"sqlite:///{folder}/outbox.db")
        engine = bench.staffed(
            Engine(opened, clock=Ticking(bench.T0), outbox=bench._told(opened) if told else None), bench.PLAYER
        )
        engine.register(bench.pingpong_definition(Path(folder) / "process"))
        cases = [engine.start("pingpong", bench.PLAYER) for _ in range(20)]
        for index in range(20 + n):
            case = cases[index % 20]
            cases[index % 20] = engine.fire(case, "go" if case.state == "a" else "back", bench.PLAYER)


def counted(kind: str, store: str, n: int) -> int:
    quiet = {"PYTHONHASHSEED": "0", "PROCFLOW_CACHE_DIR": "off"}  # see the module's docstring
    done = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, __file__, "--run",
         kind, store, str(n)],
        capture_output=True, text=True, check=True, env={**os.environ, **quiet},
    )  # fmt: skip
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        raise RuntimeError(f"callgrind printed no count:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def per_step(kind: str, store: str) -> float:
    return (counted(kind, store, N2) - counted(kind, store, N1)) / (N2 - N1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", nargs=3, metavar=("KIND", "STORE", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.run:
        steps(args.run[0], args.run[1], int(args.run[2]))
        return 0
    if shutil.which("valgrind") is None:
        print("valgrind is not installed: apt-get install valgrind")
        return 2
    sides = [("plain", "sqlite"), ("floor", "sqlite"), ("plain", "memory"), ("timed", "memory"), ("timed", "sqlite"),
             ("told", "sqlite"), ("untold", "sqlite"), ("told", "memory"), ("untold", "memory")]  # fmt: skip
    with ThreadPoolExecutor(2) as pool:
        counts = dict(zip(sides, pool.map(lambda side: per_step(*side), sides), strict=True))
    rows = [
        ("(t) fire(case_id) on SQLite vs the hand-rolled durable machine", counts["plain", "sqlite"],
         counts["floor", "sqlite"], 1.5),
        ("(u) fire() with one deadline per state vs without, in memory", counts["timed", "memory"],
         counts["plain", "memory"], 1.3),
        ("(u) fire() with one deadline per state vs without, on SQLite", counts["timed", "sqlite"],
         counts["plain", "sqlite"], 1.3),
        ("(n1) fire() on SQLite writing 2 outbox messages vs none", counts["told", "sqlite"],
         counts["untold", "sqlite"], 1.3),
        ("(n2) fire() in memory writing 2 outbox messages vs none", counts["told", "memory"],
         counts["untold", "memory"], 1.3),
    ]  # fmt: skip
    print(f"{'row':66} {'engine':>12} {'floor':>12} {'ratio':>7}  limit (of the timed row)")
    for name, ours, floor, limit in rows:
        print(f"{name:66} {ours:>12,.0f} {floor:>12,.0f} {ours / floor:>6.2f}×  ≤{limit}×")
    print("instructions per step; user space only (the kernel's WAL writes are not counted)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
