"""`procflow audit CASE`: what happened to one case, under which rules, and whether the record holds.

JSON is the data; Markdown and HTML are views of it (HTML from the Markdown, escaped, no network).
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from importlib import resources
from typing import Any

from jinja2 import Environment

from engine.audit import chain_problem
from engine.presentation import describe_event, describe_obligation
from engine.records import SYSTEM, performs
from engine.rendering import markdown_page
from engine.runtime.engine import Engine

_TEMPLATE = Environment(autoescape=False, trim_blocks=True, lstrip_blocks=True).from_string(
    resources.files("engine.reports").joinpath("audit.md.j2").read_text("utf-8")
)


def audit_data(engine: Engine, case_id: str, now: datetime, zone: tzinfo, lang: str | None = None) -> dict[str, Any]:
    case = engine.get(case_id)
    definition = engine.definition(case.process_id, case.definition_hash)
    problem = chain_problem(list(case.history))
    if problem is None:
        stored = {h.case_id: (h.version, h.head) for h in engine.store.heads()}.get(case.id)
        if stored != (case.version, case.history[-1].hash):
            problem = "the case row's version or head does not match its last event"
    versions = list(dict.fromkeys(e.definition_hash for e in case.history))
    timeline = []
    for event in case.history:
        line = describe_event(event, zone)
        timeline.append(
            {
                "seq": event.seq,
                "at": event.at.astimezone(zone).isoformat(timespec="minutes"),
                "actor": event.actor,
                "role": event.role,
                "basis": event.basis or ("system" if event.actor == SYSTEM else "self-declared (before the directory)"),
                "kind": event.kind,
                "what": line.split("  ", 1)[-1].split(") ", 1)[-1],
                "trigger": event.trigger,
                "from": event.source,
                "to": event.dest,
                "document": event.document,
                "document_version": event.document_version,
                "document_hash": event.document_hash,
                "definition": event.definition_hash[:12],
                "hash": event.hash,
            }
        )
    return {
        "case": {
            "id": case.id,
            "state": case.state,
            "state_title": definition.states[case.state].title.get(lang),
            "created_at": case.created_at.astimezone(zone).isoformat(timespec="minutes"),
            "updated_at": case.updated_at.astimezone(zone).isoformat(timespec="minutes"),
            "version": case.version,
            "head": case.history[-1].hash if case.history else None,
        },
        "process": {
            "id": definition.id,
            "title": definition.title.get(lang),
            "version": definition.version,
            "hash": definition.content_hash,
        },
        "verify": {"ok": problem is None, "events": len(case.history), "problems": [problem] if problem else []},
        "timeline": timeline,
        "deadlines": [describe_obligation(o, now, zone, lang) for o in engine.deadlines(case, now)],
        "documents": [
            {
                "id": name,
                "title": definition.documents[name].title.get(lang) if name in definition.documents else name,
                "version": v.version,
                "hash": v.hash,
                "by": v.actor,
                "at": v.at.astimezone(zone).isoformat(timespec="minutes"),
            }
            for name, versions_ in case.documents.items()
            for v in versions_
        ],
        "separation": [
            {
                "id": rule.id,
                "title": rule.title.get(lang),
                "rule": f"{rule.did} ⇏ {rule.may_not}",
                "held": _held(case, rule),
            }
            for rule in definition.separation
        ],
        "versions": [
            {
                "hash": h,
                "id": case.process_id,
                "version": engine.definition(case.process_id, h).version,
                "file": engine.definition(case.process_id, h).source_file,
                "source_text": engine.definition(case.process_id, h).source_text,
            }
            for h in versions
        ],
    }


def render(data: dict[str, Any], fmt: str, lang: str = "en") -> str:
    if fmt == "json":
        import json

        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    markdown = _TEMPLATE.render(**data)
    if fmt == "md":
        return markdown

    return markdown_page(markdown, f"Audit {data['case']['id']}", lang)


def _held(case: Any, rule: Any) -> bool:
    """No one both did `rule.did` and then `rule.may_not` on this case."""
    doers: set[str] = set()
    for event in case.history:
        if performs(event, rule.did.kind, rule.did.name):
            doers.add(event.actor)
        elif performs(event, rule.may_not.kind, rule.may_not.name) and event.actor in doers:
            return False
    return True
