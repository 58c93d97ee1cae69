"""The definition model: what a process file says, as frozen data with no behaviour.

A loaded definition never changes. Cases refer to it by process id and content
hash; the runtime compiles it into a machine once. The values its parts are
written with (text, durations, field references, anchors, steps) are in
engine/definition/values.py.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

from .values import EMPTY, ENTERED, LEAVE, NO_TEXT, Action, Anchor, Duration, FieldRef, Text


@dataclass(frozen=True)
class Escalation:
    overdue_by: Duration
    notify: str
    action: Literal["notify", "flag", "reassign"] = "notify"
    message: Mapping[str, str] = dataclasses.field(default_factory=lambda: EMPTY)  # locale or * → template
    urgent: bool = False  # sent even on a non-working day and in quiet hours


@dataclass(frozen=True)
class Deadline:
    """A time obligation. Declared here; evaluated by the deadline engine."""

    id: str
    title: Text
    kind: Literal["within", "lead_time", "recurring"]
    scope: str  # the state or stage id that declares it
    ref: str = ""
    within: Duration | None = None
    after: Anchor = ENTERED
    met_by: Action = LEAVE
    field: FieldRef | None = None
    at_least: Duration | None = None
    soft: bool = False
    action: Action | None = None
    min: int = 0
    max: int | None = None
    per: Duration | None = None
    remind_before: Duration | None = None
    escalate: tuple[Escalation, ...] = ()
    reminder_message: Mapping[str, str] = dataclasses.field(default_factory=lambda: EMPTY)  # locale or * → template


@dataclass(frozen=True)
class Role:
    id: str
    title: Text
    ref: str = ""
    description: Text = NO_TEXT
    external: bool = False


@dataclass(frozen=True)
class Rule:
    """One rule of a computed field; `when` is None for the 'otherwise' rule."""

    when: str | None
    value: Any


@dataclass(frozen=True)
class ComputedField:
    name: str
    expression: str | None = None
    rules: tuple[Rule, ...] = ()


@dataclass(frozen=True)
class Computed:
    inputs: tuple[str, ...]
    fields: tuple[ComputedField, ...]


@dataclass(frozen=True)
class DocumentSpec:
    id: str
    title: Text
    schema_file: str
    schema: Mapping[str, Any]
    ref: str = ""
    description: Text = NO_TEXT
    template: str | None = None
    produced_by: tuple[str, ...] = ()
    shared: bool = False
    computed: Computed | None = None
    choices: Mapping[str, Mapping[str, Text]] = field(default_factory=lambda: EMPTY)  # field → value → title

    def choice(self, field_name: str, value: Any) -> Text | None:
        """The title the definition gives `value` of `field_name`, if it gives one."""
        return self.choices.get(field_name, EMPTY).get(value) if isinstance(value, str) else None


@dataclass(frozen=True)
class PipelinePosition:
    id: str
    title: Text


@dataclass(frozen=True)
class Stage:
    id: str
    title: Text
    index: int
    ref: str = ""
    goal: Text = NO_TEXT
    pipeline: str | None = None
    deadlines: tuple[Deadline, ...] = ()


@dataclass(frozen=True)
class Requirement:
    document: str
    fresh: bool = False

    def __str__(self) -> str:
        return f"{self.document} (a new version)" if self.fresh else self.document


@dataclass(frozen=True)
class Signoff:
    """A step that needs several people's verdicts: `all` (会签), `any` (或签) or a `quorum` of approvals (票签).

    Signers are roles; each sign-off is its own event, by its actor. When the round is decided the engine
    fires `on_approve` or `on_reject` (as the system); the owner may add or remove signers while it is open."""

    mode: Literal["all", "any", "quorum"]
    signers: tuple[str, ...]
    quorum: int | None = None  # approvals needed in quorum mode
    ordered: bool = False  # signers sign in the listed order
    on_approve: str | None = None
    on_reject: str | None = None

    def needed(self, signers: int) -> int:
        """Approvals that decide the round for this many signers."""
        return {"all": signers, "any": 1, "quorum": self.quorum or 0}[self.mode]


@dataclass(frozen=True)
class Region:
    """One line of work inside a state, running side by side with the state's other regions.

    Its states are ordinary states (owners, documents, deadlines) whose `parent` is the enclosing state;
    the region is done when it stands in one of its `final` states (its ends)."""

    id: str
    title: Text
    initial: str
    states: tuple[str, ...]
    ref: str = ""


@dataclass(frozen=True)
class State:
    id: str
    stage: str
    title: Text
    ref: str = ""
    description: Text = NO_TEXT
    owner: str | None = None
    participants: tuple[str, ...] = ()
    requires: tuple[Requirement, ...] = ()
    deadlines: tuple[Deadline, ...] = ()
    final: bool = False  # in a region: one of the region's ends, not the end of the case
    pipeline: str | None = None
    regions: tuple[Region, ...] = ()  # work running side by side while the case is in this state
    join: tuple[str, ...] = ()  # the regions that must be done before a non-interrupting move leaves
    parent: str | None = None  # the state whose region holds this one
    region: str | None = None
    signoff: Signoff | None = None
    assignment_message: Mapping[str, str] = dataclasses.field(default_factory=lambda: EMPTY)  # locale or * → template


@dataclass(frozen=True)
class Transition:
    index: int
    trigger: str
    sources: tuple[str, ...]
    dest: str
    title: Text = NO_TEXT
    ref: str = ""
    roles: tuple[str, ...] = ()
    requires: tuple[Requirement, ...] = ()
    guard: str | None = None
    interrupts: bool = False  # leaves a state with regions at once, whatever its regions are doing


@dataclass(frozen=True)
class Separation:
    """Whoever did `did` on a case may not do `may_not` on the same case."""

    id: str
    title: Text
    did: Action
    may_not: Action
    ref: str = ""


AssignmentKind = Literal["round_robin", "least_loaded", "keep", "by", "queue"]
Visibility = Literal["all", "team", "involved"]


@dataclass(frozen=True)
class AssignmentRule:
    """Who gets a case's work in some states: picked among the holders of `role` (default: the state's owner)."""

    rule: AssignmentKind
    states: tuple[str, ...] = ()  # where it applies; empty: every state `role` owns
    role: str | None = None
    step: Action | None = None  # keep: whoever did this earlier step keeps the case
    lookup: FieldRef | None = None  # by: this document field's value, looked up in `table`
    table: Mapping[str, str] = field(default_factory=lambda: EMPTY)

    def applies(self, state: State) -> bool:
        return state.id in self.states if self.states else (self.role is not None and state.owner == self.role)


@dataclass(frozen=True)
class InboundEvent:
    """What an outside system's event does: submit `submit` on the case `match` finds, or on a new case."""

    id: str
    title: Text
    submit: str
    start: bool = False
    match: FieldRef | None = None  # the case's field …
    match_from: str = ""  # … that must equal this member of the event's body


