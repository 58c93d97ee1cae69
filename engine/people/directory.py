"""The team directory behind a Protocol: the store's event-sourced one by default, or an application's own.

The engine only asks a directory for its `roster()` (people, grants, covers, reporting lines as they stand)
and hands it sealed changes to `record()`. An application that keeps its people elsewhere (LDAP, an HR system)
registers a factory under a name and builds the roster from there.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Protocol

from ..errors import ConflictError, StoreError
from ..people_records import DirectoryEvent, Roster, directory_chain_problem
from ..store.base import Store
from ..suggest import did_you_mean


class Directory(Protocol):
    def roster(self) -> Roster:
        """The directory as it stands now. Callers must not change it."""
        ...

    def record(self, events: Sequence[DirectoryEvent]) -> None:
        """Write sealed changes (numbered after `roster().seq`); `ConflictError` if someone wrote first."""
        ...


class StoreDirectory:
    """The directory kept as a hash chain of events in the case store, folded once and then followed."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._roster = Roster()
        self._lock = threading.Lock()

    def roster(self) -> Roster:
        with self._lock:
            new = self.store.directory_events(self._roster.seq)  # usually none: one indexed read
            if new:
                problem = directory_chain_problem(new, self._roster.head)
                if problem:
                    raise StoreError(f"{problem}; run 'procflow verify'")
                for event in new:
                    self._roster.apply(event)
            return self._roster

    def record(self, events: Sequence[DirectoryEvent]) -> None:
        try:
            self.store.append_directory(events)
        except ConflictError:
            raise ConflictError("the team directory", events[0].seq - 1 if events else 0, None) from None


DirectoryFactory = Callable[[Store], Directory]
_FACTORIES: dict[str, DirectoryFactory] = {"store": StoreDirectory}


def register_directory(name: str, factory: DirectoryFactory) -> None:
    """Make `open_directory(name, store)` (and `Engine(directory=name)`) build a directory with `factory`."""
    _FACTORIES[name] = factory


def open_directory(name: str, store: Store) -> Directory:
    if name not in _FACTORIES:
        raise StoreError(f"unknown directory {name!r}{did_you_mean(name, sorted(_FACTORIES))}")
    return _FACTORIES[name](store)
