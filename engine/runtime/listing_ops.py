"""The engine's listing verbs: which cases match a filter, as ids or as store rows a page at a time.

A mixin of `Engine`, beside `runtime/listing.py` (which does the paging and the checks a row cannot answer):
this module only hands that the engine's parts — the newest definition, the timekeeper's overdue rule, and
what a viewer may see.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from ..store.base import CaseSummary
from .listing import CaseFilter, Checks, listed
from .parts import EngineParts


class ListingOps(EngineParts):
    def cases(
        self,
        process_id: str | None = None,
        *,
        state: str | None = None,
        stage: str | None = None,
        role: str | None = None,
        overdue_at: datetime | None = None,
        viewer: str | None = None,
    ) -> list[str]:
        """Ids of the cases matching every filter given, oldest first (the rows of `case_rows`)."""
        found = self.case_rows(process_id, state=state, stage=stage, role=role, overdue_at=overdue_at, viewer=viewer)
        return [row.id for row in found]

    def case_rows(
        self,
        process_id: str | None = None,
        *,
        state: str | None = None,
        stage: str | None = None,
        role: str | None = None,
        overdue_at: datetime | None = None,
        viewer: str | None = None,
        after: str | None = None,
        limit: int | None = None,
    ) -> Iterator[CaseSummary]:
        """The case rows matching every filter given, oldest first, after the case `after`, at most `limit`;
        read a page at a time from the store's index (stage and role from the process's newest version;
        `overdue_at` keeps cases with an obligation past due then). See `runtime/listing.py`."""
        wanted = CaseFilter(process_id, state, stage, role, overdue_at, viewer)
        checks = Checks(self.definition, self._time.late, self.sees)
        return listed(self.store, wanted, checks, after=after, limit=limit)
