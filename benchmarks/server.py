"""HTTP benchmarks: the API against a bare handler of the same framework, in the same run, on loopback.

    python benchmarks/server.py            # 100,000 cases, 30 s of 16 clients
    python benchmarks/server.py --quick    # 5,000 cases, 5 s

(a) GET /api/cases/ID (status) ≤ 2× a bare Starlette handler returning the same JSON bytes, at N cases;
(b) POST /api/cases/ID/fire on SQLite ≤ 1.5× (library fire() on the same store + the bare handler, as a POST);
(c) p50 and p99 of the status GET under 16 concurrent clients, with no errors.
The server runs in its own process (uvicorn, one worker); the client is httpx with keep-alive.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import httpx  # noqa: E402
from rounds import compare, print_table  # noqa: E402
from run import PLAYER, pingpong_definition, staffed  # noqa: E402
from stores import T0  # noqa: E402

from procflow import Engine, FixedClock, open_store  # noqa: E402
from procflow.presentation import describe_case, describe_obligation, zone_of  # noqa: E402
from procflow.server import accounts, create_app  # noqa: E402

FIRE = "/api/cases/case-00000007/fire"


def _move(turn: int) -> dict[str, str]:
    return {"trigger": "go" if turn % 2 == 0 else "back", "role": "player"}


def _prepare(url: str, folder: Path, cases: int) -> str:
    """A store with `cases` pingpong cases and a write token (returned)."""
    engine = staffed(Engine(open_store(url), clock=FixedClock(T0)), PLAYER)
    engine.register(pingpong_definition(folder))  # type: ignore[arg-type]
    for i in range(cases):
        engine.start("pingpong", PLAYER, case_id=f"case-{i:08d}")
    token, _ = accounts.create_token(engine.store, "p", "write", T0, timedelta(days=1))
    engine.store.close()
    return token


def _serve(url: str, port: int, bare: bytes) -> None:
    """The child process: the procflow app, plus /bare answering `bare` (the same JSON), on uvicorn."""
    import uvicorn
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    async def handler(request: Request) -> Response:
        if request.method == "POST":
            await request.body()
        return Response(bare, media_type="application/json")

    engine = Engine(open_store(url), clock=FixedClock(T0))
    app = create_app(engine)
    app.router.routes.append(Route("/bare", handler, methods=["GET", "POST"]))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def calls(client: httpx.Client, call: Callable[[httpx.Client], httpx.Response], n: int) -> Callable[[], float]:
    """A side of a row: `n` requests, each answered 200; its seconds."""

    def side() -> float:
        started = time.perf_counter()
        for _ in range(n):
            response = call(client)
            assert response.status_code == 200, response.text
        return time.perf_counter() - started

    return side


def _library_fires(url: str, folder: Path, n: int) -> tuple[Callable[[], float], Engine]:
    """`n` library fire() calls by case id on a store of its own (the work the POST wraps), and its engine."""
    engine = staffed(Engine(open_store(url), clock=FixedClock(T0)), PLAYER)
    engine.register(pingpong_definition(folder))  # type: ignore[arg-type]
    case_id = engine.start("pingpong", PLAYER).id
    turn = iter(range(1 << 30))

    def side() -> float:
        started = time.perf_counter()
        for _ in range(n):
            engine.fire(case_id, "go" if next(turn) % 2 == 0 else "back", PLAYER)
        return time.perf_counter() - started

    return side, engine


def _load(base: str, token: str, cases: int, seconds: float, clients: int = 16) -> tuple[float, float, int, int]:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def work(seed: int) -> None:
        rng = random.Random(seed)
        mine: list[float] = []
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
            while time.monotonic() < stop:
                started = time.perf_counter()
                try:
                    ok = client.get(f"/api/cases/case-{rng.randrange(cases):08d}").status_code == 200
                except httpx.HTTPError:
                    ok = False
                mine.append(time.perf_counter() - started)
                if not ok:
                    with lock:
                        errors[0] += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    latencies.sort()
    p50 = latencies[len(latencies) // 2]
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return p50, p99, len(latencies), errors[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer cases, a shorter load test")
    args = parser.parse_args(argv)
    cases, n, rounds, seconds = (5_000, 200, 3, 5.0) if args.quick else (100_000, 500, 5, 30.0)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        url = f"sqlite:///{folder / 'served.db'}"
        token = _prepare(url, folder, cases)
        port = 8000 + random.randrange(20_000)
        base = f"http://127.0.0.1:{port}"
        (folder / "library").mkdir()
        library, library_engine = _library_fires(f"sqlite:///{folder / 'library.db'}", folder / "library", n)
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
            server = _start_server(url, port, base)
            try:
                status = compare(
                    f"(a) GET case status at {cases:,} cases vs bare handler",
                    ours=calls(client, lambda c: c.get("/api/cases/case-00000042"), n),
                    floor=calls(client, lambda c: c.get("/bare"), n),
                    rounds=rounds,
                    limit=2.0,
                    per=n,
                )
                turn = iter(range(1 << 30))
                bare_post = calls(client, lambda c: c.post("/bare", json={"trigger": "go", "role": "player"}), n)
                fire = compare(
                    "(b) POST fire (SQLite) vs library fire() + bare POST",
                    ours=calls(client, lambda c: c.post(FIRE, json=_move(next(turn))), n),
                    floor=lambda: library() + bare_post(),
                    rounds=rounds,
                    limit=1.5,
                    per=n,
                )
                p50, p99, requests, errors = _load(base, token, cases, seconds)
            finally:
                server.terminate()
                server.join(10)
                library_engine.store.close()
    ok = print_table([status, fire])
    print(
        f"(c) 16 clients for {seconds:g}s: {requests:,} requests, p50 {p50 * 1e3:.1f} ms, p99 {p99 * 1e3:.1f} ms, "
        f"{errors} errors  {'yes' if errors == 0 else 'NO'}"
    )
    return 0 if ok and errors == 0 else 1


def _status_json(url: str, case_id: str) -> bytes:
    """The exact bytes the API answers for the case's status: what the bare handler returns."""
    engine = Engine(open_store(url), clock=FixedClock(T0))
    definition = engine.definition("pingpong")
    case = engine.get(case_id)
    info = describe_case(case, definition, None, zone_of(definition))
    info["deadlines"] = [describe_obligation(o, T0, zone_of(definition)) for o in engine.deadlines(case, T0)]
    engine.store.close()
    return json.dumps(info, ensure_ascii=False, separators=(",", ":")).encode()


def _start_server(url: str, port: int, base: str) -> multiprocessing.Process:
    bare = _status_json(url, "case-00000042")
    with httpx.Client(base_url=base, timeout=2) as probe:
        server = multiprocessing.get_context("spawn").Process(target=_serve, args=(url, port, bare), daemon=True)
        server.start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if probe.get("/healthz").status_code == 200:
                    return server
            except httpx.TransportError:
                time.sleep(0.1)
    server.terminate()
    raise SystemExit("the server did not start")


if __name__ == "__main__":
    sys.exit(main())
