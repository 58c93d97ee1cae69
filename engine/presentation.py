"""Readable views of definitions and cases, shared by the CLI and the demo."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from engine.deadlines import Obligation
from engine.definition.model import Deadline, ProcessDefinition, Requirement, State, Text
from engine.records import ASSIGNMENT_KINDS, ROUND_KINDS, Case, Event, current_assignment
from engine.store.base import CaseSummary


def _t(text: Text, lang: str | None) -> str:
    return text.get(lang)


def _ref(ref: str) -> str:
    return f" ({ref})" if ref else ""


def _requires(requirements: tuple[Requirement, ...]) -> str:
    return ", ".join(str(r) for r in requirements)


def describe_deadline(deadline: Deadline) -> str:
    """The rule in plain words, e.g. 'within 1 working day after documents.signed_contract.signed_at'."""
    if deadline.kind == "within":
        met = "" if deadline.met_by.kind == "leave" else f", met by {deadline.met_by}"
        anchor = "entering the state" if deadline.after.kind == "entered" else str(deadline.after)
        return f"within {deadline.within} after {anchor}{met}"
    if deadline.kind == "lead_time":
        soft = " (soft: recorded, not refused)" if deadline.soft else ""
        return f"{deadline.field} at least {deadline.at_least} after it is recorded{soft}"
    most = f"–{deadline.max}" if deadline.max and deadline.max != deadline.min else ""
    return f"{deadline.action} {deadline.min}{most} time(s) every {deadline.per}"


def _parallel_lines(state: State) -> list[str]:
    """A state's regions (side by side, and what its exits wait for) and its sign-off round."""
    lines = []
    if state.regions:
        sides = " ‖ ".join(f"{r.id} ({' → '.join(r.states)})" for r in state.regions)
        lines.append(f"        regions: {sides}; moves out wait for {', '.join(state.join) or 'nothing'}")
    rule = state.signoff
    if rule is not None:
        how = {"all": "all of", "any": "any of", "quorum": f"{rule.quorum} of"}[rule.mode]
        order = ", in order" if rule.ordered else ""
        outcome = f" → {rule.on_approve or '-'} / {rule.on_reject or '-'}"
        lines.append(f"        sign-off: {how} {', '.join(rule.signers)}{order}{outcome}")
    return lines


def outline(definition: ProcessDefinition, lang: str | None = None) -> str:
    d = definition
    lines = [f"{d.id} {d.version} — {_t(d.title, lang)}  [{d.key}]"]
    if d.calendar:
        cutoff = f", cut-off {d.calendar.cutoff}" if d.calendar.cutoff else ""
        lines.append(f"calendar: {d.calendar.country}, {d.calendar.timezone}{cutoff}")
    lines.append("\nroles:")
    for role in d.roles.values():
        external = "  [external]" if role.external else ""
        lines.append(f"  {role.id:<24} {_t(role.title, lang)}{_ref(role.ref)}{external}")
    lines.append("\ndocuments:")
    for doc in d.documents.values():
        by = (
            "computed from " + ", ".join(doc.computed.inputs)
            if doc.computed
            else "by " + (", ".join(doc.produced_by) or "nobody")
        )
        shared = "  [shared]" if doc.shared else ""
        lines.append(f"  {doc.id:<24} {_t(doc.title, lang)}{_ref(doc.ref)} — {by}{shared}")
    lines.append("\nstages:")
    for stage in d.stages:
        pipeline = f"  → {stage.pipeline}" if stage.pipeline else ""
        lines.append(f"  {stage.index + 1}. {stage.id} {_t(stage.title, lang)}{_ref(stage.ref)}{pipeline}")
        if str(stage.goal):
            lines.append(f"     goal: {_t(stage.goal, lang)}")
        for deadline in stage.deadlines:
            lines.append(f"     deadline {deadline.ref or deadline.id}: {describe_deadline(deadline)}")
        for state in (s for s in d.states.values() if s.stage == stage.id):
            tags = " [initial]" if state.id == d.initial else ""
            tags += (" [end of its region]" if state.parent else " [final]") if state.final else ""
            tags += f" [in {state.parent} ▸ {state.region}]" if state.parent else ""
            lines.append(f"     {state.id} {_t(state.title, lang)}{_ref(state.ref)}{tags}")
            lines.extend(_parallel_lines(state))
            if state.owner:
                lines.append(
                    f"        owner: {state.owner}"
                    + (f"; with {', '.join(state.participants)}" if state.participants else "")
                )
            if state.requires:
                lines.append(f"        requires: {_requires(state.requires)}")
            for deadline in state.deadlines:
                lines.append(f"        deadline {deadline.ref or deadline.id}: {describe_deadline(deadline)}")
            for t in d.transitions:
                if state.id in t.sources:
                    extra = f"  needs {_requires(t.requires)}" if t.requires else ""
                    guard = f"  if {t.guard}" if t.guard else ""
                    who = ", ".join(t.roles) or "nobody"
                    lines.append(f"        --{t.trigger}--> {t.dest}  [{who}]{extra}{guard}")
    return "\n".join(lines) + "\n"


