"""`procflow handbook`: one standalone HTML page a team can read to learn its process.

The diagram, then per stage its goal and steps — owner, deadline in plain
words, what moves the case on — the documents with their fields and an example
rendering (from the process's own scenarios), and a role × step table. No
network: styles are inline and the diagram is inline SVG (or an outline where
Graphviz is not installed).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from markupsafe import Markup

from . import graph
from .definition.model import Deadline, ProcessDefinition, Signoff
from .errors import ProcflowError
from .i18n import translator
from .presentation import describe_deadline, outline
from .rendering import Renderer, shipped_template


def _words(lang: str) -> dict[str, str]:
    """The page's labels by key, from the catalog (the keys are what handbook.html.j2 reads)."""
    t = translator(lang)
    return {
        "diagram": t._("The process at a glance"),
        "roles": t._("Roles"),
        "role": t._("Role"),
        "does": t._("What they do"),
        "external": t._("outside the team"),
        "goal": t._("Goal"),
        "owner": t._("Owner"),
        "with": t._("with"),
        "final": t._("end of the process"),
        "region_end": t._("end of its region"),
        "regions": t._("Runs side by side"),
        "in_region": t._("In region"),
        "joins": t._("moves on when these are done"),
        "signoff": t._("Sign-off"),
        "requires": t._("needs"),
        "when": t._("when"),
        "matrix": t._("Who does what"),
        "responsible": t._("responsible"),
        "takes_part": t._("takes part"),
        "fires": t._("moves the case on"),
        "documents": t._("Documents"),
        "field": t._("Field"),
        "name": t._("Name"),
        "type": t._("Type"),
        "required": t._("Required"),
        "example": t._("Example"),
    }


def _deadline(deadline: Deadline, lang: str | None) -> dict[str, str]:
    return {
        "name": deadline.ref or deadline.id,
        "title": deadline.title.get(lang),
        "rule": describe_deadline(deadline, lang),
    }


def _fields(schema: Mapping[str, Any], lang: str | None) -> list[dict[str, Any]]:
    required = set(schema.get("required", ()))
    rows = []
    for name, spec in (schema.get("properties") or {}).items():
        kind = spec.get("type") or ("enum" if "enum" in spec else "ref" if "$ref" in spec else "")
        if "enum" in spec:
            kind = " | ".join(str(v) for v in spec["enum"])
        elif spec.get("format"):
            kind = f"{kind} ({spec['format']})"
        rows.append({"name": name, "title": spec.get("title", ""), "type": kind, "required": name in required})
    return rows


def example_documents(definition: ProcessDefinition, scenarios: list[Mapping[str, Any]]) -> dict[str, Any]:
    """The first data each document is submitted or published with in the process's scenarios."""
    found: dict[str, Any] = {}
    for scenario in scenarios:
        for step in scenario.get("steps", ()):
            name = step.get("submit") or step.get("publish")
            if name and name in definition.documents and name not in found:
                found[name] = step.get("data")
    return found


