"""How events fold into a case: a case's state, documents and snapshot are nothing but its events applied in
order, so a store can keep the events as the truth and any snapshot as a cache.

`apply` is the hot path of every step (the snapshot the case row keeps is its result); `replay` is the same
fold from the first event, which `verify`, migrations and the tests compare the snapshot against.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

from .history import History, Versions
from .records import ASSIGNMENT_KINDS, NOTE_KINDS, ROUND_KINDS, SYSTEM, Case, DocumentVersion, Event, step_keys

_EMPTY: Mapping[str, Any] = MappingProxyType({})


def all_versions(events: Sequence[Event]) -> dict[str, tuple[DocumentVersion, ...]]:
    """Every version of every document the events stored, in order (what `Versions` reads on first look)."""
    found: dict[str, tuple[DocumentVersion, ...]] = {}
    for event in events:
        if event.kind in ("submitted", "computed") and event.document is not None:
            found[event.document] = (*found.get(event.document, ()), document_version(event))
    return found


def document_version(event: Event) -> DocumentVersion:
    """The document version a `submitted` or `computed` event stores."""
    assert event.document is not None and event.document_version is not None and event.document_hash is not None
    return DocumentVersion(
        document=event.document,
        version=event.document_version,
        data=event.data or _EMPTY,
        hash=event.document_hash,
        actor=event.actor,
        role=event.role,
        at=event.at,
        seq=event.seq,
    )


def apply(case: Case | None, event: Event) -> Case:
    """The case after `event`. Pure: the same events always give the same case."""
    if event.kind == "started":
        if case is not None:
            raise ValueError(f"case {event.case_id} is already started")
        return Case(
            id=event.case_id,
            process_id=str((event.data or {}).get("process_id", "")),
            definition_hash=event.definition_hash,
            state=event.dest or "",
            version=event.seq,
            created_at=event.at,
            updated_at=event.at,
            entered_seq=event.seq,
            data=MappingProxyType(dict((event.data or {}).get("data", {}))),
            history=(event,),
            leaves=MappingProxyType({str(leaf): event.seq for leaf in (event.data or {}).get("active", ())}),
            head=event.hash,
            doers=MappingProxyType({"start": (event.actor,)}),
            involved=(event.actor,) if event.actor != SYSTEM else (),
        )
    if case is None:
        raise ValueError(f"event {event.kind} for case {event.case_id} before it started")
    if event.seq != case.version + 1:
        raise ValueError(f"event {event.seq} of case {case.id} does not follow version {case.version}")
    if event.kind == "fired":
        return _fired(case, event)
    if event.kind == "migrated":  # the case moves to another version of its process (and its regions)
        data = event.data or _EMPTY
        leaves = None
        if "active" in data:
            leaves = MappingProxyType({str(x): case.leaves.get(str(x), event.seq) for x in data["active"]})
        return _next(case, event, definition_hash=event.definition_hash, leaves=leaves)
    if event.kind in NOTE_KINDS or event.kind in ROUND_KINDS:
        return _next(case, event)
    version = document_version(event)  # submitted / computed
    latest = MappingProxyType({**case.latest_versions, version.document: version})
    if type(case.history) is History:  # every version stays in the history, read when someone asks
        return _next(case, event, latest=latest)
    documents = dict(case.documents)
    documents[version.document] = (*documents.get(version.document, ()), version)
    return _next(case, event, documents=MappingProxyType(documents), latest=latest)


def _fired(case: Case, event: Event) -> Case:
    """A move: a flat one names its destination; one into, inside or between regions carries the resulting
    configuration in its data (`state` and the `active` leaves), so replay needs no definition."""
    active = (event.data or _EMPTY).get("active")
    if not active:
        return _next(case, event, state=event.dest or case.state, entered_seq=event.seq, leaves=_EMPTY)
    state = str((event.data or _EMPTY).get("state") or event.dest)
    inside = state == case.state and event.dest != state  # a move within the regions, not a re-entry
    kept = case.leaves if inside else _EMPTY
    leaves = {str(leaf): kept[leaf] if leaf in kept and leaf != event.dest else event.seq for leaf in active}
    entered = case.entered_seq if inside else event.seq
    return _next(case, event, state=state, entered_seq=entered, leaves=MappingProxyType(leaves))


_RECENT_KINDS = frozenset((*ROUND_KINDS, *ASSIGNMENT_KINDS, "escalated"))


def _next(
    case: Case,
    event: Event,
    *,
    state: str | None = None,
    definition_hash: str | None = None,
    entered_seq: int | None = None,
    documents: Mapping[str, tuple[DocumentVersion, ...]] | None = None,
    leaves: Mapping[str, int] | None = None,
    latest: Mapping[str, DocumentVersion] | None = None,
) -> Case:
    """The case one event later (positional construction: this is the hot path of every change)."""
    if type(case.history) is History:  # `type`, not `isinstance`: an ABC's check costs on this hot path
        history: Sequence[Event] = case.history.then(event)
        documents = Versions(history, latest or case.latest_versions, all_versions)
    else:
        history = (*case.history, event)
    entered = entered_seq or case.entered_seq
    recent = case.recent if entered == case.entered_seq else ()
    if event.kind in _RECENT_KINDS:
        recent = (*recent, event)
    return Case(
        case.id,
        case.process_id,
        definition_hash or case.definition_hash,
        state or case.state,
        event.seq,
        case.created_at,
        event.at,
        entered,
        case.data,
        case.documents if documents is None else documents,
        history,
        case.leaves if leaves is None else leaves,
        event.hash,
        case.latest_versions if latest is None else latest,
        _took(case.doers, event),
        _involve(case.involved, event),
        recent,
        case.trail,
    )


def _took(doers: Mapping[str, tuple[str, ...]], event: Event) -> Mapping[str, tuple[str, ...]]:
    keys = step_keys(event)
    actor = event.actor
    for key in keys:
        if doers.get(key, ())[-1:] != (actor,):
            break
    else:
        return doers  # the same person took these steps last: each list stays as it is (no one is in it twice)
    taken = dict(doers)
    for key in keys:
        taken[key] = (*(p for p in taken.get(key, ()) if p != actor), actor)
    return MappingProxyType(taken)


def _involve(people: tuple[str, ...], event: Event) -> tuple[str, ...]:
    if event.kind not in ASSIGNMENT_KINDS:  # most events: only the actor may be new
        actor = event.actor
        return people if actor == SYSTEM or actor in people else (*people, actor)
    found = [event.actor] if event.actor != SYSTEM else []
    person = (event.data or _EMPTY).get("person")
    if person:
        found.append(str(person))
    new = [p for p in found if p not in people]
    return (*people, *dict.fromkeys(new)) if new else people


def with_trail(case: Case, trail: Mapping[str, Any] | None) -> Case:
    """The case with its deadline bookkeeping replaced."""
    return _rebuilt(case, case.history, trail)


def with_history(case: Case, history: Sequence[Event]) -> Case:
    """The case with its history held another way (the same events: a store's lazy reading of them); a lazy
    history brings its own fold of every document version, so nothing of the old history stays reachable."""
    documents = Versions(history, case.latest_versions, all_versions) if type(history) is History else None
    return _rebuilt(case, history, case.trail, documents)


def _rebuilt(
    c: Case,
    history: Sequence[Event],
    trail: Mapping[str, Any] | None,
    documents: Mapping[str, tuple[DocumentVersion, ...]] | None = None,
) -> Case:
    """`dataclasses.replace` is slow on this hot path (it looks up the fields each time)."""
    return Case(
        c.id,
        c.process_id,
        c.definition_hash,
        c.state,
        c.version,
        c.created_at,
        c.updated_at,
        c.entered_seq,
        c.data,
        c.documents if documents is None else documents,
        history,
        c.leaves,
        c.head,
        c.latest_versions,
        c.doers,
        c.involved,
        c.recent,
        trail,
    )


def replay(events: list[Event]) -> Case:
    case: Case | None = None
    for event in events:
        case = apply(case, event)
    if case is None:
        raise ValueError("no events")
    return case
