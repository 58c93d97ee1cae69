"""Store benchmarks: persisted fire() against the bare SQL it needs, worker scaling, the due query at 1M rows.

    python benchmarks/stores.py            # full (1,000,000 due rows; takes a few minutes)
    python benchmarks/stores.py --quick    # smaller sizes

Every ratio is against a floor measured in the same run on the same database:
for fire(), one transaction that updates one row and inserts one row.
PostgreSQL rows are skipped (and said so) when no server answers at
$PROCFLOW_TEST_PG (default postgresql://postgres@127.0.0.1:5432/test).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sqlite3
import statistics
import sys
import tempfile
import time
import tracemalloc
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import psycopg  # noqa: E402
from run import PING_PONG, PLAYER, Row, pingpong_definition, staffed  # noqa: E402

from engine import Engine, FixedClock, open_store  # noqa: E402
from engine.store.records import utc  # noqa: E402
from engine.store.sql import SQLStore  # noqa: E402
from engine.worker import Worker  # noqa: E402

PG = os.environ.get("PROCFLOW_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
T0 = datetime(2026, 3, 2, 1, tzinfo=UTC)


def pg_url() -> str | None:
    try:
        with psycopg.connect(PG, connect_timeout=3):
            return f"{PG}?schema=bench_{uuid.uuid4().hex[:8]}"
    except psycopg.Error:
        return None


def drop(url: str) -> None:
    with psycopg.connect(PG, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {url.rsplit('schema=', 1)[1]} CASCADE")


def engine_on(url: str, folder: Path) -> Engine:
    engine = staffed(Engine(open_store(url), clock=FixedClock(T0)), PLAYER)
    engine.register(pingpong_definition(folder))  # type: ignore[arg-type]
    return engine


def fires_per_second(engine: Engine, n: int) -> float:
    cases = [engine.start("pingpong", PLAYER) for _ in range(max(1, n // 20))]
    start = time.perf_counter()
    done = 0
    while done < n:
        for i, case in enumerate(cases):
            cases[i] = engine.fire(case, "go" if case.state == "a" else "back", PLAYER)
            done += 1
    return (time.perf_counter() - start) / n


def floor_sqlite(path: Path, n: int) -> float:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute("CREATE TABLE f_rows (id TEXT PRIMARY KEY, version INTEGER)")
    db.execute("CREATE TABLE f_log (id TEXT, seq INTEGER, body TEXT, PRIMARY KEY (id, seq))")
    db.executemany("INSERT INTO f_rows VALUES (?, 0)", [(f"c{i}",) for i in range(50)])
    start = time.perf_counter()
    for i in range(n):
        db.execute("BEGIN IMMEDIATE")
        db.execute("UPDATE f_rows SET version = ? WHERE id = ?", (i, f"c{i % 50}"))
        db.execute("INSERT INTO f_log VALUES (?, ?, ?)", (f"c{i % 50}", i, '{"kind": "fired"}'))
        db.execute("COMMIT")
    elapsed = (time.perf_counter() - start) / n
    db.close()
    return elapsed


def floor_sqlite_same_rows(url: str, folder: Path, n: int) -> float:
    """The two statements fire() must run — update the case row (with its head hash), insert the event row
    (with its hashes) — on the real tables, without computing anything."""
    engine = engine_on(url, folder)
    cases = [engine.start("pingpong", PLAYER) for _ in range(50)]
    engine.store.close()
    db = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    versions = {c.id: c.version for c in cases}
    start = time.perf_counter()
    for i in range(n):
        case = cases[i % 50]
        v = versions[case.id]
        db.execute("BEGIN IMMEDIATE")
        db.execute(
            "UPDATE cases SET state = ?, version = ?, updated_at = ?, definition_hash = ?, head = ? "
            "WHERE id = ? AND version = ?",
            ("b" if v % 2 else "a", v + 1, utc(T0), case.definition_hash, "f" * 64, case.id, v),
        )
        db.execute(
            "INSERT INTO events VALUES "
            "(?, ?, 'fired', ?, 'p', 'player', ?, 'go', 'a', 'b', NULL, NULL, NULL, NULL, ?, ?, 'grant #2')",
            (case.id, v + 1, T0.isoformat(), case.definition_hash, "e" * 64, "f" * 64),
        )
        db.execute("COMMIT")
        versions[case.id] = v + 1
    elapsed = (time.perf_counter() - start) / n
    db.close()
    return elapsed


def floor_postgres(url: str, n: int) -> float:
    schema = url.rsplit("schema=", 1)[1]
    with psycopg.connect(PG, autocommit=True) as conn:
        conn.execute(f"SET search_path TO {schema}")
        conn.execute("CREATE TABLE f_rows (id TEXT PRIMARY KEY, version INTEGER)")
        conn.execute("CREATE TABLE f_log (id TEXT, seq INTEGER, body TEXT, PRIMARY KEY (id, seq))")
        conn.cursor().executemany("INSERT INTO f_rows VALUES (%s, 0)", [(f"c{i}",) for i in range(50)])
        start = time.perf_counter()
        for i in range(n):
            with conn.transaction(), conn.cursor() as cur:
                cur.execute("UPDATE f_rows SET version = %s WHERE id = %s", (i, f"c{i % 50}"))
                cur.execute("INSERT INTO f_log VALUES (%s, %s, %s)", (f"c{i % 50}", i, '{"kind": "fired"}'))
        return (time.perf_counter() - start) / n


def bench_persisted(n: int, rounds: int) -> list[Row]:
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        ours, floor, minimal = [], [], []
        for r in range(rounds):
            engine = engine_on(f"sqlite:///{base / f'e{r}.db'}", base / f"d{r}")
            ours.append(fires_per_second(engine, n))
            engine.store.close()
            floor.append(floor_sqlite_same_rows(f"sqlite:///{base / f's{r}.db'}", base / f"s{r}", n))
            minimal.append(floor_sqlite(base / f"f{r}.db", n))
        rows.append(
            Row(
                "(h) persisted fire() on SQLite vs its update+insert transaction",
                statistics.median(ours) * 1e6,
                statistics.median(floor) * 1e6,
                "µs",
                2.5,
                "floor: the same two statements on the real tables (case row, event row, their indexes)",
            )
        )
        rows.append(
            Row(
                "(h') the same vs an update+insert of two-column rows",
                statistics.median(ours) * 1e6,
                statistics.median(minimal) * 1e6,
                "µs",
                1e9,
                "informational: what the wider rows and required indexes cost on top",
            )
        )
        url = pg_url()
        if url is None:
            print(f"PostgreSQL rows skipped: no server at {PG}")
            return rows
        try:
            ours, floor = [], []
            for r in range(rounds):
                engine = engine_on(url, base / f"p{r}")
                ours.append(fires_per_second(engine, n))
                engine.store.close()
                floor_url = f"{PG}?schema={url.rsplit('schema=', 1)[1]}_f{r}"
                with psycopg.connect(PG, autocommit=True) as conn:
                    conn.execute(f"CREATE SCHEMA {floor_url.rsplit('schema=', 1)[1]}")
                floor.append(floor_postgres(floor_url, n))
                drop(floor_url)
            rows.append(
                Row(
                    "(i) persisted fire() on PostgreSQL vs the same statements",
                    statistics.median(ours) * 1e6,
                    statistics.median(floor) * 1e6,
                    "µs",
                    2.0,
                )
            )
        finally:
            drop(url)
    return rows


def _fire_worker(url: str, case_ids: list[str], seconds: float) -> int:
    from engine import Engine, open_store
    from engine.records import Actor

    engine = Engine(open_store(url))
    player = Actor("p", "player")
    cases = [engine.get(i) for i in case_ids]
    done, until = 0, time.perf_counter() + seconds
    while time.perf_counter() < until:
        for i, case in enumerate(cases):
            cases[i] = engine.fire(case, "go" if case.state == "a" else "back", player)
            done += 1
    return done


def bench_scaling(seconds: float) -> list[Row]:
    url = pg_url()
    if url is None:
        return []
    rows = []
    try:
        with tempfile.TemporaryDirectory() as folder:
            engine = engine_on(url, Path(folder))
            ids = [engine.start("pingpong", PLAYER).id for _ in range(400)]
            context = multiprocessing.get_context("spawn")
            base = 0.0
            for workers in (1, 2, 4):
                share = [ids[i::workers] for i in range(workers)]
                with context.Pool(workers) as pool:
                    done = sum(pool.starmap(_fire_worker, [(url, part, seconds) for part in share]))
                rate = done / seconds
                base = base or rate
                rows.append(
                    Row(
                        f"(j) PostgreSQL throughput, {workers} worker process(es)",
                        rate,
                        base,
                        "tr/s",
                        1e9,
                        f"{rate / base:.2f}× the 1-process rate on this 2-core machine",
                    )
                )
    finally:
        drop(url)
    return rows


def bench_due_query(small: int, large: int, rounds: int) -> Row:
    """store.due() with 100 rows due among `small` vs `large` open rows (bulk-inserted), SQLite."""

    def seeded(path: Path, count: int) -> SQLStore:
        store = open_store(f"sqlite:///{path}")
        assert isinstance(store, SQLStore)
        db = sqlite3.connect(path)
        late, later = utc(T0), utc(T0 + timedelta(days=60))
        db.execute("PRAGMA foreign_keys = OFF")
        db.executemany(
            "INSERT INTO due VALUES (?, 'answer@1', 'bench', 'answer', 'a', 'clerk', ?, ?)",
            ((f"case-{i:08d}", late if i < 100 else later, late if i < 100 else later) for i in range(count)),
        )
        db.commit()
        db.close()
        return store

    with tempfile.TemporaryDirectory() as folder:
        small_store = seeded(Path(folder) / "small.db", small)
        large_store = seeded(Path(folder) / "large.db", large)
        now = T0 + timedelta(days=1)
        assert len(small_store.due(now)) == 100 == len(large_store.due(now))

        def timed(store: SQLStore) -> float:
            samples = []
            for _ in range(rounds * 5):
                start = time.perf_counter()
                store.due(now)
                samples.append(time.perf_counter() - start)
            return statistics.median(samples)

        t_small, t_large = timed(small_store), timed(large_store)
        plan = large_store._read("EXPLAIN QUERY PLAN SELECT * FROM due WHERE due_at <= ? ORDER BY due_at", ("x",))
    return Row(
        f"(k) due query, {large:,} open rows vs {small:,} (SQLite)",
        t_large * 1e3,
        t_small * 1e3,
        "ms",
        50.0,
        f"absolute target: {large:,} rows < 50 ms; plan: " + "; ".join(str(r[-1]) for r in plan),
    )


def bench_worker_memory(small: int, large: int) -> Row:
    """Memory a worker round allocates and keeps, on stores with `small` vs `large` quiet cases."""

    def kept(count: int, folder: Path) -> int:
        engine = engine_on(f"sqlite:///{folder / f'w{count}.db'}", folder / f"d{count}")
        store = engine.store
        assert isinstance(store, SQLStore)
        db = sqlite3.connect(folder / f"w{count}.db")
        db.execute("PRAGMA foreign_keys = OFF")
        db.executemany(
            "INSERT INTO cases VALUES (?, 'pingpong', ?, 'a', 1, ?, ?, NULL)",
            ((f"q{i:08d}", engine.definition("pingpong").content_hash, utc(T0), utc(T0)) for i in range(count)),
        )
        db.commit()
        db.close()
        worker = Worker(engine, name="bench")
        worker.run_once(T0)
        tracemalloc.start()
        before = tracemalloc.take_snapshot()
        worker.run_once(T0 + timedelta(days=1))
        after = tracemalloc.take_snapshot()
        tracemalloc.stop()
        return sum(stat.size_diff for stat in after.compare_to(before, "filename"))

    with tempfile.TemporaryDirectory() as folder:
        small_bytes, large_bytes = kept(small, Path(folder)), kept(large, Path(folder))
    return Row(
        f"(l) worker memory kept per round, {large:,} cases vs {small:,}",
        max(large_bytes, 1),
        max(small_bytes, 1),
        "B",
        2.0,
        "flat: a worker holds the definition and the claimed batch only",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    rounds = 3 if args.quick else 5
    rows = [
        *bench_persisted(500 if args.quick else 2_000, rounds),
        *bench_scaling(2.0 if args.quick else 5.0),
        bench_due_query(10_000, 100_000 if args.quick else 1_000_000, rounds),
        bench_worker_memory(1_000, 10_000 if args.quick else 100_000),
    ]
    print(f"{'benchmark':<62} {'value':>10} {'floor':>10} {'ratio':>7} {'target':>7}  ok")
    for row in rows:
        absolute = row.name.startswith("(k)")
        target = f"<{row.target:g}ms" if absolute else (f"≤{row.target:g}×" if row.target < 1e6 else "-")
        ok = (row.value < row.target) if absolute else row.ok
        print(
            f"{row.name:<62} {row.value:>8.2f}{row.unit[:2]:>2} {row.floor:>10.2f} {row.ratio:>6.2f}× {target:>7}  "
            f"{'yes' if ok else 'NO'}"
        )
    for row in rows:
        if row.note:
            print(f"  {row.name.split(')')[0]}): {row.note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())


__all__ = ["PING_PONG"]
