"""The HTTP face of procflow: `create_app(engine)` is an ASGI application to serve or mount."""

from engine.server.app import create_app
from engine.server.settings import ServerSettings

__all__ = ["ServerSettings", "create_app"]
