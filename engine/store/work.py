"""What a commit writes to the inbox index, worked out from the case and the events at hand.

Shared by every store so the index means the same everywhere: the case's current assignment (a person, or a
role's queue), its earliest open due time, and the last escalation in its current state.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..people_records import WorkItem
from ..records import ASSIGNMENT_KINDS, Case, Event, current_assignment
from .base import DueItem
from .records import utc


def work_item(case: Case, due: Sequence[DueItem] | None) -> WorkItem | None:
    """The case's row in the inbox index, or None when nobody has work on it (a final state, no rule)."""
    assignment = current_assignment(case)
    if assignment is None:
        return None
    escalated = next((e.at for e in reversed(case.recent) if e.kind == "escalated"), None)
    since = next(e.at for e in case.recent if e.seq == assignment.seq)
    return WorkItem(
        case.id,
        case.process_id,
        case.state,
        assignment.person,
        assignment.role,
        since,
        min((d.due_at for d in due), default=None) if due else None,
        escalated,
    )


def rotations(events: Sequence[Event]) -> list[tuple[str, str]]:
    """(pool, person) for each round-robin assignment among `events`: where the next turn starts."""
    found = []
    for event in events:
        data = event.data or {}
        if event.kind in ASSIGNMENT_KINDS and data.get("pool") and data.get("person"):
            found.append((str(data["pool"]), str(data["person"])))
    return found


def urgency(item: WorkItem) -> str:
    """A text that sorts the way an inbox does: escalated first, then by due time (none last), then oldest;
    stored beside each row so one index yields a person's most urgent work without sorting it all."""
    due = utc(item.due_at) if item.due_at else "~"  # '~' sorts after every digit
    return ("0" if item.escalated_at else "1") + due + utc(item.since) + item.case_id