def describe_event(event: Event, zone: tzinfo = UTC) -> str:
    at = event.at.astimezone(zone).isoformat(timespec="minutes")
    who = f"{event.actor} ({event.role})"
    if event.kind == "started":
        return f"{at}  {who} started the case in {event.dest}"
    if event.kind == "fired":
        inside = (event.data or {}).get("active")
        regions = f" ({' ‖ '.join(inside)})" if inside else ""
        return f"{at}  {who} fired {event.trigger}: {event.source} → {event.dest}{regions}"
    if event.kind in ASSIGNMENT_KINDS:
        data = event.data or {}
        to = data.get("person") or f"the {data.get('role')} queue"
        came = f" from {data['from']}" if data.get("from") else ""
        back = f", back to {data['back_to']} when done" if data.get("back_to") else ""
        return f"{at}  {who} {event.kind}{came} → {to} ({data.get('rule')}{back})"
    if event.kind in ROUND_KINDS:
        data = event.data or {}
        if event.kind == "signed":
            comment = f": {data['comment']}" if data.get("comment") else ""
            return f"{at}  {who} signed {data.get('verdict')} on {data.get('state')}{comment}"
        change = "added" if event.kind == "signer_added" else "removed"
        return f"{at}  {who} {change} signer {data.get('signer')} on {data.get('state')}"
    if event.kind in ("reminded", "escalated", "breach", "migrated", "recalendared"):
        details = ", ".join(
            f"{k}={v}" for k, v in (event.data or {}).items() if v not in (None, [], "") and k != "table"
        )
        return f"{at}  {who} {event.kind}: {details}"
    verb = "computed" if event.kind == "computed" else "submitted"
    return f"{at}  {who} {verb} {event.document} v{event.document_version} ({(event.document_hash or '')[:12]})"


def zone_of(definition: ProcessDefinition) -> tzinfo:
    """The time zone a process's instants are shown in."""
    return ZoneInfo(definition.calendar.timezone) if definition.calendar else UTC


def case_rows(
    cases: Iterable[Case | CaseSummary], definition_of: Callable[[str, str], ProcessDefinition]
) -> Iterator[dict[str, Any]]:
    """`case_row` for each case as it comes (a list is printed while it is read), the words of each (version,
    state) looked up once per list, not once per row."""
    words: dict[tuple[str, str], dict[str, Any]] = {}
    for case in cases:
        key = (case.definition_hash, case.state)
        if key not in words:
            row = case_row(case, definition_of(case.process_id, case.definition_hash))
            words[key] = {k: v for k, v in row.items() if k not in ("id", "updated_at")}
        yield {"id": case.id, **words[key], "updated_at": case.updated_at.isoformat()}


