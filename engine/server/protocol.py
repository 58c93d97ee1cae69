"""uvicorn's HTTP/1.1 protocol (h11) with a deadline on the request head: the defence against slow clients.

uvicorn bounds an idle keep-alive connection, but not a client that sends its request line and headers a byte
at a time (slowloris): each byte arrives before any timer runs out, and the connection — a file descriptor and
a buffer — is held for as long as the client likes; a few hundred such clients exhaust a server. The body is
bounded by `read_body`'s timeout between chunks; only the head is read by uvicorn before the application sees
anything, so the deadline belongs here, in the protocol, armed when a connection opens and when the first byte
of a next request arrives on a kept-alive one, and disarmed once h11 has the whole head. A client still inside
its head at the deadline gets a `408` and the connection is closed; nothing reaches the application.

A request h11 cannot parse gets its `400` as a problem document too, like every other error of the API.
"""

from __future__ import annotations

import asyncio
import json

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from .problems import PROBLEM_TYPE, TYPE_BASE
from .settings import ServerSettings


def _closing_problem(status: int, reason: str, slug: str, detail: str) -> bytes:
    """A whole response, head and problem document, written straight to the transport before the connection is
    closed: for what goes wrong before there is a request for the application to answer."""
    body = json.dumps({"type": TYPE_BASE + slug, "title": reason, "status": status, "detail": detail}).encode()
    return (
        f"HTTP/1.1 {status} {reason}\r\ncontent-type: {PROBLEM_TYPE}\r\nconnection: close\r\n"
        f"content-length: {len(body)}\r\n\r\n".encode()
        + body
    )


_TIMED_OUT = _closing_problem(408, "Request Timeout", "request-timeout", "the request head was too slow")
_MALFORMED = _closing_problem(
    400,
    "Bad Request",
    "malformed-request",
    "the request is not valid HTTP/1.1: its request line or one of its headers is malformed"
    " (for example an empty or non-numeric Content-Length)",
)


class HeadDeadlineProtocol(H11Protocol):
    """`H11Protocol` that closes a connection whose request head is not complete within `head_timeout` seconds."""

    head_timeout: float = 10.0
    _head_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()  # a client that connects and sends nothing is held no longer than one that trickles

    def data_received(self, data: bytes) -> None:
        if self._head_deadline is None and self.conn.their_state is h11.IDLE:
            self._arm()  # the first byte of a next request on a kept-alive connection
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:
            self._disarm()  # the head is in: the application (and the body's own timeout) take over

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self.conn.their_state is not h11.IDLE:
            return
        if self.conn.trailing_data[0]:
            self._arm()  # a pipelined next request is already partly here

    def send_400_response(self, msg: str) -> None:
        """uvicorn answers a request h11 cannot parse in plain text; the API's errors are problem documents, so
        a client's error handling needs one convention even for a request that never reached the application."""
        self._disarm()
        self.transport.write(_MALFORMED)
        self.transport.close()

    def _arm(self) -> None:
        self._disarm()
        self._head_deadline = self.loop.call_later(self.head_timeout, self._head_too_slow)

    def _disarm(self) -> None:
        if self._head_deadline is not None:
            self._head_deadline.cancel()
            self._head_deadline = None

    def _head_too_slow(self) -> None:
        self._head_deadline = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.logger.info(
                "closed a connection from %s: its request head took over %ss", self.client, self.head_timeout
            )
            self.transport.write(_TIMED_OUT)
            self.transport.close()


def protocol_for(settings: ServerSettings) -> type[HeadDeadlineProtocol]:
    """The protocol class to give uvicorn (`http=`) for these settings."""
    return type("HeadDeadline", (HeadDeadlineProtocol,), {"head_timeout": settings.head_timeout})
