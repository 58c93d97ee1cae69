"""Slow clients (slowloris) over raw sockets: a request head sent a byte at a time, or never, is cut off at the
head deadline with a 408, and the server answers everyone else meanwhile."""

from __future__ import annotations

import dataclasses
import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from procflow import Engine, FixedClock
from procflow.store import open_store
from tests.conftest import REQUESTER, seat
from tests.server.conftest import TEST_SETTINGS, Served, raw_connection, serving, whole_response

HEAD_TIMEOUT = 1.0
BOUND = HEAD_TIMEOUT + 3.0  # the deadline, and room for a busy machine


@pytest.fixture
def strict(tmp_path: object, clock: FixedClock) -> Iterator[Served]:
    store = open_store(f"sqlite:///{tmp_path}/slow.db")
    engine = seat(Engine(store, clock=clock), REQUESTER)
    with serving(engine, dataclasses.replace(TEST_SETTINGS, head_timeout=HEAD_TIMEOUT)) as running:
        yield running
    store.close()


def _trickle(sock: socket.socket, head: bytes, every: float, until: float) -> bytes:
    """Send `head` a byte each `every` seconds until the server answers or closes; what it sent back."""
    sock.settimeout(every)
    for byte in head:
        if time.monotonic() > until:
            break
        try:
            sock.sendall(bytes([byte]))
        except OSError:  # the server closed it
            break
        try:
            answer = sock.recv(4096)
            return answer  # the server's answer (or b"" when it closed without one)
        except TimeoutError:
            continue
    sock.settimeout(2)
    try:
        return sock.recv(4096)
    except OSError:
        return b""


def test_a_head_sent_a_byte_at_a_time_is_cut_off(strict: Served) -> None:
    head = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"X-Slow: " + b"a" * 200 + b"\r\n\r\n"
    began = time.monotonic()
    with raw_connection(strict, BOUND + 2) as sock:
        answer = _trickle(sock, head, 0.2, began + BOUND + 5)
    took = time.monotonic() - began
    assert answer.startswith(b"HTTP/1.1 408 ") and b"application/problem+json" in answer
    assert HEAD_TIMEOUT * 0.9 <= took <= BOUND


def test_a_connection_that_sends_nothing_is_closed(strict: Served) -> None:
    began = time.monotonic()
    with raw_connection(strict, BOUND + 2) as sock:
        answer = sock.recv(4096)
        assert sock.recv(4096) == b""  # and then closed
    assert answer.startswith(b"HTTP/1.1 408 ") and time.monotonic() - began <= BOUND


def test_others_are_served_while_slow_clients_trickle(strict: Served) -> None:
    slow = [raw_connection(strict, BOUND + 2) for _ in range(20)]
    try:
        for sock in slow:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHo")
        with httpx.Client(base_url=strict.url, timeout=5) as client:
            for _ in range(5):
                assert client.get("/healthz").json() == {"status": "ok"}
        for sock in slow:
            sock.settimeout(BOUND)
            assert sock.recv(4096).startswith(b"HTTP/1.1 408 ")
    finally:
        for sock in slow:
            sock.close()


def test_a_prompt_client_on_a_kept_alive_connection_is_not_cut(strict: Served) -> None:
    with raw_connection(strict, BOUND + 2) as sock:
        request = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        for _ in range(2):
            sock.sendall(request)
            assert whole_response(sock).startswith(b"HTTP/1.1 200 ")
            time.sleep(HEAD_TIMEOUT * 1.5)  # idle between requests: the keep-alive timeout's business, not ours
        sock.settimeout(BOUND)
        began = time.monotonic()
        sock.sendall(request[:5])  # a next request that stalls mid-head
        assert sock.recv(4096).startswith(b"HTTP/1.1 408 ") and time.monotonic() - began <= BOUND