def case_row(case: Case | CaseSummary, definition: ProcessDefinition) -> dict[str, Any]:
    """A case as one line of a list: where it stands and who owns that (from its store row: no history)."""
    return {
        "id": case.id,
        "process": case.process_id,
        "version": definition.version,
        "state": case.state,
        "stage": definition.stage_of(case.state).id,
        "owner": definition.states[case.state].owner,
        "updated_at": case.updated_at.isoformat(),
    }


def describe_case(
    case: Case, definition: ProcessDefinition, lang: str | None = None, zone: tzinfo = UTC
) -> dict[str, Any]:
    state = definition.states[case.state]
    stage = definition.stage_of(case.state)
    return {
        "id": case.id,
        "process": definition.id,
        "version": definition.version,
        "definition_hash": definition.content_hash,
        "state": case.state,
        "active": list(case.leaves),  # inside regions: each region's current state
        "state_title": _t(state.title, lang),
        "stage": stage.id,
        "stage_title": _t(stage.title, lang),
        "pipeline": definition.pipeline_of(case.state),
        "owner": state.owner,
        "assignee": assignment.person if (assignment := current_assignment(case)) else None,
        "final": state.final,
        "case_version": case.version,
        "documents": [
            {
                "id": name,
                "version": versions[-1].version,
                "hash": versions[-1].hash,
                "by": versions[-1].actor,
                "at": versions[-1].at.astimezone(zone).isoformat(timespec="minutes"),
            }
            for name, versions in case.documents.items()
        ],
        "history": [describe_event(e) for e in case.history],
    }


def span(delta: timedelta) -> str:
    minutes = int(abs(delta).total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = [f"{days}d"] if days else []
    parts += [f"{hours}h"] if hours else []
    parts += [f"{mins}m"] if mins and not days else []
    return " ".join(parts) or "0m"


def describe_obligation(obligation: Obligation, now: datetime, zone: tzinfo, lang: str | None = None) -> dict[str, Any]:
    """An obligation as plain data: what, when due (local time), and how it stands."""

    def local(at: datetime | None) -> str | None:
        return at.astimezone(zone).isoformat(timespec="minutes") if at else None

    deadline = obligation.deadline
    remaining, lateness = obligation.remaining(now), obligation.lateness(now)
    return {
        "key": obligation.key,
        "deadline": deadline.id,
        "ref": deadline.ref,
        "title": deadline.title.get(lang),
        "rule": describe_deadline(deadline),
        "scope": obligation.scope,
        "owner": obligation.owner,
        "status": obligation.status,
        "due_at": local(obligation.due_at),
        "met_at": local(obligation.met_at),
        "met_by": obligation.met_by,
        "count": obligation.count,
        "min": deadline.min if deadline.kind == "recurring" else None,
        "remaining": span(remaining) if remaining is not None else None,
        "late_by": span(lateness) if lateness is not None else None,
        "provisional": obligation.provisional,
    }


def obligation_line(info: dict[str, Any]) -> str:
    name = info["ref"] or info["deadline"]
    status = info["status"]
    if info["count"] is not None:  # a recurring period
        return (
            f"{name:<5} {status:<8} {info['count']} of at least {info['min']} "
            f"in the period ending {info['due_at']}  {info['title']}"
        )
    detail = {
        "open": f"due {info['due_at']} (in {info['remaining']})",
        "overdue": f"was due {info['due_at']}, {info['late_by']} late",
        "met": f"met {info['met_at']} by {info['met_by'] or '-'} (due {info['due_at']})",
        "late": f"met {info['met_at']} by {info['met_by'] or '-'}, {info['late_by']} late",
        "missed": f"missed (due {info['due_at']})",
        "waiting": "waiting for its start (the anchor is not known yet)",
        "breach": f"breached: {info['rule']}",
    }[status]
    warn = " (provisional: this year's official working days are not published yet)" if info["provisional"] else ""
    return f"{name:<5} {status:<8} {detail}  {info['title']}{warn}"
