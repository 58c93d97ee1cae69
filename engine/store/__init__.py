"""Stores: the `Store` protocol and its implementations, opened by URL.

The PostgreSQL store is imported only when a `postgresql://` URL is opened: psycopg is an optional extra
(`procflow[postgres]`), and importing it would slow every command down.
"""

from ..errors import StoreError
from . import memory, sqlite  # noqa: F401 - registers the store kinds
from .base import Checkpoint, DueItem, Head, Store, WorkerBeat
from .registry import open_store, register_store

POSTGRES_EXTRA = "pip install 'procflow[postgres]'"


def _open_postgres(url: str) -> Store:
    try:
        from . import postgres
    except ImportError as exc:
        raise StoreError(
            f"a PostgreSQL store needs psycopg, which is not installed ({exc.name or exc}); install the postgres "
            f"extra: {POSTGRES_EXTRA}"
        ) from None
    return postgres.PostgresStore.from_url(url)


register_store("postgresql", _open_postgres)
register_store("postgres", _open_postgres)

__all__ = ["Checkpoint", "DueItem", "Head", "Store", "WorkerBeat", "open_store", "register_store"]
