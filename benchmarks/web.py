"""Web app benchmark: the case page against the JSON API's answer for the same case, in the same run.

    python benchmarks/web.py            # 100,000 cases
    python benchmarks/web.py --quick    # 5,000 cases

(w1) GET /app/cases/ID (the server-rendered page: stage path, moves with their reasons, deadlines, forms,
     timeline) ≤ 3× GET /api/cases/ID (status with deadlines) on the same server, store and case, at N cases.
(w3) GET /app/inbox (the signed-in person's work, grouped, due times in working days) ≤ 3× GET /api/inbox (the
     same entries as JSON) for a person with work in all N cases (the inbox reads the store's work index).
(w2) GET /app/board (two columns, N deal cases each with an amount, half in each) ≤ 2× the board's own SQL
     (Store.board_column for each column, in-process on the same SQLite file): the page adds HTTP, the
     session, stale marks and rendering, never a read of every case.
The server is the one of benchmarks/server.py (uvicorn in its own process, SQLite); the client is httpx with
keep-alive, signed in with the session cookie.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import httpx  # noqa: E402
from rounds import Row, compare, print_table  # noqa: E402
from run import PLAYER  # noqa: E402
from server import _prepare, _start_server, calls  # noqa: E402
from stores import T0  # noqa: E402

from procflow import Engine, FixedClock, load, open_store  # noqa: E402
from procflow.server.api_auth import SESSION_COOKIE  # noqa: E402

CASE = "case-00000042"
DEALS = """\
procflow: 1
id: deals
version: "1"
title: Deals
roles: {player: {title: Player}}
documents:
  deal: {title: Deal, schema: deal.schema.json, produced_by: [player]}
pipeline:
  - {id: open, title: Open}
  - {id: won, title: Won}
stages: [{id: play, title: Play}]
states:
  a: {stage: play, title: A, owner: player, pipeline: open}
  b: {stage: play, title: B, owner: player, pipeline: won}
initial: a
transitions:
  - {trigger: go, from: a, to: b, roles: [player]}
  - {trigger: back, from: b, to: a, roles: [player]}
"""
DEAL_SCHEMA = """{"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
 "properties": {"company": {"type": "string"}, "amount": {"type": "number"}}}"""


def _prepare_deals(url: str, folder: Path, cases: int) -> None:
    """`cases` deals with an amount in the store, every other one moved on to the second column."""
    (folder / "processes").mkdir(parents=True, exist_ok=True)
    (folder / "schemas").mkdir(parents=True, exist_ok=True)
    (folder / "processes" / "deals.yaml").write_text(DEALS)
    (folder / "schemas" / "deal.schema.json").write_text(DEAL_SCHEMA)
    engine = Engine(open_store(url), clock=FixedClock(T0))
    engine.register(load(folder / "processes" / "deals.yaml"))
    for i in range(cases):
        case = engine.submit(engine.start("deals", PLAYER), "deal", {"company": f"Co {i}", "amount": i}, PLAYER)
        if i % 2:
            engine.fire(case, "go", PLAYER)
    engine.store.close()


def _board_row(client: httpx.Client, url: str, cases: int, n: int, rounds: int) -> Row:
    """(w2): the board page against its queries, in alternating rounds on one store."""
    store = open_store(url)
    try:

        def queries() -> float:
            started = time.perf_counter()
            for _ in range(n):
                for states in (["a"], ["b"]):
                    store.board_column("deals", states, limit=20)
            return time.perf_counter() - started

        page = calls(client, lambda c: c.get("/app/board?process=deals&scope=all"), n)
        name = f"(w2) GET board at {cases:,} deals vs its SQL"
        return compare(name, ours=page, floor=queries, rounds=rounds, limit=2.0, per=n)
    finally:
        store.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer cases")
    args = parser.parse_args(argv)
    cases, n, rounds = (5_000, 200, 3) if args.quick else (100_000, 500, 5)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        url = f"sqlite:///{folder / 'served.db'}"
        token = _prepare(url, folder, cases)
        _prepare_deals(url, folder, cases)
        port = 8000 + random.randrange(20_000)
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, cookies={SESSION_COOKIE: token}, timeout=30) as client:
            server = _start_server(url, port, base)
            try:
                row = compare(
                    f"(w1) GET case page at {cases:,} cases vs GET /api/cases/ID",
                    ours=calls(client, lambda c: c.get(f"/app/cases/{CASE}?role=player"), n),
                    floor=calls(client, lambda c: c.get(f"/api/cases/{CASE}"), n),
                    rounds=rounds,
                    limit=3.0,
                    per=n,
                )
                inbox = compare(
                    f"(w3) GET inbox page at {cases:,} cases vs GET /api/inbox",
                    ours=calls(client, lambda c: c.get("/app/inbox"), n),
                    floor=calls(client, lambda c: c.get("/api/inbox"), n),
                    rounds=rounds,
                    limit=3.0,
                    per=n,
                )
                board = _board_row(client, url, cases, 3 if args.quick else 2, rounds)
            finally:
                server.terminate()
                server.join(10)
    return 0 if print_table([row, inbox, board]) else 1


if __name__ == "__main__":
    raise SystemExit(main())
