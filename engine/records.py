"""The records every layer shares — cases, events, document versions, actors — and what they say at a glance.

This module imports nothing of procflow but the ground (canonical form), so the definition, runtime, store,
deadline and report layers can all use it without importing each other.

How events fold into a case (the snapshot kept step by step, and replay) is `fold`'s job; the hash chain
over the events (each one's digest, sealing a new one) is `chain`'s.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import field
from datetime import datetime
from types import MappingProxyType
from typing import Any, Literal

from .canonical import JCS
from .immutable import record

EventKind = Literal[
    "started",
    "submitted",
    "computed",
    "fired",
    "reminded",
    "escalated",
    "breach",
    "migrated",
    "signed",
    "signer_added",
    "signer_removed",
    "recalendared",
    "assigned",
    "claimed",
    "released",
    "reassigned",
    "delegated",
    "transferred",
]
# who holds the case's work now: each names a person (or none: back in the role's queue) for the current state
ASSIGNMENT_KINDS = ("assigned", "claimed", "released", "reassigned", "delegated", "transferred")
NOTE_KINDS = ("reminded", "escalated", "breach", "recalendared", *ASSIGNMENT_KINDS)  # change no state or document
ROUND_KINDS = ("signed", "signer_added", "signer_removed")  # a sign-off round's events: data {state, ...}
_EMPTY: Mapping[str, Any] = MappingProxyType({})
SYSTEM = "procflow"
SYSTEM_ROLE = "system"


@record
class Actor:
    """A person of the directory who acts; `role` only when they hold several and it matters.

    The role is never taken on trust: the engine resolves it from the directory at the instant of the
    action (a grant, or a substitute's cover) and refuses a role the person does not hold.
    Written `li` or `li:account_manager` on the command line.
    """

    user: str
    role: str | None = None

    @classmethod
    def parse(cls, text: str) -> Actor:
        user, sep, role = text.partition(":")
        if not user.strip() or (sep and not role.strip()):
            raise ValueError(f"{text!r} is not PERSON or PERSON:ROLE (for example li or li:account_manager)")
        return cls(user.strip(), role.strip() or None)

    def __str__(self) -> str:
        return f"{self.user}:{self.role}" if self.role else self.user


@record
class Assignment:
    """Who holds a case's work in its current state: a person, or nobody yet (the role's queue)."""

    person: str | None
    role: str | None
    state: str
    rule: str
    seq: int
    back_to: str | None = None  # a delegation: the person the work returns to when done


@record
class Event:
    """One change to one case. `seq` counts from 1 within the case."""

    case_id: str
    seq: int
    kind: EventKind
    at: datetime
    actor: str
    role: str
    definition_hash: str
    trigger: str | None = None
    source: str | None = None
    dest: str | None = None
    document: str | None = None
    document_version: int | None = None
    document_hash: str | None = None
    data: Mapping[str, Any] | None = None
    prev_hash: str | None = None  # the hash of the case's previous event (GENESIS for the first)
    hash: str | None = None  # sha256 over every other field: edit one and the chain breaks
    hash_scheme: int = JCS  # how `hash` spells the fields (engine/canonical.py); older events say 1
    basis: str | None = None  # the directory grant or cover the actor's role rested on (None: older history)


@record
class DocumentVersion:
    document: str
    version: int
    data: Mapping[str, Any]
    hash: str
    actor: str
    role: str
    at: datetime
    seq: int  # the event that stored it (0 for shared documents)


@record
class Case:
    id: str
    process_id: str
    definition_hash: str
    state: str
    version: int  # number of events applied; the optimistic-concurrency counter
    created_at: datetime
    updated_at: datetime
    entered_seq: int = 1  # the event by which the case entered its current state
    data: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)
    documents: Mapping[str, tuple[DocumentVersion, ...]] = field(default_factory=lambda: _EMPTY)
    history: Sequence[Event] = ()  # a tuple, or a `History` a store reads only when someone looks
    # Inside a state with regions: each active leaf state (in region order) → the event that entered it.
    # Empty when the state has no regions, so a flat case is just `state` as before.
    leaves: Mapping[str, int] = field(default_factory=lambda: _EMPTY)
    # The snapshot: what a step needs, folded from the events as they come, so a step never reads the history.
    head: str | None = None  # the hash of the last event
    latest_versions: Mapping[str, DocumentVersion] = field(default_factory=lambda: _EMPTY)
    doers: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: _EMPTY)  # step_keys → people, latest last
    involved: tuple[str, ...] = ()  # every person who acted (not the system) or was given the work, first seen first
    recent: tuple[Event, ...] = ()  # sign-off, assignment and escalation events since entering `state`
    trail: Mapping[str, Any] | None = None  # deadline bookkeeping (procflow.deadlines.trail); None: rebuild it

    @property
    def configuration(self) -> tuple[str, ...]:
        """The active leaf states: the regions' current states, or just `state`."""
        return tuple(self.leaves) if self.leaves else (self.state,)

    def entered(self, state: str) -> int:
        """The event by which the case entered `state` (one of its leaves, or its top-level state)."""
        return self.leaves.get(state, self.entered_seq)

    def latest(self, document: str) -> DocumentVersion | None:
        return self.latest_versions.get(document)


def performs(event: Event, kind: str, name: str) -> bool:
    """Whether `event` is the step `submit:<name>`, `fire:<name>`, or a verdict on state <name>'s sign-off
    (`approve:`, `reject:`, `sign:` for either)."""
    if kind == "submit":
        return event.kind == "submitted" and event.document == name
    if kind in ("approve", "reject", "sign"):
        data = event.data or _EMPTY
        return event.kind == "signed" and data.get("state") == name and (kind == "sign" or data.get("verdict") == kind)
    return kind == "fire" and event.kind == "fired" and event.trigger == name


def step_keys(event: Event) -> tuple[str, ...]:
    """The steps an event takes, as `performs` names them: `start`, `fire:T`, `submit:D`, `approve:S`,
    `reject:S` and `sign:S` (either verdict). The snapshot keeps who took each (`Case.doers`)."""
    if event.kind == "started":
        return ("start",)
    if event.kind == "fired":
        return (f"fire:{event.trigger}",)
    if event.kind == "submitted":
        return (f"submit:{event.document}",)
    if event.kind == "signed":
        data = event.data or _EMPTY
        return (f"{data.get('verdict')}:{data.get('state')}", f"sign:{data.get('state')}")
    return ()


def current_assignment(case: Case) -> Assignment | None:
    """The assignment made for the case's current state, if any (older ones ended when it left their state)."""
    for event in reversed(case.recent):
        if event.kind in ASSIGNMENT_KINDS:
            data = event.data or _EMPTY
            person = data.get("person")
            return Assignment(
                None if person is None else str(person),
                data.get("role"),
                case.state,
                str(data.get("rule", "")),
                event.seq,
                data.get("back_to"),
            )
    return None
