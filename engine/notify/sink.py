"""A local SMTP sink for the demo and for trying a configuration: accepts every message on 127.0.0.1 and
writes it to a folder as an `.eml` file any mail program opens (aiosmtpd does the SMTP)."""

from __future__ import annotations

import socket
import threading
from pathlib import Path
from types import TracebackType
from typing import Any

from aiosmtpd.controller import Controller


class _Keeper:
    def __init__(self, folder: Path) -> None:
        self.folder, self.lock = folder, threading.Lock()
        self.paths: list[Path] = []
        self.first = 1 + max((int(p.stem) for p in folder.glob("*.eml") if p.stem.isdigit()), default=0)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        with self.lock:
            path = self.folder / f"{self.first + len(self.paths):04d}.eml"
            path.write_bytes(envelope.content)
            self.paths.append(path)
        return "250 OK"


class MailSink:
    """`with MailSink(folder) as sink:` an SMTP server on 127.0.0.1:`sink.port` until the block ends."""

    def __init__(self, folder: Path, port: int | None = None) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder, self.port = folder, port or _free_port()
        self._keeper = _Keeper(folder)
        self._controller = Controller(self._keeper, hostname="127.0.0.1", port=self.port)

    @property
    def received(self) -> list[Path]:
        """The files written so far, in the order the messages came."""
        return list(self._keeper.paths)

    def __enter__(self) -> MailSink:
        self._controller.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._controller.stop()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port
