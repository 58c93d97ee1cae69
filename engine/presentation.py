"""Readable views of definitions and cases, shared by the CLI and the demo."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from .deadlines import Obligation
from .definition.model import Deadline, ProcessDefinition, Requirement, State
from .definition.values import Duration, Text
from .i18n import instant, iso, length_words, pad, translator
from .narration import describe_event
from .records import Case, current_assignment
from .store.base import CaseSummary


def _t(text: Text, lang: str | None) -> str:
    return text.get(lang)


def _ref(ref: str) -> str:
    return f" ({ref})" if ref else ""


def _requires(requirements: tuple[Requirement, ...]) -> str:
    return ", ".join(str(r) for r in requirements)


def duration(length: Duration | None, lang: str | None = None) -> str:
    """'1 working day', '3 天', in the run's language."""
    return "" if length is None else length_words(length.amount, length.unit, lang)


def describe_deadline(deadline: Deadline, lang: str | None = None) -> str:
    """The rule in plain words, e.g. 'within 1 working day after documents.signed_contract.signed_at'."""
    words = translator(lang)
    if deadline.kind == "within":
        anchor = words._("entering the state") if deadline.after.kind == "entered" else str(deadline.after)
        rule = words._("within {length} after {anchor}", length=duration(deadline.within, lang), anchor=anchor)
        return (
            rule
            if deadline.met_by.kind == "leave"
            else words._("{rule}, met by {action}", rule=rule, action=deadline.met_by)
        )
    if deadline.kind == "lead_time":
        rule = words._(
            "{field} at least {length} after it is recorded",
            field=deadline.field,
            length=duration(deadline.at_least, lang),
        )
        return words._("{rule} (soft: recorded, not refused)", rule=rule) if deadline.soft else rule
    most = f"–{deadline.max}" if deadline.max and deadline.max != deadline.min else ""
    count = f"{deadline.min}{most}"
    return words._(
        "{action} {count} time(s) every {length}",
        action=deadline.action,
        count=count,
        length=duration(deadline.per, lang),
    )


def _parallel_lines(state: State, lang: str | None) -> list[str]:
    """A state's regions (side by side, and what its exits wait for) and its sign-off round."""
    words, lines = translator(lang), []
    if state.regions:
        sides = " ‖ ".join(f"{r.id} ({' → '.join(r.states)})" for r in state.regions)
        waits = ", ".join(state.join) or words._("nothing")
        lines.append("        " + words._("regions: {sides}; moves out wait for {waits}", sides=sides, waits=waits))
    rule = state.signoff
    if rule is not None:
        how = {
            "all": words._("all of {signers}", signers=", ".join(rule.signers)),
            "any": words._("any of {signers}", signers=", ".join(rule.signers)),
            "quorum": words._("{n} of {signers}", n=rule.quorum, signers=", ".join(rule.signers)),
        }[rule.mode]
        order = words._(", in order") if rule.ordered else ""
        outcome = f" → {rule.on_approve or '-'} / {rule.on_reject or '-'}"
        lines.append("        " + words._("sign-off: {how}", how=how) + order + outcome)
    return lines


