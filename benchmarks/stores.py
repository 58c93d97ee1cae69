"""Store benchmarks: persisted fire() against the statements it runs, issued alone; the due query at 1M rows.

    python benchmarks/stores.py            # full (1,000,000 cases with a due item; takes a few minutes)
    python benchmarks/stores.py --quick    # smaller sizes

Every ratio is against a floor measured in the same run on the same kind of database, interleaved round by
round (benchmarks/rounds.py): for fire(), the statements fire() runs in its transaction (traced through the
store and checked against FIRE_STATEMENTS before timing), on the same tables of a store prepared the same way,
by the driver alone (sqlite3, psycopg). Throughput with several processes is benchmarks/scaling.py.
PostgreSQL rows are skipped (and said so) when no server answers at
$PROCFLOW_TEST_PG (default postgresql://postgres@127.0.0.1:5432/test).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sqlite3
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import psycopg  # noqa: E402
from rounds import Row, Spread, Ticking, compare, print_table, timed  # noqa: E402
from run import PING_PONG, PLAYER, pingpong_definition, staffed  # noqa: E402

from procflow import Engine, open_store  # noqa: E402
from procflow.store.records import EVENT_FIELDS, utc  # noqa: E402
from procflow.store.sql import SQLStore  # noqa: E402
from procflow.worker import Worker  # noqa: E402

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
    engine = staffed(Engine(open_store(url), clock=Ticking(T0)), PLAYER)
    engine.register(pingpong_definition(folder))  # type: ignore[arg-type]
    return engine


def fires_per_second(engine: Engine, n: int) -> float:
    """Seconds per fire() over `n` fires spread over 50 cases (each case object passed on, as a caller holds it)."""
    cases = [engine.start("pingpong", PLAYER) for _ in range(50)]
    start = time.perf_counter()
    for i in range(n):
        case = cases[i % 50]
        cases[i % 50] = engine.fire(case, "go" if case.state == "a" else "back", PLAYER)
    return (time.perf_counter() - start) / n


# What one fire() of pingpong writes, statement for statement (`traced` proves the engine issues these, in this
# order): the case row with its version check, the event row with its hashes (a case nobody is assigned has no
# inbox row to delete).
FIRE_STATEMENTS = (
    "UPDATE cases SET state = ?, version = ?, updated_at = ?, definition_hash = ?, head = ?, snapshot = ? "
    "WHERE id = ? AND version = ?",
    f"INSERT INTO events ({', '.join(EVENT_FIELDS)}) VALUES ({', '.join('?' for _ in EVENT_FIELDS)})",
)


def traced(engine: Engine) -> list[str]:
    """The statements one fire() of a fresh case runs inside its transaction, recorded through the store's Tx."""
    store = engine.store
    assert isinstance(store, SQLStore)
    case = engine.start("pingpong", PLAYER)
    opened, seen = store._transaction, []

    @contextlib.contextmanager
    def recording() -> Iterator[Any]:
        with opened() as tx:

            class Recorder:
                def execute(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
                    seen.append(sql)
                    return tx.execute(sql, params)

                def count(self, sql: str, params: Sequence[Any] = ()) -> int:
                    seen.append(sql)
                    return tx.count(sql, params)

            yield Recorder()

    store._transaction = recording  # type: ignore[method-assign]
    try:
        engine.fire(case, "go", PLAYER)
    finally:
        store._transaction = opened  # type: ignore[method-assign]
    return seen


def fire_rows(case_id: str, version: int, definition_hash: str) -> list[tuple[Any, ...]]:
    """Parameters of FIRE_STATEMENTS for the move from `version` to `version + 1`, hashes made up (no compute)."""
    to_b = version % 2 == 1
    event = (case_id, version + 1, "fired", T0.isoformat(), "p", "player", definition_hash,
             "go" if to_b else "back", "a" if to_b else "b", "b" if to_b else "a", None, None, None, None,
             "e" * 64, "f" * 64, 2, "grant #2")  # fmt: skip
    snapshot = json.dumps({"id": case_id, "state": "b" if to_b else "a", "version": version + 1, "pad": "s" * 360})
    case = ("b" if to_b else "a", version + 1, utc(T0), definition_hash, "f" * 64, snapshot, case_id, version)
    return [case, event]


class Driver(Protocol):
    def begin(self) -> None: ...
    def run(self, sql: str, params: Sequence[Any]) -> None: ...
    def commit(self) -> None: ...


class SQLiteDriver:
    def __init__(self, path: str) -> None:
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode = WAL")
        self.db.execute("PRAGMA synchronous = NORMAL")

    def begin(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def run(self, sql: str, params: Sequence[Any]) -> None:
        self.db.execute(sql, params)

    def commit(self) -> None:
        self.db.execute("COMMIT")


class PsycopgDriver:
    def __init__(self, url: str) -> None:
        self.conn = psycopg.connect(PG, autocommit=True)
        self.conn.execute(f"SET search_path TO {url.rsplit('schema=', 1)[1]}")
        self.cursor = self.conn.cursor()

    def begin(self) -> None:
        self.cursor.execute("BEGIN")

    def run(self, sql: str, params: Sequence[Any]) -> None:
        self.cursor.execute(sql.replace("?", "%s"), tuple(params))

    def commit(self) -> None:
        self.cursor.execute("COMMIT")


def floor_fires(driver: Driver, cases: list[tuple[str, int, str]], n: int) -> tuple[int, float]:
    """FIRE_STATEMENTS for `n` moves over `cases` (id, version, definition hash), each in its own transaction:
    the same writes on the same tables as fire(), by the driver alone. Returns the moves and the seconds."""
    versions = {case_id: version for case_id, version, _ in cases}
    start = time.perf_counter()
    for i in range(n):
        case_id, _, digest = cases[i % len(cases)]
        driver.begin()
        for sql, params in zip(FIRE_STATEMENTS, fire_rows(case_id, versions[case_id], digest), strict=True):
            driver.run(sql, params)
        driver.commit()
        versions[case_id] += 1
    return n, time.perf_counter() - start


def _prepared(url: str, folder: Path, count: int) -> list[tuple[str, int, str]]:
    """A fresh store at `url` with `count` pingpong cases: (id, version, definition hash) of each."""
    engine = engine_on(url, folder)
    cases = [engine.start("pingpong", PLAYER) for _ in range(count)]
    engine.store.close()
    return [(c.id, c.version, c.definition_hash) for c in cases]


def bench_persisted(n: int, rounds: int) -> list[Row]:
    """(h) fire() on SQLite and (i) on PostgreSQL vs FIRE_STATEMENTS on the same tables of a store prepared the
    same way, interleaved round by round; each round on fresh stores (setup not timed)."""
    with tempfile.TemporaryDirectory() as scratch:
        base = Path(scratch)
        turn = iter(range(1 << 30))

        def sqlite_url() -> str:
            return f"sqlite:///{base / f'{next(turn)}.db'}"

        probe = engine_on(sqlite_url(), base / "probe")
        assert traced(probe) == list(FIRE_STATEMENTS), traced(probe)
        written = len(probe.store._read("SELECT snapshot FROM cases")[0][0])  # type: ignore[attr-defined]
        assert 0.8 <= len(fire_rows("case-0000000000", 1, "h" * 64)[0][5]) / written <= 1.25, written
        probe.store.close()

        def ours_on(fresh: Callable[[], str]) -> Callable[[], float]:
            def run() -> float:
                engine = engine_on(fresh(), base / f"o{next(turn)}")
                try:
                    return fires_per_second(engine, n) * n
                finally:
                    engine.store.close()

            return run

        def floor_sqlite() -> float:
            url = sqlite_url()
            cases = _prepared(url, base / f"f{next(turn)}", 50)
            return floor_fires(SQLiteDriver(url.removeprefix("sqlite:///")), cases, n)[1]

        note = "floor: UPDATE cases (a snapshot of the same size) and INSERT INTO events in one "
        note += "transaction (as traced)"
        rows = [compare("(h) persisted fire() on SQLite vs its statements alone", ours=ours_on(sqlite_url),
                        floor=floor_sqlite, rounds=rounds, limit=2.5, per=n, note=note)]  # fmt: skip
        if pg_url() is None:
            print(f"PostgreSQL rows skipped: no server at {PG}")
            return rows
        made: list[str] = []

        def fresh_pg() -> str:
            url = pg_url()
            assert url is not None
            made.append(url)
            return url

        def floor_pg() -> float:
            url = fresh_pg()
            cases = _prepared(url, base / f"f{next(turn)}", 50)
            driver = PsycopgDriver(url)
            try:
                return floor_fires(driver, cases, n)[1]
            finally:
                driver.conn.close()

        try:
            rows.append(compare("(i) persisted fire() on PostgreSQL vs the same statements by psycopg",
                                ours=ours_on(fresh_pg), floor=floor_pg, rounds=rounds, limit=2.0, per=n,
                                note="floor: the same statements on the same tables, psycopg alone"))  # fmt: skip
        finally:
            for url in made:
                drop(url)
    return rows


def bench_due_query(small: int, large: int, rounds: int) -> list[Row]:
    """store.due() with 100 rows due among `small` vs `large` open rows (bulk-inserted), SQLite."""

    def seeded(path: Path, count: int) -> SQLStore:
        store = open_store(f"sqlite:///{path}")
        assert isinstance(store, SQLStore)
        db = sqlite3.connect(path)
        late, later = utc(T0), utc(T0 + timedelta(days=60))
        db.execute("PRAGMA foreign_keys = OFF")
        db.executemany(  # case rows carrying one due item each, as a step writes them (queue_sql.due_columns)
            "INSERT INTO cases (id, process_id, definition_hash, state, version, created_at, updated_at, due_at, "
            "alert_at, due) VALUES (?, 'bench', 'x', 'a', 1, ?, ?, ?, ?, ?)",
            (
                (f"case-{i:08d}", at, at, at, at, json.dumps([["answer@1", "answer", "clerk", at, at, at, 0]]))
                for i in range(count)
                for at in [late if i < 100 else later]
            ),
        )
        db.commit()
        db.close()
        return store

    with tempfile.TemporaryDirectory() as folder:
        small_store = seeded(Path(folder) / "small.db", small)
        large_store = seeded(Path(folder) / "large.db", large)
        now = T0 + timedelta(days=1)
        assert len(small_store.due(now)) == 100 == len(large_store.due(now))

        def five(store: SQLStore) -> Callable[[], float]:
            return timed(lambda: [store.due(now) for _ in range(5)])

        plan = large_store._read("EXPLAIN QUERY PLAN SELECT id FROM cases WHERE due_at <= ? ORDER BY due_at", ("x",))
        row = compare(f"(k) due query, {large:,} open rows vs {small:,} (SQLite)", ours=five(large_store),
                      floor=five(small_store), rounds=rounds, limit=1.5, unit="ms", per=5,
                      note="plan: " + "; ".join(str(r[-1]) for r in plan))  # fmt: skip
    return [row, Row(f"(k) due query, {large:,} open rows, absolute", row.ours, None, "ms", 50.0)]


def bench_worker_memory(small: int, large: int) -> Row:
    """Memory a worker round allocates and keeps, on stores with `small` vs `large` quiet cases."""

    def kept(count: int, folder: Path) -> int:
        engine = engine_on(f"sqlite:///{folder / f'w{count}.db'}", folder / f"d{count}")
        store = engine.store
        assert isinstance(store, SQLStore)
        db = sqlite3.connect(folder / f"w{count}.db")
        db.execute("PRAGMA foreign_keys = OFF")
        db.executemany(
            "INSERT INTO cases (id, process_id, definition_hash, state, version, created_at, updated_at) "
            "VALUES (?, 'pingpong', ?, 'a', 1, ?, ?)",
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
        Spread.of([max(large_bytes, 1)]),
        Spread.of([max(small_bytes, 1)]),
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
        *bench_due_query(10_000, 100_000 if args.quick else 1_000_000, rounds),
        bench_worker_memory(1_000, 10_000 if args.quick else 100_000),
    ]
    return 0 if print_table(rows) else 1


if __name__ == "__main__":
    sys.exit(main())


__all__ = ["PING_PONG"]
