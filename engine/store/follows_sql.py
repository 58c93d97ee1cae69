"""The SQL stores' record of who chose to follow a case, or to stop following it: one row per (case, person).

A mixin of `SQLStore`, like the outbox and people tables. The row keeps the latest choice only (`following`
true or false), because that is all the rules ask (`procflow.people.following`): the starter and the assignee
follow by default, so an explicit "no" has to be kept as well as a "yes".
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from ..errors import CaseNotFound
from .records import utc

MIGRATION = [  # who follows a case (or chose not to): read by the notifier at each move, by case id
    """CREATE TABLE follows (
        case_id TEXT NOT NULL REFERENCES cases (id), person TEXT NOT NULL, following INTEGER NOT NULL,
        at TEXT NOT NULL, PRIMARY KEY (case_id, person))""",
]


class SQLFollows:
    """`set_following` / `following` of the Store Protocol over the `follows` table."""

    @abstractmethod
    def _write(self, action: str, work: Callable[[Any], Any]) -> Any: ...

    @abstractmethod
    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[Any]: ...

    def set_following(self, case_id: str, person: str, following: bool, at: datetime) -> None:
        def work(tx: Any) -> None:
            if not tx.execute("SELECT 1 FROM cases WHERE id = ?", (case_id,)):
                raise CaseNotFound(case_id)
            tx.execute(
                "INSERT INTO follows (case_id, person, following, at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (case_id, person) DO UPDATE SET following = excluded.following, at = excluded.at",
                (case_id, person, int(following), utc(at)),
            )

        self._write(case_id, work)

    def following(self, case_id: str) -> Mapping[str, bool]:
        rows = self._read("SELECT person, following FROM follows WHERE case_id = ? ORDER BY person", (case_id,))
        return {str(r[0]): bool(r[1]) for r in rows}
