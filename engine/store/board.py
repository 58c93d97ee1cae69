"""The pipeline board's read: one column (the cases of a process in some states) as a count, a sum of deal
amounts and the first cards, answered by the store in one query instead of by reading every case.

The rules every store follows, so memory, SQLite and PostgreSQL agree: a case's *deal amount* is the top-level
numeric `amount` of the most recently recorded document version that has one; its *first document* is the
latest version of the document it recorded first (its card's headline comes from there); a person is
*involved* in a case when they acted in it or were given its work; cards come least recently updated first
(the stalest on top), then by id.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..records import Case, current_assignment

BOARD_PAGE = 20  # cards per column a board shows before "more"


@dataclass(frozen=True, slots=True)
class BoardCard:
    case_id: str
    state: str
    updated_at: datetime
    amount: float | None
    first_document: tuple[str, Mapping[str, Any]] | None  # the case's first document: its name, its latest data


@dataclass(frozen=True, slots=True)
class BoardColumn:
    count: int
    amount: float  # the sum of the deal amounts of all `count` cases (0 when none has one)
    cards: tuple[BoardCard, ...]


@dataclass(frozen=True, slots=True)
class BoardFilter:
    """Whose cases a column shows: those one of `people` is involved in, or whose open work waits unassigned in
    the queue of one of `queues`. `None` as a column's filter shows every case."""

    people: tuple[str, ...]
    queues: tuple[str, ...] = ()


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def deal_amount(case: Case) -> float | None:
    """The case's deal amount (module docstring)."""
    for event in reversed(case.history):
        if event.document is not None and isinstance(event.data, Mapping):
            amount = _number(event.data.get("amount"))
            if amount is not None:
                return amount
    return None


def first_document(case: Case) -> tuple[str, Mapping[str, Any]] | None:
    for name, versions in case.documents.items():
        if versions:
            return name, versions[-1].data
    return None


def involved(case: Case) -> set[str]:
    """Everyone who acted in the case or was given its work (kept on the case as its events come)."""
    return set(case.involved)


def shown(case: Case, only: BoardFilter | None) -> bool:
    if only is None:
        return True
    if involved(case) & set(only.people):
        return True
    held = current_assignment(case)
    return held is not None and held.person is None and held.role in only.queues


def column_of(cases: Iterable[Case], only: BoardFilter | None, limit: int) -> BoardColumn:
    """The column over cases already chosen by process and state (the memory store's way, and the reference
    the SQL query must agree with)."""
    chosen = sorted((c for c in cases if shown(c, only)), key=lambda c: (c.updated_at, c.id))
    amounts = [deal_amount(c) for c in chosen]
    cards = tuple(
        BoardCard(c.id, c.state, c.updated_at, amount, first_document(c))
        for c, amount in zip(chosen[:limit], amounts, strict=False)
    )
    return BoardColumn(len(chosen), sum(a for a in amounts if a is not None), cards)


def no_column() -> BoardColumn:
    return BoardColumn(0, 0.0, ())
