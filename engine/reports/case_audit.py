"""`procflow audit CASE`: what happened to one case, under which rules, and whether the record holds.

JSON is the data; Markdown and HTML are views of it (HTML from the Markdown, escaped, no network).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, tzinfo
from typing import Any

from ..audit import chain_problem
from ..i18n import Translator, instant, iso, translator
from ..narration import event_sentence
from ..presentation import describe_obligation, status_word
from ..records import SYSTEM, SYSTEM_ROLE, performs
from ..rendering import markdown_page, shipped_template
from ..runtime.engine import Engine


def audit_data(engine: Engine, case_id: str, now: datetime, zone: tzinfo, lang: str | None = None) -> dict[str, Any]:
    case = engine.get(case_id)
    definition = engine.definition(case.process_id, case.definition_hash)
    problem = chain_problem(list(case.history))
    if problem is None:
        stored = {h.case_id: (h.version, h.head) for h in engine.store.heads()}.get(case.id)
        if stored != (case.version, case.history[-1].hash):
            problem = "the case row's version or head does not match its last event"
    versions = list(dict.fromkeys(e.definition_hash for e in case.history))
    words = translator(lang or definition.locale)
    timeline = []
    for event in case.history:
        basis = event.basis or ("system" if event.actor == SYSTEM else "self-declared (before the directory)")
        role = definition.roles.get(event.role)
        timeline.append(
            {
                "seq": event.seq,
                "at": iso(event.at, zone),
                "when": instant(event.at, zone),
                "actor": event.actor,
                "role": event.role,
                "role_title": words._("system")
                if event.role == SYSTEM_ROLE
                else words.named(event.role, role.title if role else None),
                "basis": basis,
                "basis_text": basis_text(basis, words),
                "kind": event.kind,
                "what": event_sentence(event, definition, words.lang).split(") ", 1)[-1],
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
            "created_at": iso(case.created_at, zone),
            "updated_at": iso(case.updated_at, zone),
            "created": instant(case.created_at, zone),
            "updated": instant(case.updated_at, zone),
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
        "zone": str(zone),
        "lang": words.lang,
        "deadlines": [
            _shown(describe_obligation(o, now, zone, words.lang), zone, words.lang) for o in engine.deadlines(case, now)
        ],
        "documents": [
            {
                "id": name,
                "title": definition.documents[name].title.get(lang) if name in definition.documents else name,
                "version": v.version,
                "hash": v.hash,
                "by": v.actor,
                "at": iso(v.at, zone),
                "when": instant(v.at, zone),
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


def render(data: dict[str, Any], fmt: str, lang: str | None = None) -> str:
    """JSON (the data, ids and ISO instants), or Markdown / HTML in the report's language."""
    if fmt == "json":
        import json

        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    words = translator(lang or data["lang"])
    markdown = shipped_template("procflow.reports", "audit.md.j2", autoescape=False).render(**data, _=words._)
    if fmt == "md":
        return markdown
    return markdown_page(markdown, words._("Audit report: case {id}", id=data["case"]["id"]), words.lang)


def _shown(info: dict[str, Any], zone: tzinfo, lang: str) -> dict[str, Any]:
    """An obligation with what the page shows: its status in words, its instants labelled."""
    due, met = (instant(datetime.fromisoformat(info[k]), zone) if info[k] else "" for k in ("due_at", "met_at"))
    return {**info, "status_text": status_word(info["status"], lang), "due": due, "met": met}


def basis_text(basis: str, words: Translator) -> str:
    """What an action rested on, as recorded ('grant #7', 'rule by_region'), in the report's language."""
    shapes: tuple[tuple[str, Callable[[re.Match[str]], str]], ...] = (
        (r"grant #(\d+)", lambda m: words._("grant #{n}", n=m[1])),
        (
            r"cover #(\d+) for (.+), grant #(\d+)",
            lambda m: words._("cover #{n} for {person}, grant #{grant}", n=m[1], person=m[2], grant=m[3]),
        ),
        (r"rule (.+)", lambda m: words._("rule {rule}", rule=m[1])),
        (r"delegated by (.+)", lambda m: words._("delegated by {person}", person=m[1])),
        (r"system", lambda m: words._("system")),
        (r"self-declared \(before the directory\)", lambda m: words._("self-declared (before the directory)")),
    )
    for pattern, say in shapes:
        if match := re.fullmatch(pattern, basis):
            return say(match)
    return basis


def _held(case: Any, rule: Any) -> bool:
    """No one both did `rule.did` and then `rule.may_not` on this case."""
    doers: set[str] = set()
    for event in case.history:
        if performs(event, rule.did.kind, rule.did.name):
            doers.add(event.actor)
        elif performs(event, rule.may_not.kind, rule.may_not.name) and event.actor in doers:
            return False
    return True
