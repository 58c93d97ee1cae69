"""The HTTP face of procflow: `create_app(engine)` is an ASGI application to serve or mount.

The application is imported when it is first asked for, so `procflow.server.accounts` (which the command line's
`account` and `token` commands use) can be read without loading the web framework and every route."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .app import create_app
    from .settings import ServerSettings

__all__ = ["ServerSettings", "create_app"]


def __getattr__(name: str) -> object:
    if name == "create_app":
        from .app import create_app

        return create_app
    if name == "ServerSettings":
        from .settings import ServerSettings

        return ServerSettings
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