def outline(definition: ProcessDefinition, lang: str | None = None) -> str:
    d, words = definition, translator(lang or definition.locale)
    lines = [f"{d.id} {d.version} — {_t(d.title, lang)}  [{d.key}]"]
    if d.calendar:
        cutoff = words._(", cut-off {time}", time=d.calendar.cutoff) if d.calendar.cutoff else ""
        lines.append(
            words._("calendar: {country}, {zone}", country=d.calendar.country, zone=d.calendar.timezone) + cutoff
        )
    lines.append("\n" + words._("roles:"))
    for role in d.roles.values():
        external = "  [" + words._("external") + "]" if role.external else ""
        lines.append(f"  {role.id:<24} {_t(role.title, lang)}{_ref(role.ref)}{external}")
    lines.append("\n" + words._("documents:"))
    for doc in d.documents.values():
        by = (
            words._("computed from {inputs}", inputs=", ".join(doc.computed.inputs))
            if doc.computed
            else words._("by {roles}", roles=", ".join(doc.produced_by) or words._("nobody"))
        )
        shared = "  [" + words._("shared") + "]" if doc.shared else ""
        lines.append(f"  {doc.id:<24} {_t(doc.title, lang)}{_ref(doc.ref)} — {by}{shared}")
    lines.append("\n" + words._("stages:"))
    for stage in d.stages:
        pipeline = f"  → {stage.pipeline}" if stage.pipeline else ""
        lines.append(f"  {stage.index + 1}. {stage.id} {_t(stage.title, lang)}{_ref(stage.ref)}{pipeline}")
        if str(stage.goal):
            lines.append("     " + words._("goal: {goal}", goal=_t(stage.goal, lang)))
        for deadline in stage.deadlines:
            rule = describe_deadline(deadline, words.lang)
            lines.append("     " + words._("deadline {name}: {rule}", name=deadline.ref or deadline.id, rule=rule))
        for state in (s for s in d.states.values() if s.stage == stage.id):
            lines.extend(_state_lines(d, state, lang))
    return "\n".join(lines) + "\n"


def _state_lines(d: ProcessDefinition, state: State, lang: str | None) -> list[str]:
    words = translator(lang or d.locale)
    tags = " [" + words._("initial") + "]" if state.id == d.initial else ""
    if state.final:
        tags += " [" + (words._("end of its region") if state.parent else words._("final")) + "]"
    place = f"{state.parent} ▸ {state.region}"
    tags += " [" + words._("in {place}", place=place) + "]" if state.parent else ""
    lines = [f"     {state.id} {_t(state.title, lang)}{_ref(state.ref)}{tags}"]
    lines.extend(_parallel_lines(state, words.lang))
    if state.owner:
        with_ = words._("; with {roles}", roles=", ".join(state.participants)) if state.participants else ""
        lines.append("        " + words._("owner: {role}", role=state.owner) + with_)
    if state.requires:
        lines.append("        " + words._("requires: {documents}", documents=_requires(state.requires)))
    for deadline in state.deadlines:
        rule = describe_deadline(deadline, words.lang)
        lines.append("        " + words._("deadline {name}: {rule}", name=deadline.ref or deadline.id, rule=rule))
    for t in d.transitions:
        if state.id in t.sources:
            extra = "  " + words._("needs {documents}", documents=_requires(t.requires)) if t.requires else ""
            guard = "  " + words._("if {condition}", condition=t.guard) if t.guard else ""
            who = ", ".join(t.roles) or words._("nobody")
            lines.append(f"        --{t.trigger}--> {t.dest}  [{who}]{extra}{guard}")
    return lines


def zone_of(definition: ProcessDefinition) -> tzinfo:
    """The time zone a process's instants are shown in."""
    return ZoneInfo(definition.calendar.timezone) if definition.calendar else UTC


def case_rows(
    cases: Iterable[Case | CaseSummary],
    definition_of: Callable[[str, str], ProcessDefinition],
    *,
    times: bool = True,
) -> Iterator[dict[str, Any]]:
    """`case_row` for each case as it comes (a list is printed while it is read), the words of each (version,
    state) looked up once per list, not once per row; times in each process's own zone (`times=False`: no
    `updated_at`, for a table that does not show it — formatting it is a third of a long list's cost)."""
    words: dict[tuple[str, str], tuple[dict[str, Any], tzinfo]] = {}
    for case in cases:
        key = (case.definition_hash, case.state)
        if key not in words:
            definition = definition_of(case.process_id, case.definition_hash)
            row = case_row(case, definition)
            words[key] = ({k: v for k, v in row.items() if k not in ("id", "updated_at")}, zone_of(definition))
        shown, zone = words[key]
        yield {"id": case.id, **shown, "updated_at": iso(case.updated_at, zone)} if times else {"id": case.id, **shown}


def case_row(case: Case | CaseSummary, definition: ProcessDefinition, zone: tzinfo | None = None) -> dict[str, Any]:
    """A case as one line of a list: where it stands and who owns that (from its store row: no history); its
    time in `zone`, else in the process's own."""
    return {
        "id": case.id,
        "process": case.process_id,
        "version": definition.version,
        "state": case.state,
        "stage": definition.stage_of(case.state).id,
        "owner": definition.states[case.state].owner,
        "updated_at": iso(case.updated_at, zone or zone_of(definition)),
    }


