"""Which running cases a change between two versions of a process affects, and how.

`procflow.diff` says what changed between two definitions; this says what that means for the cases still
running under the old one: what would break if they moved (`check_migration`), and whether the state they
stand in changed (its deadlines or requirements). The command line's `diff --cases` prints it; a server
shows the same list.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .definition.model import ProcessDefinition
from .diff import Change
from .runtime.transfer import check_migration
from .store.base import Store


@dataclass(frozen=True, slots=True)
class AffectedCase:
    case_id: str
    state: str
    notes: tuple[str, ...]  # what would break on moving, then whether its state changed; never empty


def affected_cases(
    store: Store, old: ProcessDefinition, new: ProcessDefinition, changes: Sequence[Change]
) -> list[AffectedCase]:
    """The open cases running under `old` that the change to `new` touches, oldest first.

    Cases on other versions and cases in a final state are left out: nothing more happens to them.
    """
    touched = {c.id for c in changes if c.element == "state"}
    found = []
    for case in store.cases_with_events(old.id):
        if case.definition_hash != old.content_hash or old.states[case.state].final:
            continue
        notes = list(check_migration(case, old, new).problems)
        if case.state in touched:
            notes.append(f"its state {case.state!r} changed (deadlines or requirements)")
        if notes:
            found.append((case.created_at, case.id, AffectedCase(case.id, case.state, tuple(notes))))
    return [affected for _, _, affected in sorted(found, key=lambda item: (item[0], item[1]))]
