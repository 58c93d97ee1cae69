"""The step rows of benchmarks/steps.py counted in machine instructions (callgrind), which do not move with the
load on a shared machine: a companion to the timed rows, not a replacement (it leaves out the kernel's work,
e.g. writing the WAL, and the cost of memory traffic).

    python benchmarks/instructions.py          # needs valgrind; about 2 minutes on an idle 2-core machine

Each figure is (instructions of a run with N2 steps − those of one with N1) / (N2 − N1), so the interpreter's
start-up and the imports cancel out. Rows:
(t) fire(case_id) on SQLite vs the hand-rolled durable machine of steps.py (`Floor`), same tables;
(u) fire(case_id) with one working-day deadline per state vs without, in memory and on SQLite.
"""

from __future__ import annotations

import argparse
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


def counted(kind: str, store: str, n: int) -> int:
    done = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, __file__, "--run",
         kind, store, str(n)],
        capture_output=True, text=True, check=True,
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
    sides = [("plain", "sqlite"), ("floor", "sqlite"), ("plain", "memory"), ("timed", "memory"), ("timed", "sqlite")]
    with ThreadPoolExecutor(2) as pool:
        counts = dict(zip(sides, pool.map(lambda side: per_step(*side), sides), strict=True))
    rows = [
        ("(t) fire(case_id) on SQLite vs the hand-rolled durable machine", counts["plain", "sqlite"],
         counts["floor", "sqlite"], 1.5),
        ("(u) fire() with one deadline per state vs without, in memory", counts["timed", "memory"],
         counts["plain", "memory"], 1.3),
        ("(u) fire() with one deadline per state vs without, on SQLite", counts["timed", "sqlite"],
         counts["plain", "sqlite"], 1.3),
    ]  # fmt: skip
    print(f"{'row':66} {'engine':>12} {'floor':>12} {'ratio':>7}  limit (of the timed row)")
    for name, ours, floor, limit in rows:
        print(f"{name:66} {ours:>12,.0f} {floor:>12,.0f} {ours / floor:>6.2f}×  ≤{limit}×")
    print("instructions per step; user space only (the kernel's WAL writes are not counted)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