def build(
    definition: ProcessDefinition,
    *,
    lang: str | None = None,
    examples: Mapping[str, Any] | None = None,
    now: datetime | None = None,
) -> str:
    lang = lang or definition.locale
    words = _words(lang)
    try:
        diagram: Markup | str = Markup(graph.svg(definition, lang).split("?>", 1)[-1])
    except ProcflowError:
        diagram = Markup("<pre>") + outline(definition, lang) + Markup("</pre>")
    renderer = Renderer(definition.templates, definition.locale)
    roles = list(definition.roles.values())
    stages = []
    matrix = []
    for stage in definition.stages:
        steps = []
        for state in (s for s in definition.states.values() if s.stage == stage.id):
            moves = [t for t in definition.transitions if state.id in t.sources]
            steps.append(
                {
                    "title": state.title.get(lang),
                    "ref": state.ref,
                    "owner": _role(definition, state.owner, lang),
                    "participants": ", ".join(_role(definition, r, lang) for r in state.participants),
                    "final": state.final and state.parent is None,
                    "region_end": state.final and state.parent is not None,
                    "region": _region_title(definition, state.id, lang),
                    "regions": [
                        f"{r.title.get(lang)} ({' → '.join(definition.states[s].title.get(lang) for s in r.states)})"
                        for r in state.regions
                    ],
                    "joins": ", ".join(r.title.get(lang) for r in state.regions if r.id in state.join),
                    "signoff": _signoff_line(definition, state.signoff, lang),
                    "description": state.description.get(lang),
                    "requires": ", ".join(str(r) for r in state.requires),
                    "deadlines": [_deadline(d, lang) for d in state.deadlines],
                    "moves": [
                        {
                            "trigger": t.title.get(lang) or t.trigger,
                            "dest": definition.states[t.dest].title.get(lang),
                            "roles": ", ".join(_role(definition, r, lang) for r in t.roles) or "—",
                            "requires": ", ".join(str(r) for r in t.requires),
                            "guard": t.guard,
                        }
                        for t in moves
                    ],
                }
            )
            firing = {r for t in moves for r in t.roles}
            matrix.append(
                {
                    "step": state.title.get(lang),
                    "cells": [
                        "".join(
                            x
                            for x, on in (
                                ("R", role.id == state.owner),
                                ("P", role.id in state.participants),
                                ("F", role.id in firing),
                            )
                            if on
                        )
                        for role in roles
                    ],
                }
            )
        stages.append(
            {
                "title": stage.title.get(lang),
                "ref": stage.ref,
                "goal": stage.goal.get(lang),
                "deadlines": [_deadline(d, lang) for d in stage.deadlines],
                "steps": steps,
            }
        )
    documents = []
    for doc in definition.documents.values():
        who = (
            f"computed from {', '.join(doc.computed.inputs)}"
            if doc.computed
            else "by " + ", ".join(_role(definition, r, lang) for r in doc.produced_by)
        )
        example = None
        if doc.template and examples and examples.get(doc.id) is not None:
            example = _example(renderer, doc.template, examples[doc.id], definition, doc.id, lang)
        documents.append(
            {
                "id": doc.id,
                "title": doc.title.get(lang),
                "ref": doc.ref,
                "who": who,
                "description": doc.description.get(lang),
                "fields": _fields(doc.schema, lang),
                "example": example,
            }
        )
    return shipped_template("procflow", "handbook.html.j2").render(
        lang=lang or definition.locale,
        title=definition.title.get(lang),
        description=definition.description.get(lang),
        process={"id": definition.id, "version": definition.version, "content_hash": definition.content_hash},
        generated=(now or datetime.now(UTC)).strftime("%Y-%m-%d"),
        diagram=diagram,
        words=words,
        roles=[
            {
                "id": r.id,
                "title": r.title.get(lang),
                "ref": r.ref,
                "external": r.external,
                "description": r.description.get(lang),
            }
            for r in roles
        ],
        stages=stages,
        matrix=matrix,
        documents=documents,
    )


def _signoff_line(definition: ProcessDefinition, rule: Signoff | None, lang: str | None) -> str:
    if rule is None:
        return ""
    how = {"all": "all (会签)", "any": "any (或签)", "quorum": f"{rule.quorum} (票签)"}[rule.mode]
    who = ", ".join(_role(definition, r, lang) for r in rule.signers)
    return f"{how}: {who}" + (" — in order" if rule.ordered else "")


def _region_title(definition: ProcessDefinition, state: str, lang: str | None) -> str:
    region = definition.region_of(state)
    if region is None:
        return ""
    parent = definition.states[definition.top(state)]
    return f"{parent.title.get(lang)} ▸ {region.title.get(lang)}"


def _role(definition: ProcessDefinition, role: str | None, lang: str | None) -> str:
    if role is None:
        return ""
    return definition.roles[role].title.get(lang) if role in definition.roles else role


def _example(
    renderer: Renderer, template: str, data: Any, definition: ProcessDefinition, doc: str, lang: str | None
) -> Markup | None:
    context = {
        "doc": data,
        "case": {"id": "example", "state": definition.initial, "state_title": "", "stage_title": "", "data": {}},
        "process": {"id": definition.id, "title": definition.title.get(lang), "version": definition.version},
        "document": {
            "id": doc,
            "title": definition.documents[doc].title.get(lang),
            "version": 1,
            "submitted_at": "",
            "submitted_by": "",
        },
    }
    try:
        html = renderer.render_html(template, context, "example", "", lang or definition.locale)
    except ProcflowError:
        return None
    body = html.split("<body>", 1)[-1].rsplit("<footer>", 1)[0]
    return Markup(body)


def scenarios_beside(process_file: Path, process_id: str) -> list[Mapping[str, Any]]:
    from .scenario import read_scenario

    folder = process_file.parent / process_id / "scenarios"
    return [read_scenario(path) for path in sorted(folder.glob("*.yaml"))] if folder.is_dir() else []