@dataclass(frozen=True)
class Integration:
    """An outside system allowed to send events, acting in one role of the process."""

    id: str
    title: Text
    acts_as: str
    events: Mapping[str, InboundEvent]


@dataclass(frozen=True)
class Invariant:
    """No single person may take a case from `start` to `end` alone (each a state, stage or pipeline position id);
    checked by `procflow authority` from the file."""

    id: str
    start: str
    end: str
    title: Text = NO_TEXT
    ref: str = ""


@dataclass(frozen=True)
class Calendar:
    country: str
    timezone: str
    cutoff: str | None = None


@dataclass(frozen=True)
class ProcessDefinition:
    """A loaded, checked process. `content_hash` identifies this exact version."""

    id: str
    version: str
    locale: str
    title: Text
    roles: Mapping[str, Role]
    documents: Mapping[str, DocumentSpec]
    stages: tuple[Stage, ...]
    states: Mapping[str, State]
    initial: str
    transitions: tuple[Transition, ...]
    content_hash: str
    description: Text = NO_TEXT
    calendar: Calendar | None = None
    pipeline: tuple[PipelinePosition, ...] = ()
    separation: tuple[Separation, ...] = ()
    messages: Mapping[str, Mapping[str, str]] = field(default_factory=lambda: EMPTY)  # kind → locale → template
    integrations: Mapping[str, Integration] = field(default_factory=lambda: EMPTY)
    invariants: tuple[Invariant, ...] = ()
    assignment: tuple[AssignmentRule, ...] = ()
    visibility: Mapping[str, Visibility] = field(default_factory=lambda: EMPTY)  # role → what it may see
    templates: Mapping[str, str] = field(default_factory=lambda: EMPTY)
    schemas: Mapping[str, Mapping[str, Any]] = field(default_factory=lambda: EMPTY)
    raw: Mapping[str, Any] = field(default_factory=lambda: EMPTY)
    source_file: str = ""
    source_text: str = ""

    @property
    def key(self) -> str:
        """Short printable identity: `sales@1.0#3f2a9c1b`."""
        return f"{self.id}@{self.version}#{self.content_hash[:8]}"

    @cached_property
    def match_fields(self) -> tuple[FieldRef, ...]:
        """Every field the process's inbound events find a case by, each once, in a stable order (asked at
        every commit: worked out once per definition)."""
        found = {
            event.match
            for integration in self.integrations.values()
            for event in integration.events.values()
            if event.match is not None
        }
        return tuple(sorted(found, key=str))

    @cached_property
    def _stages_by_id(self) -> Mapping[str, Stage]:
        return {stage.id: stage for stage in self.stages}

    def stage_of(self, state: str) -> Stage:
        return self._stages_by_id[self.states[state].stage]

    def region_of(self, state: str) -> Region | None:
        """The region holding `state`, or None for a top-level state."""
        spec = self.states[state]
        if spec.parent is None:
            return None
        return next(r for r in self.states[spec.parent].regions if r.id == spec.region)

    def top(self, state: str) -> str:
        """The top-level state `state` is in (itself, or the state whose region holds it)."""
        return self.states[state].parent or state

    def assignment_for(self, state: str) -> AssignmentRule | None:
        """The first rule that applies to `state`; None: the state's owner role's queue (or nobody, if final)."""
        found = self.states[state]
        return next((rule for rule in self.assignment if rule.applies(found)), None)

    def pipeline_of(self, state: str) -> str | None:
        return self.states[state].pipeline or self.stage_of(state).pipeline
