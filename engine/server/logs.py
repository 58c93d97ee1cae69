"""Access logs through `logging` (logger `procflow.access`): one line per request, with who asked and how long
it took; never the body, a token or a password."""

from __future__ import annotations

import logging
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

ACCESS = logging.getLogger("procflow.access")


class AccessLog:
    """ASGI middleware: `METHOD path status ms person address` at INFO (5xx at ERROR)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status: list[int] = [500]

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            state: dict[str, Any] = scope.get("state") or {}
            client = scope.get("client") or ("-", 0)
            ACCESS.log(
                logging.ERROR if status[0] >= 500 else logging.INFO,
                "%s %s %d %.1fms %s %s",
                scope["method"],
                scope["path"],
                status[0],
                (time.perf_counter() - started) * 1000,
                state.get("person", "-"),
                client[0],
            )
