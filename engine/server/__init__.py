"""The HTTP face of procflow: `create_app(engine)` is an ASGI application to serve or mount."""

from .app import create_app
from .settings import ServerSettings

__all__ = ["ServerSettings", "create_app"]
