"""A case's history and its documents' versions as a store reads them: on first look, not before.

A step reads the case row's snapshot (procflow.records: what a step needs) and never looks at the history;
history, audit and replay look, and these read it then, once. Generic over the record types, so
`procflow.records` and `procflow.fold` build on this module and not the other way round.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

E = TypeVar("E")  # an event
V = TypeVar("V")  # a document version


class History(Sequence[E]):
    """A case's events as a store reads them on first look: a step reads the snapshot and never looks.

    `then` adds an event without reading (the events of a step in progress ride in the tail), and the
    length is known without reading, so `bool(case.history)` and `len` cost nothing.
    """

    __slots__ = ("_cell", "_known", "_tail")

    def __init__(self, load: Callable[[], Sequence[E]], known: int, tail: tuple[E, ...] = ()) -> None:
        self._cell: list[Any] = [load, None]  # shared by every `then`: the stored events are read once
        self._known, self._tail = known, tail

    def then(self, event: E) -> History[E]:
        later: History[E] = History.__new__(History)
        later._cell, later._known, later._tail = self._cell, self._known, (*self._tail, event)
        return later

    def _events(self) -> tuple[E, ...]:
        if self._cell[1] is None:
            self._cell[1] = tuple(self._cell[0]())[: self._known]
        stored: tuple[E, ...] = self._cell[1]
        return stored + self._tail

    def __len__(self) -> int:
        return self._known + len(self._tail)

    def __getitem__(self, index: Any) -> Any:
        return self._events()[index]

    def __iter__(self) -> Iterator[E]:
        return iter(self._events())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and tuple(self) == tuple(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"History({len(self)} events)"


class Versions(Mapping[str, tuple[V, ...]]):
    """Every version of every document, folded from a `History` on first look (its names need no look)."""

    __slots__ = ("_fold", "_folded", "_history", "_names")

    def __init__(
        self,
        history: Sequence[E],
        names: Mapping[str, V],
        fold: Callable[[Sequence[E]], dict[str, tuple[V, ...]]],
    ) -> None:
        self._history, self._names, self._fold = history, names, fold
        self._folded: dict[str, tuple[V, ...]] | None = None

    def _all(self) -> dict[str, tuple[V, ...]]:
        if self._folded is None:
            self._folded = self._fold(self._history)
        return self._folded

    def __getitem__(self, name: str) -> tuple[V, ...]:
        if name not in self._names:
            raise KeyError(name)
        return self._all()[name]

    def __contains__(self, name: object) -> bool:
        return name in self._names

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Mapping) and dict(self.items()) == dict(other.items())

    __hash__ = None  # type: ignore[assignment]
