"""The cases this process last wrote, so a read that finds its own snapshot text again needs no decoding.

A server fires the same few cases over and over, and each `fire(case_id)` reads the row the last step of
the case wrote. Decoding that snapshot (JSON, then the `Case` with its instants, versions and recent events)
costs a step about as much as writing it. The row is still read, and still checked against the chain, on
every `get`: only when its snapshot is character for character the text this process committed is the case
it committed handed back instead of decoded. Another process's write, a migration or a hand edit changes
the text, and the row is decoded as before, so the cache never stands in for what the store holds.

Every case handed back gets a history of its own, read from the store on first look like a decoded one's:
one shared by every read would answer an audit from events read before someone edited them, and the
committed case's own history is the chain of every step this process made on the case, which a long-lived
server would otherwise hold, and extend, for ever.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from ..fold import with_history
from ..history import History
from ..records import Case, Event

KEPT_MAX = 1024  # cases at once; each holds one case without its history (a few KB)


class Written:
    """Case id → (the snapshot text committed, the case it describes), for up to `KEPT_MAX` cases: all are
    let go when it is full (the cases a server steps often are kept again at their next step)."""

    def __init__(self) -> None:
        self._kept: dict[str, tuple[str, Case]] = {}
        self._lock = threading.Lock()

    def keep(self, case: Case, text: str, load_history: Callable[[], Sequence[Event]]) -> None:
        """`case` was committed with snapshot `text`: keep it, without the history it was built on (see the
        module), which someone may have read during the step."""
        kept = with_history(case, History(load_history, case.version))
        with self._lock:
            if len(self._kept) >= KEPT_MAX and case.id not in self._kept:
                self._kept.clear()
            self._kept[case.id] = (text, kept)

    def find(self, case_id: str, text: str, load_history: Callable[[], Sequence[Event]]) -> Case | None:
        """The case kept for `case_id` if the row's snapshot is still exactly the text committed with it, with
        a history of its own: each read looks at the stored events anew, as a decoded case does (the events
        may have been edited since, and an audit must see that)."""
        kept = self._kept.get(case_id)
        if kept is None or kept[0] != text:
            return None
        return with_history(kept[1], History(load_history, kept[1].version))
