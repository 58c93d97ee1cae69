"""The words of a message: a Jinja template per kind (and language), rendered in the documents' sandbox.

A process may declare its own templates under `doc_templates/` (see docs/process-format.md, "Messages");
what it does not declare falls back to procflow's defaults in `engine/notify/templates/`, in English and
Chinese. The first line a template renders is the subject; the rest is the Markdown body.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

from ..deadlines import by_id
from ..definition.bundle import from_bundle
from ..definition.model import Deadline, ProcessDefinition
from ..errors import RenderError
from ..fold import replay
from ..i18n import length_words
from ..records import Case, Event
from ..rendering import Renderer
from ..store.base import Store
from ..store.outbox import OutboxMessage
from .recipients import Recipient

log = logging.getLogger("procflow.notify")

KINDS = ("reminder", "escalation", "assignment", "move")
MOVE = "move"  # a case someone follows changed state: told to its followers (`procflow.people.following`)
DEFAULT_PREFIX = "procflow:"  # default templates live beside a definition's own, under this prefix
EVENT_KINDS = {  # event kind → message kind
    "reminded": "reminder",
    "escalated": "escalation",
    "fired": "assignment",
    "assigned": "assignment",
    "claimed": "assignment",
    "reassigned": "assignment",
    "delegated": "assignment",
    "transferred": "assignment",
}


@cache
def default_templates() -> Mapping[str, str]:
    folder = resources.files("procflow.notify") / "templates"
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
    found = by_id(definition).get(deadline_id)
    return found[1] if found else None


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
            "overdue_by": _overdue_by(deadline, data, lang),
            "action": data.get("action") or "",
            "role": role,
            "role_title": definition.roles[role].title.get(lang) if role in definition.roles else role,
            "actor": event.actor if kind in ("assignment", MOVE) else "",
            "from_title": _state_title(definition, event.source, lang) if kind == MOVE else "",
        },
    }


def _overdue_by(deadline: Deadline | None, data: Mapping[str, Any], lang: str) -> str:
    """How late an escalation's rule fires, in the reader's words ('4 小时'); the event's own English text for a
    rule the definition no longer has."""
    rule = data.get("rule")
    if deadline is not None and isinstance(rule, int) and 0 <= rule < len(deadline.escalate):
        length = deadline.escalate[rule].overdue_by
        return length_words(length.amount, length.unit, lang)
    return str(data.get("overdue_by") or "")


def _state_title(definition: ProcessDefinition, state: str | None, lang: str) -> str:
    found = definition.states.get(state or "")
    return found.title.get(lang) if found is not None else state or ""


def payload(definition: ProcessDefinition, person: Recipient, templates: tuple[str, str]) -> dict[str, Any]:
    """What an outbox row keeps to word its message at delivery: the definition version, the template (and the
    default to fall back on), the person as told. The words wait for delivery, so an event pays only for this."""
    return {
        "definition": definition.content_hash,
        "template": templates[0],
        "fallback": templates[1],
        "name": person.name,
        "locale": person.locale,
        "time_zone": person.time_zone,
    }


class Wording:
    """Words outbox rows at delivery, from the case as it stood at the row's event and the definition version
    it ran under, in that version's template sandbox."""

    def __init__(self, definition_of: Callable[[str], ProcessDefinition], case_of: Callable[[str], Case]) -> None:
        self._definition_of, self._case_of = definition_of, case_of
        self._definitions: dict[str, tuple[ProcessDefinition, Renderer]] = {}

    def _version(self, content_hash: str) -> tuple[ProcessDefinition, Renderer]:
        found = self._definitions.get(content_hash)
        if found is None:
            definition = self._definition_of(content_hash)
            renderer = Renderer({**default_templates(), **definition.templates})
            found = self._definitions[content_hash] = (definition, renderer)
        return found

    def words(self, message: OutboxMessage) -> tuple[str, str]:
        """(subject, Markdown body): the process's template, or procflow's default if it fails at run time
        (logged; a broken template must not silence the message)."""
        p = message.payload
        definition, renderer = self._version(str(p["definition"]))
        history = self._case_of(message.case_id).history[: message.seq]
        case, event = replay(list(history)), history[-1]
        person = Recipient(message.person, str(p["name"]), locale=str(p["locale"]), time_zone=str(p["time_zone"]))
        values = context(message.kind, case, event, definition, person)
        footer = f"procflow · {definition.title.get(person.locale)} · {case.id}"
        try:
            text = renderer.render_markdown(str(p["template"]), values, footer)
        except RenderError as exc:
            log.warning("message template %s failed (%s); using %s", p["template"], exc, p["fallback"])
            text = renderer.render_markdown(str(p["fallback"]), values, footer)
        subject, _, body = text.partition("\n")
        return subject.lstrip("# ").strip(), body.strip() + "\n"


def stored_wording(store: Store) -> Wording:
    """Wording for rows of any definition version kept in `store`."""
    return Wording(lambda content_hash: from_bundle(store.load_definition(content_hash)), store.get)
