"""Finding the case an outside system's event is about, by the store's match-key index.

A process's integrations say which field finds a case (`match: documents.contract.number`). At each commit that
changes such a document (or ends the case) the case's keys are worked out here and written by the store in the
same transaction (`match_keys`); an inbound event then asks the index for the value (`matching_cases`) and
reads only the cases it names, checking each one again (its latest document, not final) so that a key left by
a race with a backfill cannot match a case wrongly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from ..canonical import canonical_json
from ..definition.model import ProcessDefinition
from ..definition.values import FieldRef
from ..records import Case, Event
from ..store.base import Store
from ..store.matches import MatchKey

_SCALARS = (str, int, float, bool)


def key_value(value: Any) -> str | None:
    """The index's text for a field's value; None for what is not a scalar (never a key)."""
    if value is None or not isinstance(value, _SCALARS):
        return None
    return canonical_json(value)


def keys_of(definition: ProcessDefinition, case: Case) -> list[MatchKey]:
    """The keys `case` is found by now: none once it is final."""
    if definition.states[case.state].final:
        return []
    keys = []
    for field in definition.match_fields:
        latest = case.latest(field.document)
        text = key_value(latest.data.get(field.field)) if latest is not None else None
        if text is not None:
            keys.append(MatchKey(case.id, case.process_id, str(field), text))
    return keys


def match_keys(definition: ProcessDefinition, case: Case, events: Sequence[Event]) -> list[MatchKey] | None:
    """The keys to write with this commit, or None when they cannot have changed (no match field in the process,
    no matched document among the events, the case not ended, its definition the same)."""
    fields = definition.match_fields
    if not fields:
        return None
    documents = {f.document for f in fields}
    changed = any(e.document in documents or e.kind in ("started", "migrated") for e in events)
    if not changed and not definition.states[case.state].final:
        return None
    return keys_of(definition, case)


def backfill(store: Store, definitions: Callable[[Case], ProcessDefinition]) -> None:
    """Give every running case of a store made before the index its keys (the one time the cases are read in
    full; the store then says not pending)."""

    def rows() -> Iterator[MatchKey]:
        for case in store.cases():
            yield from keys_of(definitions(case), case)

    store.backfill_match_keys(rows())


def matching_cases(
    store: Store, definitions: Callable[[Case], ProcessDefinition], process_id: str, field: FieldRef, value: Any
) -> list[Case]:
    """The running cases of `process_id` whose latest `field` equals `value`, read through the index (filled
    first, once, on a store that predates it)."""
    if store.match_backfill_pending():
        backfill(store, definitions)
    text = key_value(value)
    if text is None:
        return []
    found = []
    for case_id in store.matching(process_id, str(field), text):
        case = store.get(case_id)
        latest = case.latest(field.document)
        if latest is None or key_value(latest.data.get(field.field)) != text:
            continue
        if not definitions(case).states[case.state].final:
            found.append(case)
    return found
