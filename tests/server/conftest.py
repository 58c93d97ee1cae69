"""A real server for the HTTP tests: uvicorn on 127.0.0.1 (a free port) in a thread, spoken to with httpx.

The engine runs on a `FixedClock` the tests move (token expiry, lock-out windows, webhook timestamps), on
SQLite and on PostgreSQL. Argon2 runs at its real cost: the lock-out test makes 21 guesses.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest
import uvicorn

from procflow import Engine, FixedClock, ProcessDefinition
from procflow.server import ServerSettings, accounts, create_app
from procflow.server.protocol import protocol_for
from procflow.store import Store, open_store
from tests.conftest import APPROVER, AUDITOR, REQUESTER, seat
from tests.store.conftest import durable_url  # noqa: F401 - the store per kind (SQLite, PostgreSQL)

PASSWORD = "correct horse battery"
TEST_SETTINGS = ServerSettings(body_timeout=1.0, secure_cookies=False)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Served:
    """A running server and what the tests need beside it."""

    url: str
    engine: Engine
    clock: FixedClock
    store: Store

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)

    def token(self, person: str, scope: str = "write", days: int = 30) -> str:
        text, _ = accounts.create_token(self.store, person, scope, self.clock.now(), timedelta(days=days))
        return text


def raw_connection(served: Served, timeout: float) -> socket.socket:
    """A bare socket to the server, for what no HTTP client would send."""
    host, port = served.url.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=timeout)


def whole_response(sock: socket.socket) -> bytes:
    """One whole response (head and Content-Length body): the server may write them as separate segments, and a
    next recv must not start inside this one's body."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        (int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")), 0
    )
    while len(body) < length:
        chunk = sock.recv(4096)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


@contextmanager
def serve(app: object, port: int, settings: ServerSettings = TEST_SETTINGS) -> Iterator[None]:
    """Run uvicorn in a thread until the test is done (with the protocol `procflow serve` uses); wait until it
    answers."""
    config = uvicorn.Config(
        app,  # type: ignore[arg-type]
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="off",
        http=protocol_for(settings),
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    yield
    server.should_exit = True
    thread.join(10)


@contextmanager
def serving(engine: Engine, settings: ServerSettings = TEST_SETTINGS) -> Iterator[Served]:
    """`engine` (on a FixedClock) behind a real server until the block ends."""
    assert isinstance(engine.clock, FixedClock)
    port = free_port()
    with serve(create_app(engine, settings), port, settings):
        yield Served(f"http://127.0.0.1:{port}", engine, engine.clock, engine.store)


@pytest.fixture
def served(durable_url: str, clock: FixedClock, mini: ProcessDefinition) -> Iterator[Served]:  # noqa: F811
    """A server over a store with the mini process registered and its spending policy published, and the mini
    cast seated in the team directory (rita the requester, alan the approver, aude the auditor)."""
    store = open_store(durable_url)
    engine = seat(Engine(store, clock=clock), REQUESTER, APPROVER, AUDITOR)
    engine.register(mini)
    engine.publish("mini", "policy", {"limit": 1000}, AUDITOR)
    with serving(engine) as running:
        yield running
    store.close()


@pytest.fixture
def token(served: Served) -> str:
    """A write token for rita (who acts as requester)."""
    return served.token("rita")


@pytest.fixture
def rita(served: Served, token: str) -> Iterator[httpx.Client]:
    with served.client(token) as client:
        yield client