def describe_case(
    case: Case, definition: ProcessDefinition, lang: str | None = None, zone: tzinfo = UTC
) -> dict[str, Any]:
    """A case as plain data; instants in `zone` (the history's lines too, so `status` and `history` agree)."""
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
                "at": iso(versions[-1].at, zone),
            }
            for name, versions in case.documents.items()
        ],
        "history": [describe_event(e, zone, definition, lang) for e in case.history],
    }


def span(delta: timedelta, lang: str | None = None) -> str:
    """'2d 3h', '2天 3小时'."""
    words = translator(lang)
    minutes = int(abs(delta).total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = [words._("{n}d", n=days)] if days else []
    parts += [words._("{n}h", n=hours)] if hours else []
    parts += [words._("{n}m", n=mins)] if mins and not days else []
    return " ".join(parts) or words._("{n}m", n=0)


def describe_obligation(obligation: Obligation, now: datetime, zone: tzinfo, lang: str | None = None) -> dict[str, Any]:
    """An obligation as plain data: what, when due (local time), and how it stands."""
    deadline = obligation.deadline
    remaining, lateness = obligation.remaining(now), obligation.lateness(now)
    return {
        "key": obligation.key,
        "deadline": deadline.id,
        "ref": deadline.ref,
        "title": deadline.title.get(lang),
        "rule": describe_deadline(deadline, lang),
        "scope": obligation.scope,
        "owner": obligation.owner,
        "status": obligation.status,
        "due_at": iso(obligation.due_at, zone),
        "met_at": iso(obligation.met_at, zone),
        "met_by": obligation.met_by,
        "count": obligation.count,
        "min": deadline.min if deadline.kind == "recurring" else None,
        "remaining": span(remaining, lang) if remaining is not None else None,
        "late_by": span(lateness, lang) if lateness is not None else None,
        "provisional": obligation.provisional,
    }


def status_word(status: str, lang: str | None = None) -> str:
    """An obligation's status in the run's language."""
    words = translator(lang)
    return {
        "open": words._("open"),
        "overdue": words._("overdue"),
        "met": words._("met"),
        "late": words._("late"),
        "missed": words._("missed"),
        "waiting": words._("waiting"),
        "breach": words._("breach"),
    }.get(status, status)


def obligation_line(info: dict[str, Any], zone: tzinfo = UTC, lang: str | None = None) -> str:
    """One obligation as a line of `status`; its instants in `zone`, labelled."""
    words = translator(lang)
    name = info["ref"] or info["deadline"]
    status = status_word(info["status"], lang)
    due, met = (instant(datetime.fromisoformat(info[k]), zone) if info[k] else "" for k in ("due_at", "met_at"))
    if info["count"] is not None:  # a recurring period
        period = words._(
            "{count} of at least {min} in the period ending {due}", count=info["count"], min=info["min"], due=due
        )
        return f"{name:<5} {pad(status, 8)} {period}  {info['title']}"
    by = info["met_by"] or "-"
    detail = {
        "open": lambda: words._("due {due} (in {remaining})", due=due, remaining=info["remaining"]),
        "overdue": lambda: words._("was due {due}, {late} late", due=due, late=info["late_by"]),
        "met": lambda: words._("met {met} by {person} (due {due})", met=met, person=by, due=due),
        "late": lambda: words._("met {met} by {person}, {late} late", met=met, person=by, late=info["late_by"]),
        "missed": lambda: words._("missed (due {due})", due=due),
        "waiting": lambda: words._("waiting for its start (the anchor is not known yet)"),
        "breach": lambda: words._("breached: {rule}", rule=info["rule"]),
    }[info["status"]]()
    warn = words._(" (provisional: this year's official working days are not published yet)")
    return f"{name:<5} {pad(status, 8)} {detail}  {info['title']}{warn if info['provisional'] else ''}"
