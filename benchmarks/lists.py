"""Lists and overdue at 10,000 and 100,000 cases (SQLite): against their SQL alone, and a page deep in the list.

    python benchmarks/lists.py            # 10,000 and 100,000 cases
    python benchmarks/lists.py --quick    # 2,000 and 20,000

Rows (targets from issue 17), engine and floor interleaved over rounds (benchmarks/rounds.py):
(L1) `procflow list --process timed` (every case, printed to a sink) vs the SELECT it needs, run by sqlite3 and
     fetched: ≤ 3×.
(L2) a page of 50 (`--after` a case 90% of the way down, `--state waiting`) at the large size vs the small: ≤ 1.5×.
(O1) Engine.overdue() (100 cases late) vs its SQL alone (the due index query by sqlite3): ≤ 3×.
(O2) Engine.overdue() at the large size vs the small: ≤ 1.5×.
The cases are written as the engine writes them: 100 started through the engine with a deadline past due, the rest
copied from a started case's rows (case row with its due items, event) with new ids and creation times.
"""

from __future__ import annotations

import argparse
import io
import sqlite3
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from rounds import Row, compare, print_table, timed  # noqa: E402
from run import TIMED, staffed  # noqa: E402

from procflow import Actor, Engine, FixedClock, load, open_store  # noqa: E402
from procflow.cli.main import main as cli  # noqa: E402
from procflow.store.listing_sql import PAGE_COLUMNS  # noqa: E402
from procflow.store.records import utc  # noqa: E402
from procflow.store.sql import SQLStore  # noqa: E402

T0 = datetime(2026, 3, 2, 1, tzinfo=UTC)
NOW = T0 + timedelta(days=20)
CLERK = Actor("c", "clerk")
LATE = 100


def _store(folder: Path, count: int) -> tuple[str, SQLStore, list[str]]:
    """A store of `count` timed cases: LATE overdue at NOW, the rest due long after; and the ids in list order."""
    (folder / "processes").mkdir(parents=True)
    (folder / "processes" / "timed.yaml").write_text(TIMED)
    url = f"sqlite:///{folder / 'cases.db'}"
    clock = FixedClock(T0)
    engine = staffed(Engine(open_store(url), clock=clock), CLERK)
    engine.register(load(folder / "processes" / "timed.yaml"))
    late = [engine.start("timed", CLERK, case_id=f"late-{i:04d}").id for i in range(LATE)]
    clock.set(T0 + timedelta(days=60))
    engine.start("timed", CLERK, case_id="template")
    engine.store.close()
    db = sqlite3.connect(folder / "cases.db")
    case = db.execute("SELECT * FROM cases WHERE id = 'template'").fetchone()
    event = db.execute("SELECT * FROM events WHERE case_id = 'template'").fetchone()
    copies = [f"case-{i:07d}" for i in range(count - LATE - 1)]
    stamp = [utc(T0 + timedelta(days=60, seconds=i)) for i in range(len(copies))]
    db.executemany(f"INSERT INTO cases VALUES ({', '.join('?' for _ in case)})",
                   [(cid, *case[1:5], at, at, *case[7:]) for cid, at in zip(copies, stamp, strict=True)])  # fmt: skip
    db.executemany(f"INSERT INTO events VALUES ({', '.join('?' for _ in event)})",
                   [(cid, *event[1:]) for cid in copies])  # fmt: skip
    db.commit()
    db.execute("ANALYZE")
    db.close()
    store = open_store(url)
    assert isinstance(store, SQLStore)
    order = [r[0] for r in store._read("SELECT id FROM cases ORDER BY created_at, id")]
    assert set(late) <= set(order)
    return url, store, order


def _sql_rows(path: str, sql: str, params: list[object]) -> int:
    db = sqlite3.connect(path)
    try:
        return len(db.execute(sql, params).fetchall())
    finally:
        db.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smaller sizes, fewer rounds")
    args = parser.parse_args(argv)
    small, large = (2_000, 20_000) if args.quick else (10_000, 100_000)
    rounds = 3 if args.quick else 5
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        stores = {n: _store(folder / str(n), n) for n in (small, large)}
        url, store, _ = stores[large]
        path = url.removeprefix("sqlite:///")
        everything = f"SELECT {PAGE_COLUMNS} FROM cases WHERE process_id = ? ORDER BY created_at, id"
        assert _sql_rows(path, everything, ["timed"]) == large

        def listing() -> None:
            sink = io.StringIO()
            assert cli(["list", "--db", url, "--process", "timed"], sink, sys.stderr) == 0
            assert sink.getvalue().count("\n") == large + 1  # the header line, then a line per case

        rows.append(compare(f"(L1) procflow list, {large:,} cases vs its SELECT alone", ours=timed(listing),
                            floor=timed(lambda: _sql_rows(path, everything, ["timed"])), rounds=rounds, limit=3.0,
                            unit="ms", note="plan: " + "; ".join(store.page_plan("timed", None, None))))  # fmt: skip

        def page(size: int) -> float:
            _, paged, ids = stores[size]
            engine = Engine(paged)
            after = ids[int(len(ids) * 0.9)]

            def run() -> None:
                for _ in range(20):
                    found = list(engine.case_rows("timed", state="waiting", after=after, limit=50))
                    assert len(found) == 50

            return timed(run)() / 20

        rows.append(compare(f"(L2) a page of 50 deep in the list, {large:,} cases vs {small:,}",
                            ours=lambda: page(large), floor=lambda: page(small), rounds=rounds, limit=1.5, unit="ms",
                            note="plan: " + "; ".join(store.page_plan("timed", ["waiting"], None))))  # fmt: skip

        engines = {n: Engine(stores[n][1], clock=FixedClock(NOW)) for n in (small, large)}
        assert len(engines[large].overdue(NOW)) == LATE == len(engines[small].overdue(NOW))
        due_sql = "SELECT id, process_id, state, due FROM cases WHERE due_at <= ? ORDER BY due_at, id"
        rows.append(compare(f"(O1) overdue(), {LATE} late among {large:,} vs its SQL alone",
                            ours=timed(lambda: engines[large].overdue(NOW)),
                            floor=timed(lambda: _sql_rows(path, due_sql, [utc(NOW)])), rounds=rounds, limit=3.0,
                            unit="ms", note="floor: the due index query; the engine reads the late cases' due items "
                            "on their case rows (one query) and judges them, no snapshot read"))  # fmt: skip
        rows.append(compare(f"(O2) overdue(), {LATE} late among {large:,} vs {small:,}",
                            ours=timed(lambda: engines[large].overdue(NOW)),
                            floor=timed(lambda: engines[small].overdue(NOW)), rounds=rounds, limit=1.5,
                            unit="ms"))  # fmt: skip
        for _n, opened, _ids in stores.values():
            opened.close()
    return 0 if print_table(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
