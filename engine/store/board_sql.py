"""The SQL stores' board column (`engine/store/board.py` says the rules): one statement per column.

A mixin of `SQLStore`. The innermost select picks the column's cases (process, states, and the person filter
as `EXISTS` over their events and the inbox index) with each case's deal amount; window functions count and
sum them all before `LIMIT` keeps the first page; only those cards read their first document. The two
dialects differ only in how they read a field of the JSON `data` text (`_json_number`, `_json_text`).
"""

from __future__ import annotations

import json
from abc import abstractmethod
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from ..records import ASSIGNMENT_KINDS
from .board import BoardCard, BoardColumn, BoardFilter, no_column


def _marks(values: Sequence[Any]) -> str:
    return ", ".join("?" for _ in values)


def _first(text: str | None) -> tuple[str, Mapping[str, Any]] | None:
    if text is None:
        return None
    name, data = text.split(" ", 1)
    return name, json.loads(data)


class BoardQueries:
    @abstractmethod
    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[Any]: ...

    @staticmethod
    def _json_number(column: str, key: str) -> str:
        """SQL for `column`'s top-level `key` when it is a JSON number (not a boolean), else NULL (SQLite)."""
        path = f"'$.{key}'"
        return f"(CASE WHEN json_type({column}, {path}) IN ('integer', 'real') THEN json_extract({column}, {path}) END)"

    @staticmethod
    def _json_text(column: str, key: str) -> str:
        return f"json_extract({column}, '$.{key}')"

    def _who(self, only: BoardFilter) -> tuple[str, list[Any]]:
        """The person filter as SQL over the case `c`; never empty `IN ()` lists."""
        tests, params = [], list[Any]()
        if only.people:
            people = list(only.people)
            tests.append(
                "EXISTS (SELECT 1 FROM events v WHERE v.case_id = c.id AND (v.actor IN ("
                + _marks(people)
                + f") OR (v.kind IN ({_marks(ASSIGNMENT_KINDS)}) AND {self._json_text('v.data', 'person')} IN ("
                + _marks(people)
                + "))))"
            )
            params += [*people, *ASSIGNMENT_KINDS, *people]
        if only.queues:
            queues = list(only.queues)
            tests.append(
                "EXISTS (SELECT 1 FROM work q WHERE q.case_id = c.id AND q.person IS NULL AND q.role IN ("
                + _marks(queues)
                + "))"
            )
            params += queues
        return (" AND (" + " OR ".join(tests) + ")" if tests else " AND 1 = 0"), params

    def board_column(
        self,
        process_id: str,
        states: Sequence[str],
        *,
        only: BoardFilter | None = None,
        limit: int = 20,
    ) -> BoardColumn:
        if not states:
            return no_column()
        amount = (
            f"(SELECT {self._json_number('a.data', 'amount')} FROM events a WHERE a.case_id = c.id "
            f"AND a.document IS NOT NULL AND {self._json_number('a.data', 'amount')} IS NOT NULL "
            "ORDER BY a.seq DESC LIMIT 1)"
        )
        who, who_params = self._who(only) if only is not None else ("", [])
        chosen = (
            f"SELECT c.id, c.state, c.updated_at, {amount} AS amount FROM cases c "
            f"WHERE c.process_id = ? AND c.state IN ({_marks(states)}){who}"
        )
        page = (
            "SELECT k.id, k.state, k.updated_at, k.amount, COUNT(*) OVER () AS total, "
            f"COALESCE(SUM(k.amount) OVER (), 0) AS summed FROM ({chosen}) k ORDER BY k.updated_at, k.id LIMIT ?"
        )
        first = (
            "(SELECT d.document || ' ' || d.data FROM events d WHERE d.case_id = p.id AND d.document = ("
            "SELECT f.document FROM events f WHERE f.case_id = p.id AND f.document IS NOT NULL ORDER BY f.seq "
            "LIMIT 1) ORDER BY d.seq DESC LIMIT 1)"
        )  # the document's name (an identifier: no spaces) and its data, in one column
        rows = self._read(
            f"SELECT p.id, p.state, p.updated_at, p.amount, p.total, p.summed, {first} FROM ({page}) p "
            "ORDER BY p.updated_at, p.id",
            [process_id, *states, *who_params, max(limit, 1)],  # one row at least: it carries the count and sum
        )
        if not rows:
            return no_column()
        cards = tuple(
            BoardCard(
                r[0],
                r[1],
                datetime.fromisoformat(r[2]),
                None if r[3] is None else float(r[3]),
                _first(r[6]),
            )
            for r in rows
        )
        return BoardColumn(int(rows[0][4]), float(rows[0][5]), cards[: max(limit, 0)])
