"""Command-line start-up: every subcommand's `--help`, and real runs of status, list and overdue, against the
interpreter importing what any procflow command needs (`python -c "import yaml, jinja2, jsonschema, transitions"`).

    python benchmarks/cli.py            # 7 rounds
    python benchmarks/cli.py --quick    # 3 rounds

Each row runs the command in a fresh interpreter, interleaved with the floor round by round (benchmarks/rounds.py).
Targets: `procflow --version` and `procflow status CASE` ≤ 1.5× the floor; the others are listed to show where
start-up goes (no target). The store is the demo's (SQLite, 12 sales cases).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from rounds import Row, compare, print_table  # noqa: E402

FLOOR = [sys.executable, "-c", "import yaml, jinja2, jsonschema, transitions"]
PROCFLOW = [sys.executable, "-m", "procflow"]
TARGETED = {"version", "status"}


def _run(argv: list[str], env: dict[str, str]) -> Callable[[], float]:
    import time

    def side() -> float:
        start = time.perf_counter()
        done = subprocess.run(argv, env=env, capture_output=True, timeout=120, cwd=ROOT)
        elapsed = time.perf_counter() - start
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} failed: {done.stderr.decode()[-500:]}")
        return elapsed

    return side


def _compiled(env: dict[str, str]) -> None:
    """procflow's bytecode, written once as an install writes it: the floor's libraries are imported from their
    .pyc files, and with PYTHONDONTWRITEBYTECODE set (as on this machine) procflow's own modules would otherwise be
    compiled from source on every run, which is not start-up a user sees."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "engine")], env=env, check=True,
                   capture_output=True, cwd=ROOT)  # fmt: skip


def _demo(folder: Path, env: dict[str, str]) -> tuple[str, str]:
    url = f"sqlite:///{folder / 'demo.db'}"
    subprocess.run([*PROCFLOW, "demo", "--db", url, "--out", str(folder / "out")], env=env, check=True,
                   capture_output=True, cwd=ROOT)  # fmt: skip
    listed = subprocess.run([*PROCFLOW, "list", "--db", url, "--limit", "1", "--json"], env=env, check=True,
                            capture_output=True, text=True, cwd=ROOT).stdout  # fmt: skip
    return url, str(json.loads(listed)[0]["id"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    parser.add_argument("--only", help="only these rows, e.g. version,status,list (help: the top-level --help)")
    args = parser.parse_args(argv)
    rounds = 3 if args.quick else 7
    sys.path.insert(0, str(ROOT))
    from procflow.cli.main import AREAS

    env = {**os.environ, "PYTHONPATH": str(ROOT), "PROCFLOW_CACHE_DIR": os.environ.get("PROCFLOW_CACHE_DIR", "")}
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        if not env["PROCFLOW_CACHE_DIR"]:
            env["PROCFLOW_CACHE_DIR"] = str(folder / "cache")
        _compiled(env)
        url, case = _demo(folder, env)
        runs: list[tuple[str, list[str]]] = [
            ("version", ["--version"]),
            ("status", ["status", case, "--db", url]),
            ("list", ["list", "--db", url]),
            ("overdue", ["overdue", "--db", url]),
            ("help", ["--help"]),
        ]
        runs += [(command, [command, "--help"]) for commands in AREAS.values() for command in commands]
        rows: list[Row] = []
        for name, command in runs:
            if args.only and name not in args.only.split(","):
                continue
            label = f"procflow {' '.join(command).replace(url, 'DB').replace(case, 'CASE')}"
            rows.append(
                compare(
                    label,
                    ours=_run([*PROCFLOW, *command], env),
                    floor=_run(FLOOR, env),
                    rounds=rounds,
                    limit=1.5 if name in TARGETED and command[-1] != "--help" else None,
                    unit="ms",
                )
            )
    ok = print_table(rows)
    print("floor: a fresh interpreter importing yaml, jinja2, jsonschema and transitions; no target: listed only")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
