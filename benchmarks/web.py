"""Web app benchmark: the case page against the JSON API's answer for the same case, in the same run.

    python benchmarks/web.py            # 100,000 cases
    python benchmarks/web.py --quick    # 5,000 cases

(w1) GET /app/cases/ID (the server-rendered page: stage path, moves with their reasons, deadlines, forms,
     timeline) ≤ 3× GET /api/cases/ID (status with deadlines) on the same server, store and case, at N cases.
The server is the one of benchmarks/server.py (uvicorn in its own process, SQLite); the client is httpx with
keep-alive, signed in with the session cookie.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import httpx  # noqa: E402
from rounds import compare, print_table  # noqa: E402
from server import _prepare, _start_server, calls  # noqa: E402

from engine.server.api_auth import SESSION_COOKIE  # noqa: E402

CASE = "case-00000042"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer cases")
    args = parser.parse_args(argv)
    cases, n, rounds = (5_000, 200, 3) if args.quick else (100_000, 500, 5)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        url = f"sqlite:///{folder / 'served.db'}"
        token = _prepare(url, folder, cases)
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
            finally:
                server.terminate()
                server.join(10)
    return 0 if print_table([row]) else 1


if __name__ == "__main__":
    raise SystemExit(main())
