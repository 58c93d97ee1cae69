"""Real parts for the notification tests: an SMTP server on 127.0.0.1 (aiosmtpd), a notify configuration."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable, Iterator
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Sink:
    """An SMTP handler that keeps every message it accepts (optionally slowly, to be killed mid-delivery)."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.delay = 0.0
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        if self.delay:
            await asyncio.sleep(self.delay)
        message = message_from_bytes(envelope.content, policy=default)
        assert isinstance(message, EmailMessage)
        with self.lock:
            self.messages.append(message)
        return "250 OK"

    def keys(self) -> list[str]:
        with self.lock:
            return [str(m["X-Procflow-Key"]) for m in self.messages]

    def wait_for(self, count: int, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)


class SMTPServer:
    def __init__(self, port: int) -> None:
        self.port, self.sink = port, Sink()
        self.controller = Controller(self.sink, hostname="127.0.0.1", port=port)

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()


@pytest.fixture
def smtp() -> Iterator[SMTPServer]:
    server = SMTPServer(free_port())
    server.start()
    yield server
    server.stop()


PEOPLE = [
    {
        "id": "wang.min",
        "name": "王敏",
        "email": "wang.min@example.cn",
        "locale": "zh-CN",
        "time_zone": "Asia/Shanghai",
        "roles": ["sales_manager", "clerk"],
    },
    {
        "id": "anna",
        "name": "Anna Berg",
        "email": "anna@example.com",
        "locale": "en",
        "time_zone": "Europe/Berlin",
        "roles": ["clerk"],
    },
]


@pytest.fixture
def notify_file(tmp_path: Path) -> Callable[..., Path]:
    """notify_file(port, people=PEOPLE, **top): write a notify configuration with one `mail` channel."""

    def write(port: int, people: list[dict[str, Any]] | None = None, **top: Any) -> Path:
        config = {
            "channels": {"mail": {"type": "smtp", "host": "127.0.0.1", "port": port, "security": "none"}},
            "people": PEOPLE if people is None else people,
            "delivery": {"max_attempts": 3, "backoff_seconds": 60, "lease_seconds": 30},
            **top,
        }
        path = tmp_path / "notify.yaml"
        path.write_text(yaml.safe_dump(config, allow_unicode=True), "utf-8")
        return path

    return write
