"""Which store a URL names: each kind registers its scheme here, and `open_store` opens the one a URL asks for.

Its own module because naming and opening stores is one job apart from what a store promises (`base.Store`):
every kind imports this to register itself, and the engine, the CLI and the demo import it to open one.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from ..errors import StoreError
from ..suggest import did_you_mean
from .base import Store

DEFAULT_URL = "sqlite:///procflow.db"

Opener = Callable[[str], Store]
_OPENERS: dict[str, Opener] = {}
_EXISTS: dict[str, Callable[[str], bool]] = {}  # scheme → whether a URL names a store already there


def register_store(scheme: str, opener: Opener, exists: Callable[[str], bool] | None = None) -> None:
    """Make `open_store` accept URLs starting with `scheme:`. `exists`: for a kind whose opening creates the
    store (a SQLite file), whether one is already there, so a reader can refuse to create one."""
    _OPENERS[scheme] = opener
    if exists is not None:
        _EXISTS[scheme] = exists


def default_url() -> str:
    return os.environ.get("PROCFLOW_DB") or DEFAULT_URL


def open_store(url: str | None = None, *, create: bool = True) -> Store:
    """Open the store a URL names: `sqlite:///path.db` (default `./procflow.db` or $PROCFLOW_DB) or `memory:`.
    With `create=False` (a command that only reads), a store that is not there yet is a `StoreError`, not a new
    empty one."""
    url = url or default_url()
    scheme = url.split(":", 1)[0] if ":" in url else ""
    if scheme not in _OPENERS:
        known = sorted(_OPENERS)
        raise StoreError(
            f"unknown store URL {url!r}{did_you_mean(scheme, known)}; known kinds: " + ", ".join(f"{k}:" for k in known)
        )
    if not create and scheme in _EXISTS and not _EXISTS[scheme](url):
        raise StoreError(
            f"no store at {url} (nothing was created); run procflow from the folder that holds it, pass --db URL "
            "or set PROCFLOW_DB — or start a case to begin a new one"
        )
    return _OPENERS[scheme](url)
