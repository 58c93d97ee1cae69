"""Which cases a list shows, a page at a time, from the store's case rows: no history is read for a plain filter.

Process, top-level state (and so stage and owning role, turned into states from the newest definition) and
"has something due" are in the store's query; a page costs the same at any depth (keyset paging). Three
filters need the case itself and are checked on the page's candidates only: a state inside a region (the case
row holds the enclosing state), the exact overdue rule (a recurring period met early still has a due row
until the next tick) and what a viewer may see.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from ..definition.model import ProcessDefinition
from ..errors import Refusal
from ..records import Case
from ..store.base import CaseSummary, Store

PAGE = 500  # rows per query when the caller pages through everything


@dataclass(frozen=True)
class CaseFilter:
    process_id: str | None = None
    state: str | None = None
    stage: str | None = None
    role: str | None = None
    overdue_at: datetime | None = None
    viewer: str | None = None


@dataclass(frozen=True)
class Checks:
    """What the engine answers about one case, for the filters the query cannot apply."""

    newest: Callable[[str], ProcessDefinition]  # the newest definition of a process
    late: Callable[[Case, datetime], bool]  # has an obligation past due at that instant
    sees: Callable[[str, Case], bool]  # may this person see the case


def listed(
    store: Store, wanted: CaseFilter, checks: Checks, *, after: str | None = None, limit: int | None = None
) -> Iterator[CaseSummary]:
    """The matching cases, oldest first, after the case `after`, at most `limit` of them, read page by page."""
    states, inside = _states(wanted, checks.newest)
    if states is not None and not states:
        return
    exact = inside is not None or wanted.overdue_at is not None or wanted.viewer is not None
    left = limit
    while left is None or left > 0:
        size = PAGE if left is None or exact else min(PAGE, left)
        page = store.case_page(
            process_id=wanted.process_id,
            states=None if states is None else sorted(states),
            due_by=wanted.overdue_at,
            after=after,
            limit=size,
        )
        for row in page:
            if exact and not _holds(store.get(row.id), wanted, inside, checks):
                continue
            yield row
            if left is not None:
                left -= 1
                if left == 0:
                    return
        if len(page) < size:
            return
        after = page[-1].id


def _states(wanted: CaseFilter, newest: Callable[[str], ProcessDefinition]) -> tuple[set[str] | None, str | None]:
    """The top-level states the query may keep, and the state inside a region to check on the case (or None)."""
    states: set[str] | None = {wanted.state} if wanted.state else None
    if wanted.stage or wanted.role:
        if wanted.process_id is None:
            raise Refusal("filtering by stage or role needs a process (--process)")
        definition = newest(wanted.process_id)
        matching = {
            s.id
            for s in definition.states.values()
            if (wanted.stage is None or s.stage == wanted.stage) and (wanted.role is None or s.owner == wanted.role)
        }
        states = matching if states is None else states & matching
    inside = None
    if wanted.state and wanted.process_id is not None:
        spec = newest(wanted.process_id).states.get(wanted.state)
        inside = wanted.state if spec is not None and spec.parent else None
        if spec is not None and spec.parent:  # the store indexes top-level states: ask for the enclosing one
            states = {spec.parent} if states is None or wanted.state in states else states & {spec.parent}
    return states, inside


def _holds(case: Case, wanted: CaseFilter, inside: str | None, checks: Checks) -> bool:
    if inside is not None and inside not in case.leaves:
        return False
    if wanted.overdue_at is not None and not checks.late(case, wanted.overdue_at):
        return False
    return wanted.viewer is None or checks.sees(wanted.viewer, case)
