"""Listing cases in SQL: filters, order and keyset paging in one query on an index, no history read.

A list at 100,000 cases must cost what a page costs at 10,000: the rows come oldest first by (created_at, id),
each page starting after the last case of the one before, so no OFFSET walks the rows already shown. The
indexes it needs are the migration below (`MIGRATION`); the benchmark prints their query plan.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from ..errors import CaseNotFound
from .base import CaseSummary
from .records import utc

MIGRATION = [  # lists ordered by creation, per process and per state, paged by (created_at, id)
    "CREATE INDEX cases_by_created ON cases (created_at, id)",
    "CREATE INDEX cases_by_process_created ON cases (process_id, created_at, id)",
    "CREATE INDEX cases_by_state_created ON cases (process_id, state, created_at, id)",
    "DROP INDEX cases_by_state",  # a prefix of the one above
]

PAGE_COLUMNS = "id, process_id, definition_hash, state, version, created_at, updated_at"


class ListingQueries:
    """`case_page` of the Store Protocol, for the SQL stores."""

    explain = "EXPLAIN QUERY PLAN "  # how the database shows its plan (PostgreSQL: "EXPLAIN ")

    @abstractmethod
    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[Any]: ...

    def page_plan(self, process_id: str | None, states: Sequence[str] | None, due_by: datetime | None) -> list[str]:
        """The database's plan for a page after some case: what the benchmark prints to show the index used."""
        sql, params = page_query(process_id, states, due_by, ("2026", "x"), 100)
        rows = self._read(self.explain + sql, params)
        return [str(row[-1]) for row in rows]

    def case_page(
        self,
        *,
        process_id: str | None = None,
        states: Sequence[str] | None = None,
        due_by: datetime | None = None,
        after: str | None = None,
        limit: int = 100,
    ) -> list[CaseSummary]:
        if states is not None and not states:
            return []
        after_key = None
        if after is not None:
            found = self._read("SELECT created_at FROM cases WHERE id = ?", (after,))
            if not found:
                raise CaseNotFound(after)
            after_key = (found[0][0], after)
        rows = self._read(*page_query(process_id, states, due_by, after_key, limit))
        return [
            CaseSummary(r[0], r[1], r[2], r[3], r[4], datetime.fromisoformat(r[5]), datetime.fromisoformat(r[6]))
            for r in rows
        ]


def page_query(
    process_id: str | None,
    states: Sequence[str] | None,
    due_by: datetime | None,
    after: tuple[str, str] | None,
    limit: int,
) -> tuple[str, list[Any]]:
    """The one SELECT behind a page (and behind the benchmark's query plan): `after` is the (created_at, id)
    of the last case already shown."""
    where, params = ["1 = 1"], list[Any]()
    if process_id is not None:
        where, params = [*where, "process_id = ?"], [*params, process_id]
    if states is not None:
        where, params = [*where, f"state IN ({', '.join('?' for _ in states)})"], [*params, *states]
    if due_by is not None:
        where = [*where, "due_at <= ?"]  # the case's earliest due time (engine/store/queue_sql.py)
        params = [*params, utc(due_by)]
    if after is not None:
        where, params = [*where, "(created_at, id) > (?, ?)"], [*params, *after]
    sql = f"SELECT {PAGE_COLUMNS} FROM cases WHERE {' AND '.join(where)} ORDER BY created_at, id LIMIT ?"
    return sql, [*params, limit]
