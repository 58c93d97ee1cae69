"""Who follows a case: the person who started it and the person its work is assigned to, by default; anyone
else who asked to; never someone who asked to stop.

The store keeps only the explicit choices (`Store.following`: person → true or false); the defaults come from
the case itself, so a case nobody touched costs nothing to keep. Seeing the case is the engine's visibility
rule (`procflow.people.visibility`): it is checked when someone asks to follow and again when a move is told,
so a person who lost sight of a case stops hearing of it.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..records import SYSTEM, Case, current_assignment


def by_default(case: Case) -> set[str]:
    """The starter (unless the system started it) and the person holding the case's work, if any."""
    people = {p for p in case.doers.get("start", ()) if p != SYSTEM}  # the snapshot's starter: no history read
    held = current_assignment(case)
    if held is not None and held.person:
        people.add(held.person)
    return people


def followers(case: Case, choices: Mapping[str, bool]) -> list[str]:
    """Everyone following `case`, by id: the defaults and those who chose to follow, less those who chose not to."""
    if not choices:  # the usual case: nobody chose anything
        return sorted(by_default(case))
    chosen = {person for person, following in choices.items() if following}
    declined = {person for person, following in choices.items() if not following}
    return sorted((by_default(case) | chosen) - declined)
