"""The words of a message: a Jinja template per kind (and language), rendered in the documents' sandbox.

A process may declare its own templates under `doc_templates/` (see docs/process-format.md, "Messages");
what it does not declare falls back to procflow's defaults in `engine/notify/templates/`, in English and
Chinese. The first line a template renders is the subject; the rest is the Markdown body.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

from engine.definition.model import Deadline, ProcessDefinition
from engine.notify.recipients import Recipient
from engine.records import Case, Event
from engine.rendering import Renderer

KINDS = ("reminder", "escalation", "assignment")
DEFAULT_PREFIX = "procflow:"  # default templates live beside a definition's own, under this prefix
EVENT_KINDS = {  # event kind → message kind
    "reminded": "reminder",
    "escalated": "escalation",
    "fired": "assignment",
    "assigned": "assignment",
    "claimed": "assignment",
    "reassigned": "assignment",
}


@cache
def default_templates() -> Mapping[str, str]:
    folder = resources.files("engine.notify") / "templates"
    return {
        DEFAULT_PREFIX + item.name: item.read_text("utf-8") for item in folder.iterdir() if item.name.endswith(".j2")
    }


def _candidates(locale: str) -> list[str]:
    return list(dict.fromkeys([locale, locale.split("-")[0], "zh-CN" if locale.startswith("zh") else "en", "en"]))


def pick(choices: Mapping[str, str], locale: str) -> str | None:
    """The template for `locale` among declared `choices` (locale → path; `*` for every language)."""
    for candidate in _candidates(locale):
        if candidate in choices:
            return choices[candidate]
    return choices.get("*")


def find_deadline(definition: ProcessDefinition, deadline_id: str) -> Deadline | None:
    for deadlines in (*(s.deadlines for s in definition.states.values()), *(s.deadlines for s in definition.stages)):
        for deadline in deadlines:
            if deadline.id == deadline_id:
                return deadline
    return None


def declared(kind: str, event: Event, definition: ProcessDefinition) -> Mapping[str, str]:
    """The templates the process declares for this message (most specific first), locale → path."""
    data = event.data or {}
    specific: Mapping[str, str] = {}
    deadline = find_deadline(definition, str(data.get("deadline", ""))) if kind != "assignment" else None
    if kind == "escalation" and deadline is not None and isinstance(data.get("rule"), int):
        if 0 <= data["rule"] < len(deadline.escalate):
            specific = deadline.escalate[data["rule"]].message
    elif kind == "reminder" and deadline is not None:
        specific = deadline.reminder_message
    elif kind == "assignment" and event.dest is not None and event.dest in definition.states:
        specific = definition.states[event.dest].assignment_message
    return specific or definition.messages.get(kind, {})


def template_name(kind: str, event: Event, definition: ProcessDefinition, locale: str, *, own: bool = True) -> str:
    """The process's template for this message in `locale` (unless `own` is False), else procflow's default."""
    chosen = pick(declared(kind, event, definition), locale) if own else None
    if chosen is not None:
        return chosen
    defaults = default_templates()
    for candidate in _candidates(locale):
        if f"{DEFAULT_PREFIX}{kind}.{candidate}.md.j2" in defaults:
            return f"{DEFAULT_PREFIX}{kind}.{candidate}.md.j2"
    return f"{DEFAULT_PREFIX}{kind}.en.md.j2"


_RENDERERS: dict[str, Renderer] = {}  # by content hash: a definition version's templates never change


def renderer_for(definition: ProcessDefinition) -> Renderer:
    found = _RENDERERS.get(definition.content_hash)
    if found is None:
        if len(_RENDERERS) > 256:
            _RENDERERS.clear()
        found = _RENDERERS[definition.content_hash] = Renderer({**default_templates(), **definition.templates})
    return found


def context(kind: str, case: Case, event: Event, definition: ProcessDefinition, person: Recipient) -> dict[str, Any]:
    """What a message template may use: `person`, `case`, `process` and `message` (see docs/notifications.md)."""
    lang, data = person.locale, dict(event.data or {})
    deadline = find_deadline(definition, str(data.get("deadline", "")))
    asked = data.get("notify") if kind != "assignment" else definition.states[case.state].owner
    role = asked if isinstance(asked, str) else ""
    due = data.get("due_at")
    due_local = (
        datetime.fromisoformat(due).astimezone(ZoneInfo(person.time_zone)).strftime("%Y-%m-%d %H:%M")
        if isinstance(due, str)
        else ""
    )
    return {
        "person": {"id": person.id, "name": person.name},
        "case": {"id": case.id, "state": case.state, "state_title": definition.states[case.state].title.get(lang)},
        "process": {"id": definition.id, "title": definition.title.get(lang)},
        "message": {
            "kind": kind,
            "deadline": data.get("deadline", ""),
            "deadline_title": deadline.title.get(lang) if deadline else str(data.get("deadline", "")),
            "ref": data.get("ref") or "",
            "due_at": due_local,
            "overdue_by": data.get("overdue_by") or "",
            "action": data.get("action") or "",
            "role": role,
            "role_title": definition.roles[role].title.get(lang) if role in definition.roles else role,
            "actor": event.actor if kind == "assignment" else "",
        },
    }


def render(
    kind: str, case: Case, event: Event, definition: ProcessDefinition, person: Recipient, *, declared: bool = True
) -> tuple[str, str]:
    """(subject, Markdown body) of a `kind` message about `event` for `person`, in their language."""
    name = template_name(kind, event, definition, person.locale, own=declared)
    footer = f"procflow · {definition.title.get(person.locale)} · {case.id}"
    text = renderer_for(definition).render_markdown(name, context(kind, case, event, definition, person), footer)
    subject, _, body = text.partition("\n")
    return subject.lstrip("# ").strip(), body.strip() + "\n"
