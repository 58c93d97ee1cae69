"""The SQL stores' record of who chose to follow a case, or to stop following it: one row per (case, person).

A mixin of `SQLStore`, like the outbox and people tables. The row keeps the latest choice only (`following`
true or false), because that is all the rules ask (`procflow.people.following`): the starter and the assignee
follow by default, so an explicit "no" has to be kept as well as a "yes".

The notifier asks for a case's choices at every move it tells. On PostgreSQL that is a round trip of its own
(~0.1 ms or more, most of what two outbox messages cost a fire), so that store reuses a recent read: the
choices `get` read with the case row (in its one statement), or those the case's previous step read, kept
for the version that step committed. A read stands in for `READ_AHEAD_S` after it was made, and never once
a choice was recorded through this store since; a choice recorded by another process is heard by every
move from `READ_AHEAD_S` after it was made. SQLite reads the table each time (a local read costs ~8 µs).
"""

from __future__ import annotations

import threading
import time
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


READ_AHEAD_S = 2.0  # how long a read of a case's choices may stand in for another
READ_AHEAD_MAX = 256  # cases whose last read is kept at once (a case in use is read again within moments)

Kept = tuple[int, float, int, Mapping[str, bool]]  # (case version read at, when, recorded choices seen, choices)
ReadStart = tuple[float, int]  # (when a read began, the choices recorded here by then)


class SQLFollows:
    """`set_following` / `following` of the Store Protocol over the `follows` table."""

    follows_with_case = ""  # a column `get` adds to read the case's choices in its statement ("": read apart)

    def __init__(self) -> None:
        super().__init__()
        self._kept: dict[str, Kept] = {}  # case id → its last read of choices
        self._recorded = 0  # choices recorded through this store so far: a read from before one is not reused
        self._kept_lock = threading.Lock()

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

        try:
            self._write(case_id, work)
        finally:  # even a failed write may have committed: no read from before it is reused
            with self._kept_lock:
                self._recorded += 1
                self._kept.pop(case_id, None)

    def following(self, case_id: str, *, as_of: int | None = None) -> Mapping[str, bool]:
        if as_of is None or not self.follows_with_case:
            return self._read_choices(case_id)
        before = self._read_begins()
        kept = self._kept.get(case_id)
        if kept is not None and kept[0] == as_of and kept[2] == before[1] and before[0] - kept[1] <= READ_AHEAD_S:
            return kept[3]
        choices = self._read_choices(case_id)
        self._keep(case_id, (as_of, *before, choices))
        return choices

    def _read_choices(self, case_id: str) -> Mapping[str, bool]:
        rows = self._read("SELECT person, following FROM follows WHERE case_id = ? ORDER BY person", (case_id,))
        return {str(r[0]): bool(r[1]) for r in rows}

    def _read_begins(self) -> ReadStart:
        """Taken before a read of choices: a choice recorded here after it may be missing from the read."""
        return time.monotonic(), self._recorded

    def _read_along(self, case_id: str, version: int, pairs: Sequence[Sequence[Any]], before: ReadStart) -> None:
        """Keep the choices `get` read with the case row at `version` (pairs of person and following)."""
        choices = {str(person): bool(following) for person, following in pairs}
        self._keep(case_id, (version, *before, choices))

    def _committed(self, case_id: str, read_at: int, version: int) -> None:
        """A step on the case read at `read_at` committed `version`: its read of the choices, if it made one,
        stands for the new version too (until it is `READ_AHEAD_S` old, counted from the read itself)."""
        if not self.follows_with_case:
            return
        with self._kept_lock:
            kept = self._kept.get(case_id)
            if kept is not None and kept[0] == read_at:
                self._kept[case_id] = (version, *kept[1:])

    def _keep(self, case_id: str, kept: Kept) -> None:
        with self._kept_lock:
            if len(self._kept) >= READ_AHEAD_MAX:
                self._kept.clear()
            self._kept[case_id] = kept
