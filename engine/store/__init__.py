"""Stores: the `Store` protocol and its implementations, opened by URL."""

from engine.store import memory, postgres, sqlite  # noqa: F401 - registers the store kinds
from engine.store.base import Checkpoint, DueItem, Head, Store, WorkerBeat, open_store, register_store

__all__ = ["Checkpoint", "DueItem", "Head", "Store", "WorkerBeat", "open_store", "register_store"]
