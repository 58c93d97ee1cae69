"""Hostile bodies against the real server: 100 MB, a JSON bomb (deep nesting, huge numbers), a slow client,
broken JSON — each a problem document, never a trace, and nothing written."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from tests.server.conftest import Served, raw_connection, whole_response

PROBLEM = "application/problem+json"


def _raw(served: Served, head: str, body: bytes = b"", pause: float = 0.0) -> str:
    """Send a request by hand (so the test controls Content-Length and timing); the server's answer as text."""
    with raw_connection(served, 10) as sock:
        sock.sendall(head.encode("ascii") + body)
        time.sleep(pause)
        return sock.recv(65536).decode("utf-8", "replace")


def _head(served: Served, token: str, length: int, path: str = "/api/processes/mini/cases") -> str:
    return (
        f"POST {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {length}\r\n\r\n"
    )


@pytest.mark.parametrize(
    "fault",
    [
        "Content-Length: \r\n",  # empty (what the fuzzer found)
        "Content-Length: ten\r\n",
        "Content-Length: 5\r\nContent-Length: 7\r\n",  # two that disagree
        "No colon here\r\n",
        "Bad Name: x\r\n",  # a space inside a header name
        "X-Nul: a\x00b\r\n",
        "Transfer-Encoding: gzip\r\n",  # a framing h11 does not speak
    ],
)
def test_a_request_head_that_is_not_http_gets_a_problem_document(served: Served, token: str, fault: str) -> None:
    head = f"POST /api/processes/mini/cases HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n{fault}\r\n"
    with raw_connection(served, 10) as sock:
        sock.sendall(head.encode("ascii") + b'{"role": "requester"}')
        answer = whole_response(sock)
        assert sock.recv(4096) == b""  # and the connection is closed: what follows cannot be framed
    status, _, rest = answer.partition(b"\r\n")
    headers, _, body = rest.partition(b"\r\n\r\n")
    assert status.startswith(b"HTTP/1.1 400 ") and f"content-type: {PROBLEM}".encode() in headers.lower()
    problem = json.loads(body)
    assert problem["status"] == 400 and problem["type"].endswith(":malformed-request") and problem["detail"]
    assert served.engine.cases("mini") == []
    with served.client() as client:
        assert client.get("/healthz").json() == {"status": "ok"}


def test_a_100_megabyte_body_is_refused_before_it_is_read(served: Served, token: str) -> None:
    answer = _raw(served, _head(served, token, 100 * 1024 * 1024), b'{"role": ')
    assert answer.startswith("HTTP/1.1 413") and PROBLEM in answer and "Traceback" not in answer
    assert served.engine.cases("mini") == []


def test_a_streamed_body_over_the_limit_is_cut_off(served: Served, rita: httpx.Client) -> None:
    def chunks() -> object:
        for _ in range(40):
            yield b" " * 65536

    response = rita.post("/api/processes/mini/cases", content=chunks())  # type: ignore[arg-type]
    assert response.status_code == 413 and response.headers["content-type"] == PROBLEM
    assert served.engine.cases("mini") == []


def test_a_slow_client_is_cut_off(served: Served, token: str) -> None:
    answer = _raw(served, _head(served, token, 100), b'{"role": "req', pause=2.0)
    assert answer.startswith("HTTP/1.1 408") and PROBLEM in answer
    assert served.engine.cases("mini") == []


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 50_000 + b"]" * 50_000,
        b'{"role": "requester", "data": ' + b'{"a": ' * 40 + b"1" + b"}" * 40 + b"}",
        b'{"role": "requester", "data": {"n": 1' + b"0" * 5000 + b"}}",
        b'{"role": "requester", "data": {"n": 1e999999}}',
        b'{"role": "requester", "data": {"n": NaN}}',
        b'{"role": "requester"',
        b"\xff\xfe not utf-8",
        b"[]",
    ],
    ids=["deep-array", "deep-object", "huge-int", "huge-float", "nan", "truncated", "not-utf8", "not-an-object"],
)
def test_a_json_bomb_or_broken_json_is_400(served: Served, rita: httpx.Client, body: bytes) -> None:
    response = rita.post("/api/processes/mini/cases", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == PROBLEM and "Traceback" not in response.text
    assert served.engine.cases("mini") == []


def test_an_unknown_path_and_method_are_problems(rita: httpx.Client) -> None:
    assert rita.get("/api/nothing").headers["content-type"] == PROBLEM
    response = rita.put("/api/cases")
    assert response.status_code == 405 and response.headers["content-type"] == PROBLEM


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("POST", "/api/login", b'{"person": "rita\\u0000", "password": "x"}'),
        ("POST", "/api/processes/mini/cases", b'{"data": {"item\\u0000": "desk"}}'),
        ("GET", "/api/cases/buy%00-1", b""),
        ("GET", "/api/cases?state=dr%00aft", b""),
    ],
    ids=["login", "document key", "path", "query"],
)
def test_a_nul_character_is_400_on_every_store(rita: httpx.Client, method: str, url: str, body: bytes) -> None:
    """Found by the fuzzing: PostgreSQL's text takes no NUL, so a NUL once reached the store as a 503."""
    response = rita.request(method, url, content=body or None, headers={"Content-Type": "application/json"})
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json" and "NUL" in response.json()["detail"]
