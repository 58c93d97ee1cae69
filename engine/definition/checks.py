"""Graph and reference checks on a built definition: everything the JSON Schema cannot see.

Each check yields findings (a YAML path, a message, a severity) so that the
loader can report every problem at once, located in the file. This module holds
the checks of roles, states, the graph, documents, schemas, templates, deadlines
and calendars, and `CHECKS`, the order every check runs in (the ones on
expressions, people and invariants are in their own modules beside it).
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterator, Mapping
from typing import Any

from ..calendars import calendar_problems
from ..errors import Problem
from ..suggest import did_you_mean
from . import messages
from .check_context import Check, Context, Finding, action_findings, field_findings
from .expression_checks import computed_checks, guard_checks
from .invariant_checks import invariant_checks
from .model import Deadline, ProcessDefinition, Requirement
from .names import reserved_names
from .people_checks import people_checks, separation_checks
from .reader import Path
from .regions import region_problems, state_path
from .signoffs import signoff_problems
from .values import Duration


def run_checks(context: Context) -> list[Finding | Problem]:
    return [finding for check in CHECKS for finding in check(context)]


def _role_refs(c: Context) -> Iterator[Finding]:
    d = c.definition
    roles = d.roles

    def check(path: Path, role: str | None) -> Iterator[Finding]:
        if role is not None and role not in roles:
            yield Finding(path, c.unknown("role", role, roles))

    for doc in d.documents.values():
        for i, role in enumerate(doc.produced_by):
            yield from check(("documents", doc.id, "produced_by", i), role)
    for state in d.states.values():
        yield from check((*state_path(d, state.id), "owner"), state.owner)
        for i, role in enumerate(state.participants):
            yield from check((*state_path(d, state.id), "participants", i), role)
    for t in d.transitions:
        for i, role in enumerate(t.roles):
            yield from check(("transitions", t.index, "roles", i), role)
            if role in roles and roles[role].external:
                yield Finding(
                    ("transitions", t.index, "roles", i),
                    f"role {role!r} is external (it does not act in the system); let a team role fire {t.trigger!r}",
                    "warning",
                )
        if not t.roles:
            yield Finding(
                ("transitions", t.index),
                f"transition {t.trigger!r} names no roles, so nobody can fire it; add roles: [...]",
                "warning",
            )
    for path, deadline in _deadlines(d):
        for i, escalation in enumerate(deadline.escalate):
            yield from check((*path, "escalate", i, "notify"), escalation.notify)
    initial = d.states.get(d.initial)
    if initial is not None and not (initial.owner or initial.participants):
        yield Finding(
            ("states", d.initial),
            f"the initial state {d.initial!r} has no owner, so nobody can start a case; add owner: <role>",
            "warning",
            key=True,
        )
    external = {r for r, role in roles.items() if role.external}
    for doc in d.documents.values():
        for i, role in enumerate(doc.produced_by):
            if role in external:
                yield Finding(
                    ("documents", doc.id, "produced_by", i),
                    f"role {role!r} is external; let a team role record {doc.id!r} on its behalf",
                    "warning",
                )


def _state_refs(c: Context) -> Iterator[Finding]:
    d = c.definition
    stage_ids = [s.id for s in d.stages]
    pipeline_ids = [p.id for p in d.pipeline]
    if d.initial not in d.states:
        yield Finding(("initial",), c.unknown("state", d.initial, d.states))
    for state in d.states.values():
        if state.stage not in stage_ids:
            yield Finding((*state_path(d, state.id), "stage"), c.unknown("stage", state.stage, stage_ids))
        if state.pipeline is not None and state.pipeline not in pipeline_ids:
            yield Finding((*state_path(d, state.id), "pipeline"), _pipeline_message(c, state.pipeline, pipeline_ids))
    for i, stage in enumerate(d.stages):
        if stage.pipeline is not None and stage.pipeline not in pipeline_ids:
            yield Finding(("stages", i, "pipeline"), _pipeline_message(c, stage.pipeline, pipeline_ids))
        if not any(s.stage == stage.id for s in d.states.values()):
            yield Finding(("stages", i), f"stage {stage.id!r} has no states", "warning")
    seen_position: set[str] = set()
    for i, position in enumerate(d.pipeline):
        if position.id in seen_position:
            yield Finding(("pipeline", i, "id"), f"pipeline position {position.id!r} is listed twice")
        seen_position.add(position.id)
    seen_stage: set[str] = set()
    for i, stage in enumerate(d.stages):
        if stage.id in seen_stage:
            yield Finding(("stages", i, "id"), f"stage id {stage.id!r} is used twice")
        seen_stage.add(stage.id)
    for t in d.transitions:
        for j, source in enumerate(t.sources):
            if source not in d.states:
                path: Path = (
                    ("transitions", t.index, "from", j) if len(t.sources) > 1 else ("transitions", t.index, "from")
                )
                yield Finding(path, c.unknown("state", source, d.states))
        if t.dest not in d.states:
            yield Finding(("transitions", t.index, "to"), c.unknown("state", t.dest, d.states))


def _pipeline_message(c: Context, name: str, known: list[str]) -> str:
    if not known:
        return f"pipeline position {name!r} is used but the process declares no 'pipeline' list"
    return c.unknown("pipeline position", name, known)


def _graph(c: Context) -> Iterator[Finding]:
    d = c.definition
    pairs: dict[tuple[str, str], int] = {}
    outgoing: dict[str, set[str]] = {s: set() for s in d.states}
    for t in d.transitions:
        for source in t.sources:
            if source in d.states and d.states[source].final:
                yield Finding(
                    ("transitions", t.index, "from"),
                    f"{t.trigger!r} leaves final state {source!r}; a final state has no way out "
                    "(remove 'final: true' or the transition)",
                )
            first = pairs.setdefault((t.trigger, source), t.index)
            if first != t.index:
                yield Finding(
                    ("transitions", t.index, "trigger"),
                    f"trigger {t.trigger!r} already leaves state {source!r} (transitions[{first}]); "
                    "give each move from a state its own trigger name",
                )
            if source in outgoing and t.dest in d.states:
                outgoing[source].add(t.dest)
    if d.initial not in d.states:
        return
    entering = {s.id: {r.initial for r in s.regions if r.initial in d.states} for s in d.states.values()}
    reached = {d.initial}
    queue = deque([d.initial])
    while queue:
        here = queue.popleft()
        for nxt in outgoing[here] | entering[here]:  # entering a state with regions starts each of them
            if nxt not in reached:
                reached.add(nxt)
                queue.append(nxt)
    for state in d.states.values():
        if state.id not in reached:
            yield Finding(
                state_path(d, state.id),
                f"state {state.id!r} cannot be reached from the initial state {d.initial!r}; "
                "add a transition to it or remove it",
                key=True,
            )
        if not state.final and not outgoing[state.id]:
            yield Finding(
                state_path(d, state.id),
                f"state {state.id!r} has no way out; add a transition from it or mark it 'final: true'",
                key=True,
            )
    if not any(s.final for s in d.states.values()):
        yield Finding((), "the process has no final state, so no case can ever finish", "warning")


def _document_refs(c: Context) -> Iterator[Finding]:
    d = c.definition
    required: set[str] = set()

    def check(path: Path, requirements: tuple[Requirement, ...]) -> Iterator[Finding]:
        for i, req in enumerate(requirements):
            required.add(req.document)
            if req.document not in d.documents:
                yield Finding((*path, i), c.unknown("document", req.document, d.documents))
            elif req.fresh and d.documents[req.document].shared:
                yield Finding(
                    (*path, i),
                    f"{req.document!r} is shared by every case, so it is never new in one case; drop 'fresh'",
                )

    for state in d.states.values():
        yield from check((*state_path(d, state.id), "requires"), state.requires)
    for t in d.transitions:
        yield from check(("transitions", t.index, "requires"), t.requires)
    for doc in d.documents.values():
        if doc.computed is None and not doc.produced_by:
            yield Finding(
                ("documents", doc.id),
                f"nobody can submit document {doc.id!r}: add produced_by: [role, ...]",
                "error" if doc.id in required else "warning",
                key=True,
            )
        if doc.computed is not None and doc.produced_by:
            yield Finding(
                ("documents", doc.id, "produced_by"),
                f"document {doc.id!r} is computed by the engine; remove produced_by",
            )


def _schemas(c: Context) -> Iterator[Finding | Problem]:
    for doc in c.definition.documents.values():
        if doc.schema_file in c.missing_files:
            continue
        for message in c.schemas.schema_problems(doc.schema_file):
            yield Finding(("documents", doc.id, "schema"), message)
        for pattern, message in c.schemas.pattern_problems(doc.schema_file):
            line, column = _json_position(c.schema_texts.get(doc.schema_file, ""), pattern)
            yield Problem(f"{c.schemas_dir}/{doc.schema_file}", line, column, message, f"documents.{doc.id}.schema")
        if doc.schema.get("type") not in ("object", None):
            yield Finding(
                ("documents", doc.id, "schema"), f"{doc.schema_file}: a document schema must have type: object"
            )


def _json_position(text: str, value: str) -> tuple[int, int]:
    """Line and column of the string `value` as written in JSON `text` (1:1 if it cannot be found)."""
    for spelling in (json.dumps(value, ensure_ascii=False), json.dumps(value)):
        index = text.find(spelling)
        if index >= 0:
            return text.count("\n", 0, index) + 1, index - (text.rfind("\n", 0, index) + 1) + 1
    return 1, 1


def _deadlines(d: ProcessDefinition) -> Iterator[tuple[Path, Deadline]]:
    for i, stage in enumerate(d.stages):
        for j, deadline in enumerate(stage.deadlines):
            yield ("stages", i, "deadlines", j), deadline
    for state in d.states.values():
        for j, deadline in enumerate(state.deadlines):
            yield (*state_path(d, state.id), "deadlines", j), deadline


def _deadline_refs(c: Context) -> Iterator[Finding]:
    d = c.definition
    seen: dict[str, Path] = {}
    for path, deadline in _deadlines(d):
        if deadline.id in seen:
            yield Finding(
                (*path, "id"), f"deadline id {deadline.id!r} is used twice; deadline ids are unique in a process"
            )
        seen.setdefault(deadline.id, path)
        if deadline.after.kind == "field" and deadline.after.field:
            yield from field_findings(c, deadline.after.field, (*path, "after"), dates=True)
        if deadline.after.kind == "event" and deadline.after.trigger not in c.triggers:
            yield Finding((*path, "after"), c.unknown("trigger", deadline.after.trigger, c.triggers))
        if deadline.field is not None:
            yield from field_findings(c, deadline.field, (*path, "lead_time", "field"), dates=True)
        for key, action in (("met_by", deadline.met_by), ("recurring", deadline.action)):
            if action is not None:
                where = (*path, key) if key == "met_by" else (*path, key, "action")
                yield from action_findings(c, action, where)
        raw = _raw(c.definition.raw, path)
        for key in ("after", "met_by"):
            if key in raw and deadline.kind != "within":
                yield Finding((*path, key), f"{key!r} applies only to 'within' deadlines; remove it", key=True)
        if deadline.max is not None and deadline.max < deadline.min:
            yield Finding((*path, "recurring", "max"), f"max ({deadline.max}) is less than min ({deadline.min})")


def _raw(data: Mapping[str, Any], path: Path) -> Mapping[str, Any]:
    node: Any = data
    for part in path:
        node = node[part]
    return node if isinstance(node, Mapping) else {}


def _reserved(c: Context) -> Iterator[Finding]:
    for path, message, key in reserved_names(c.definition):
        where = state_path(c.definition, str(path[1])) if path[0] == "states" else path  # a region's state nests
        yield Finding(where, message, key=key)


def _message_templates(c: Context) -> Iterator[Finding | Problem]:
    yield from messages.problems(c.definition, c.renderer, c.templates_dir)


def _templates(c: Context) -> Iterator[Finding | Problem]:
    for doc in c.definition.documents.values():
        if doc.template is None or doc.template not in c.definition.templates:
            continue
        file = f"{c.templates_dir}/{doc.template}"
        found = list(c.renderer.problems(doc.template))
        for template, line, message in found:
            yield Problem(f"{c.templates_dir}/{template}", line, 1, message, f"documents.{doc.id}.template")
        if found:
            continue
        for name, line in sorted(c.renderer.undeclared(doc.template).items()):
            yield Problem(
                file,
                line,
                1,
                f"template uses {name!r}; templates can use doc, case, process, document",
                f"documents.{doc.id}.template",
            )
        if doc.schema_file in c.missing_files:
            continue
        for line, parts in c.renderer.fields_used(doc.template):
            if c.schemas.field(doc.schema_file, parts) is None:
                field = ".".join(str(p) for p in parts if not isinstance(p, int))
                known = list(doc.schema.get("properties", {}))
                yield Problem(
                    file,
                    line,
                    1,
                    f"template uses doc.{field}, which {doc.schema_file} does not declare"
                    f"{did_you_mean(str(parts[0]), known)}",
                    f"documents.{doc.id}.template",
                )


def _calendar(c: Context) -> Iterator[Finding]:
    d = c.definition
    if d.calendar is not None:
        for key, message in calendar_problems(d.calendar.country, d.calendar.timezone):
            yield Finding(("calendar", key), message)
        return
    for path, deadline in _deadlines(d):
        durations: list[tuple[Path, Duration | None]] = [
            (("within",), deadline.within),
            (("lead_time", "at_least"), deadline.at_least),
            (("recurring", "per"), deadline.per),
            (("remind_before",), deadline.remind_before),
            *((("escalate", i, "overdue_by"), e.overdue_by) for i, e in enumerate(deadline.escalate)),
        ]
        for where, duration in durations:
            if duration is not None and duration.unit == "working_days":
                yield Finding(
                    (*path, *where),
                    "working days need a calendar: add calendar: {country: CN, timezone: Asia/Shanghai} "
                    "(your country and time zone) at the top level",
                )


def _regions(c: Context) -> Iterator[Finding]:
    for found in (*region_problems(c.definition), *signoff_problems(c.definition)):
        yield Finding(found.path, found.message, found.severity, found.key)


CHECKS: tuple[Check, ...] = (
    _role_refs,
    _state_refs,
    _graph,
    _document_refs,
    _schemas,
    _deadline_refs,
    guard_checks,
    computed_checks,
    _templates,
    _message_templates,
    _calendar,
    separation_checks,
    _reserved,
    invariant_checks,
    _regions,
    people_checks,
)
