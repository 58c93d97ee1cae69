"""The inbox page, the home page after sign-in: my work now, from `Engine.inbox` (the same call as the CLI's
`procflow inbox` and the API's), in three groups — overdue, due today in working-day terms, the rest.

A due time reads as a person counts it: "in 2 working days (Thu 09:00)" on the process's working calendar,
the clock time in the reader's own time zone. Working days are counted on the calendar's dates (a holiday
is no working day wherever the reader sits); "today" is a due time with no working day left before it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from starlette.responses import Response

from ...calendars import for_declaration, working_days_between
from ...definition.model import ProcessDefinition
from ...runtime.inbox import InboxEntry
from .. import acting
from .common import Web

GROUPS = ("overdue", "today", "later")


@dataclass(frozen=True)
class Row:
    """One inbox row as the page shows it."""

    case_id: str
    stage: str
    state: str
    asked: list[str]
    due: str  # "in 2 working days (Thu 09:00)", or empty when nothing is due
    group: str  # one of GROUPS
    escalated: bool
    covering: str | None


def when(t: Mapping[str, str], at: datetime, zone: ZoneInfo, now: datetime) -> str:
    """`at` as a weekday and clock time in `zone` ("Thu 09:00"), with the date when it is a week or more away."""
    local = at.astimezone(zone)
    weekday = t["weekdays"].split()[local.weekday()]
    far = abs((local.date() - now.astimezone(zone).date()).days) >= 7
    return f"{weekday} {local.strftime('%m-%d ') if far else ''}{local.strftime('%H:%M')}"


def due_text(
    t: Mapping[str, str], definition: ProcessDefinition, due_at: datetime, now: datetime, zone: ZoneInfo
) -> str:
    """The due instant in working days from `now` on the process's calendar, the clock time in `zone`."""
    calendar = for_declaration(definition.calendar)
    clock = when(t, due_at, zone, now)
    if due_at <= now:
        late = working_days_between(calendar, due_at, now)
        return t["due_late_days"].format(n=late, at=clock) if late else t["due_late"].format(at=clock)
    days = working_days_between(calendar, now, due_at)
    if days == 0:
        return t["due_today"].format(at=clock)
    return (t["due_in_day"] if days == 1 else t["due_in_days"]).format(n=days, at=clock)


def _asked(web: Web, definition: ProcessDefinition, entry: InboxEntry) -> list[str]:
    """What is asked of the person there, in their words: a verdict, documents to write, moves to make."""
    t, lang = web.t, web.lang
    asked = [] if entry.held else [t["asked_claim"].format(role=_role_title(definition, entry.role, lang))]
    if entry.signoff is not None:
        return [t["asked_sign"].format(step=definition.states[entry.signoff].title.get(lang)), *asked]
    asked += [
        t["asked_write"].format(document=definition.documents[d].title.get(lang) if d in definition.documents else d)
        for d in entry.documents
    ]
    titles = {tr.trigger: tr.title.get(lang) or tr.trigger for tr in definition.transitions}
    asked += [t["asked_move"].format(move=titles.get(m, m)) for m in entry.moves]
    return asked or [t["asked_look"]]


def _role_title(definition: ProcessDefinition, role: str, lang: str) -> str:
    found = definition.roles.get(role)
    return (found.title.get(lang) if found else "") or role


def rows(web: Web, entries: list[InboxEntry]) -> list[Row]:
    now = web.engine.clock.now()
    found = []
    for entry in entries:
        case = web.engine.get(entry.case_id)
        definition = web.engine.definition(case.process_id, case.definition_hash)
        dues = sorted((datetime.fromisoformat(o.due_at), o.status) for o in entry.obligations)
        due_at, status = dues[0] if dues else (None, "")
        if due_at is None:
            group, due = "later", ""
        else:
            due = due_text(web.t, definition, due_at, now, web.zone)
            today = working_days_between(for_declaration(definition.calendar), now, due_at) == 0
            group = "overdue" if status == "overdue" or due_at <= now else "today" if today else "later"
        state = entry.signoff or case.state
        found.append(
            Row(
                case.id,
                definition.stage_of(state).title.get(web.lang),
                definition.states[state].title.get(web.lang),
                _asked(web, definition, entry),
                due,
                group,
                entry.escalated,
                entry.covering,
            )
        )
    return found


def _starts(web: Web) -> list[tuple[str, str, str]]:
    """(process, title, role) for each process whose first state the person may start in a role they hold."""
    found = []
    for process in sorted({p for _, p, _ in web.engine.store.definitions()}):
        definition = web.engine.definition(process)
        initial = definition.states[definition.initial]
        held = acting.roles_held(web.engine, web.person, definition)
        starters = [r for r in (initial.owner, *initial.participants) if r and r in held]
        if starters:
            found.append((process, definition.title.get(web.lang), starters[0]))
    return found


def page(web: Web) -> Response:
    found = rows(web, web.engine.inbox(web.person, limit=100))
    groups: list[tuple[str, list[Any]]] = [(g, [r for r in found if r.group == g]) for g in GROUPS]
    return web.page(
        "inbox.html",
        groups=[(g, members) for g, members in groups if members],
        count=len(found),
        starts=_starts(web),
    )
