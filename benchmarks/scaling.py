"""PostgreSQL throughput with 1, 2 and 4 processes on disjoint cases: procflow's fire() against the same
statements issued by psycopg alone (benchmarks/stores.py FIRE_STATEMENTS, on the same tables).

    python benchmarks/scaling.py                 # 20 s per point after a 3 s warm-up (about 3 minutes)
    python benchmarks/scaling.py --seconds 5     # a shorter look

Not part of the test suite. Each worker opens its own connection, fires on its own cases for the warm-up, then
waits at a barrier with the others; all count every fire they finish in the same window and report it with the
window they measured and the CPU time they used. A point's rate is the sum of each worker's fires over its own
window. The row's verdict: procflow's scaling (rate at k processes / at 1) over the floor's, ≥ 0.8.
The CPU column says why a point scales as it does: a procflow worker spends most of each fire in Python on a
core, while the floor mostly waits for the server; on a 2-core machine shared with the server (and with other
people's work: the load average is printed) 4 CPU-bound processes cannot run at once.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from rounds import Row, Spread, print_table  # noqa: E402
from stores import (  # noqa: E402
    FIRE_STATEMENTS,
    PG,
    PLAYER,
    PsycopgDriver,
    drop,
    engine_on,
    fire_rows,
    pg_url,
)

CASES = 400


@dataclass(frozen=True)
class Count:
    fires: int
    seconds: float  # the window this worker measured
    cpu: float  # its CPU seconds in that window


def _procflow(url: str, case_ids: list[str], warmup: float, seconds: float, barrier: Barrier, out: Any) -> None:
    from procflow import Engine, open_store

    engine = Engine(open_store(url))
    cases = [engine.get(i) for i in case_ids]

    def fire(i: int) -> None:
        case = cases[i]
        cases[i] = engine.fire(case, "go" if case.state == "a" else "back", PLAYER)

    out.put(_measure(fire, len(cases), warmup, seconds, barrier))


def _floor(url: str, case_ids: list[str], warmup: float, seconds: float, barrier: Barrier, out: Any) -> None:
    driver = PsycopgDriver(url)
    rows = driver.conn.execute(
        "SELECT id, version, definition_hash FROM cases WHERE id = ANY(%s)",
        (case_ids,),
    ).fetchall()
    versions = {r[0]: (r[1], r[2]) for r in rows}
    order = list(versions)

    def fire(i: int) -> None:
        case_id = order[i]
        version, digest = versions[case_id]
        driver.begin()
        for sql, params in zip(FIRE_STATEMENTS, fire_rows(case_id, version, digest), strict=True):
            driver.run(sql, params)
        driver.commit()
        versions[case_id] = (version + 1, digest)

    out.put(_measure(fire, len(order), warmup, seconds, barrier))


def _measure(fire: Any, cases: int, warmup: float, seconds: float, barrier: Barrier) -> Count:
    i, until = 0, time.perf_counter() + warmup
    while time.perf_counter() < until:
        fire(i % cases)
        i += 1
    barrier.wait()
    done, cpu0, start = 0, time.process_time(), time.perf_counter()
    until = start + seconds
    while (now := time.perf_counter()) < until:
        fire((i + done) % cases)
        done += 1
    return Count(done, now - start, time.process_time() - cpu0)


def _point(target: Any, url: str, ids: list[str], workers: int, warmup: float, seconds: float) -> list[Count]:
    context = multiprocessing.get_context("spawn")
    barrier, out = context.Barrier(workers), context.Queue()
    share = [ids[i::workers] for i in range(workers)]
    processes = [context.Process(target=target, args=(url, part, warmup, seconds, barrier, out)) for part in share]
    for process in processes:
        process.start()
    counts = [out.get(timeout=warmup + seconds + 120) for _ in processes]
    for process in processes:
        process.join(30)
    return counts


def _store(folder: Path) -> tuple[str, list[str]]:
    url = pg_url()
    if url is None:
        raise SystemExit(f"no PostgreSQL at {PG}")
    engine = engine_on(url, folder)
    ids = [engine.start("pingpong", PLAYER).id for _ in range(CASES)]
    engine.store.close()
    return url, ids


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20.0, help="measured seconds per point (default 20)")
    parser.add_argument("--warmup", type=float, default=3.0, help="warm-up seconds per point (default 3)")
    args = parser.parse_args(argv)
    cores = os.cpu_count()
    print(f"{cores} cores; load average before: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    rates: dict[tuple[str, int], float] = {}
    lines = []
    with tempfile.TemporaryDirectory() as scratch:
        ours_url, ours_ids = _store(Path(scratch) / "ours")
        floor_url, floor_ids = _store(Path(scratch) / "floor")
        try:
            for turn, workers in enumerate((1, 2, 4)):
                sides = [("floor", _floor, floor_url, floor_ids), ("procflow", _procflow, ours_url, ours_ids)]
                for name, target, url, ids in sides if turn % 2 == 0 else sides[::-1]:
                    counts = _point(target, url, ids, workers, args.warmup, args.seconds)
                    rate = sum(c.fires / c.seconds for c in counts)
                    busy = sum(c.cpu for c in counts) / max(c.seconds for c in counts)
                    per_fire = sum(c.cpu for c in counts) / sum(c.fires for c in counts) * 1e6
                    rates[(name, workers)] = rate
                    lines.append(
                        f"  {name:<8} {workers} process(es): {rate:8,.0f} fires/s, {sum(c.fires for c in counts):,} "
                        f"fires in {max(c.seconds for c in counts):.1f} s; client CPU {per_fire:,.0f} µs per fire, "
                        f"{busy:.2f} cores busy; load average {os.getloadavg()[0]:.2f}"
                    )
        finally:
            drop(ours_url)
            drop(floor_url)
    print("\n".join(lines))
    rows = []
    for workers in (2, 4):
        ours = rates[("procflow", workers)] / rates[("procflow", 1)]
        floor = rates[("floor", workers)] / rates[("floor", 1)]
        rows.append(
            Row(
                f"(j) PostgreSQL scaling, {workers} processes vs 1 (procflow's / the floor's)",
                Spread.of([ours]),
                Spread.of([floor]),
                "×",
                0.8,
                f"procflow {ours:.2f}× its 1-process rate, psycopg alone {floor:.2f}×",
                better="higher",
            )
        )
    ok = print_table(rows)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
