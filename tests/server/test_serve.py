"""`procflow serve` as a user runs it: a subprocess on a free port, health and readiness, the OpenAPI document,
a token made with `procflow token create`, access logs, and a graceful stop on SIGTERM."""

from __future__ import annotations

import io
import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from procflow import Engine
from procflow.cli.main import main
from procflow.server.app import create_app, endpoints
from procflow.store import open_store
from tests.conftest import MINI, REQUESTER, seat
from tests.server.conftest import Served, free_port


def _wait(url: str, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"procflow serve exited: {proc.stderr.read() if proc.stderr else ''}")
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("procflow serve did not answer")


def test_procflow_serve_answers_and_stops_gracefully(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'p.db'}"
    seat(Engine(open_store(db)), REQUESTER).store.close()
    out = io.StringIO()
    assert main(["token", "create", "rita", "--scope", "write", "--expires", "1d", "--db", db], out, io.StringIO()) == 0
    token = out.getvalue().strip()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "procflow.cli", "serve", "--db", db, "--port", str(port), "--process", str(MINI)],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait(url, proc)
        assert httpx.get(url + "/readyz").json() == {"status": "ready"}
        headers = {"Authorization": f"Bearer {token}"}
        started = httpx.post(url + "/api/processes/mini/cases", json={"role": "requester"}, headers=headers)
        assert started.status_code == 201
        assert httpx.get(url + "/api/cases").status_code == 401
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(20)
    log = proc.stderr.read() if proc.stderr else ""
    assert code in (0, -signal.SIGTERM), log  # uvicorn re-raises the signal once it has shut down cleanly
    assert "Application shutdown complete" in log
    assert "procflow.access" in log and "POST /api/processes/mini/cases 201" in log and " rita " in log
    assert "Traceback" not in log and token not in log


def test_readiness_fails_cleanly_when_the_store_is_gone(served: Served) -> None:
    served.store.close()
    response = httpx.get(served.url + "/readyz")
    assert response.status_code == 503 and response.headers["content-type"] == "application/problem+json"


def test_every_route_is_in_the_openapi_document(served: Served) -> None:
    spec = httpx.get(served.url + "/openapi.json").json()
    assert spec["openapi"] == "3.1.0"
    documented = {(path, method.upper()) for path, operations in spec["paths"].items() for method in operations}
    app = create_app(served.engine)
    routed = {
        (route.path, method)
        for route in app.routes
        for method in (getattr(route, "methods", None) or ())
        if method != "HEAD" and route.path.startswith("/api/")
    }
    assert routed and routed == documented
    assert {(e.path, e.method) for e in endpoints()} == documented
    for path, operations in spec["paths"].items():
        for operation in operations.values():
            assert operation["summary"] and "default" in operation["responses"], path
            named = {p["name"] for p in operation["parameters"] if p["in"] == "path"}
            assert named == set(re.findall(r"{(\w+)}", path))
    json.dumps(spec)


@pytest.mark.parametrize("expires", ["30x", "0d", "abc"])
def test_token_create_refuses_a_bad_lifetime(tmp_path: Path, expires: str) -> None:
    err = io.StringIO()
    code = main(
        ["token", "create", "rita", "--expires", expires, "--db", f"sqlite:///{tmp_path / 'p.db'}"], io.StringIO(), err
    )
    assert code == 2 and "--expires" in err.getvalue()
