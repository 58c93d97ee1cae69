"""Turn a structurally valid process dict into the frozen definition model.

Runs only after the JSON Schema check passed, so shapes are trusted here;
cross-references are checked afterwards by `checks`.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from engine.definition.model import (
    NO_TEXT,
    Action,
    Anchor,
    AssignmentRule,
    Calendar,
    Computed,
    ComputedField,
    Deadline,
    DocumentSpec,
    Duration,
    Escalation,
    PipelinePosition,
    ProcessDefinition,
    Requirement,
    Role,
    Rule,
    Separation,
    Stage,
    State,
    Text,
    Transition,
)


def _assignment(raw: Mapping[str, Any]) -> AssignmentRule:
    by = raw.get("by")
    return AssignmentRule(
        rule=raw["rule"],
        states=tuple(raw.get("states", ())),
        role=raw.get("role"),
        step=Action.parse(raw["step"]) if "step" in raw else None,
        lookup=Anchor.parse(by["field"]).field if by else None,
        table=MappingProxyType({str(k): str(v) for k, v in (by or {}).get("table", {}).items()}),
    )


class _Builder:
    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data
        self.locale: str = data.get("locale", "zh-CN")

    def text(self, value: Any) -> Text:
        if value is None:
            return NO_TEXT
        if isinstance(value, str):
            return Text(((self.locale, value),), self.locale)
        return Text(tuple((str(k), str(v)) for k, v in value.items()), self.locale)

    def requirements(self, items: Any) -> tuple[Requirement, ...]:
        return tuple(
            Requirement(item) if isinstance(item, str) else Requirement(item["document"], bool(item.get("fresh")))
            for item in items or ()
        )

    def deadline(self, raw: Mapping[str, Any], scope: str) -> Deadline:
        common: dict[str, Any] = {
            "id": raw["id"],
            "title": self.text(raw["title"]),
            "scope": scope,
            "ref": raw.get("ref", ""),
            "remind_before": Duration.parse(raw["remind_before"]) if "remind_before" in raw else None,
            "escalate": tuple(
                Escalation(Duration.parse(e["overdue_by"]), e["notify"], e.get("action", "notify"))
                for e in raw.get("escalate", ())
            ),
        }
        if "within" in raw:
            return Deadline(
                kind="within",
                within=Duration.parse(raw["within"]),
                after=Anchor.parse(raw.get("after", "entered")),
                met_by=Action.parse(raw.get("met_by", "leave")),
                **common,
            )
        if "lead_time" in raw:
            rule = raw["lead_time"]
            anchor = Anchor.parse(rule["field"])
            return Deadline(
                kind="lead_time",
                field=anchor.field,
                at_least=Duration.parse(rule["at_least"]),
                soft=bool(rule.get("soft", False)),
                **common,
            )
        rule = raw["recurring"]
        return Deadline(
            kind="recurring",
            action=Action.parse(rule["action"]),
            min=int(rule["min"]),
            max=rule.get("max"),
            per=Duration.parse(rule["per"]),
            **common,
        )

    def computed(self, raw: Mapping[str, Any] | None) -> Computed | None:
        if raw is None:
            return None
        fields = []
        for name, spec in raw["fields"].items():
            if isinstance(spec, str):
                fields.append(ComputedField(name, expression=spec))
            else:
                rules = tuple(
                    Rule(rule["when"], rule["value"]) if "when" in rule else Rule(None, rule["otherwise"])
                    for rule in spec
                )
                fields.append(ComputedField(name, rules=rules))
        return Computed(tuple(raw["inputs"]), tuple(fields))


def build(
    data: Mapping[str, Any],
    schemas: Mapping[str, Mapping[str, Any]],
    templates: Mapping[str, str],
    content_hash: str,
    source_file: str = "",
    source_text: str = "",
) -> ProcessDefinition:
    """Build the model. `schemas` maps schema paths to loaded schemas (missing ones map to {})."""
    b = _Builder(data)
    roles = {
        rid: Role(rid, b.text(r["title"]), r.get("ref", ""), b.text(r.get("description")), bool(r.get("external")))
        for rid, r in data["roles"].items()
    }
    documents = {
        did: DocumentSpec(
            id=did,
            title=b.text(d["title"]),
            schema_file=d["schema"],
            schema=MappingProxyType(dict(schemas.get(d["schema"], {}))),
            ref=d.get("ref", ""),
            description=b.text(d.get("description")),
            template=d.get("template"),
            produced_by=tuple(d.get("produced_by", ())),
            shared=bool(d.get("shared", False)),
            computed=b.computed(d.get("computed")),
        )
        for did, d in (data.get("documents") or {}).items()
    }
    stages = tuple(
        Stage(
            id=s["id"],
            title=b.text(s["title"]),
            index=i,
            ref=s.get("ref", ""),
            goal=b.text(s.get("goal")),
            pipeline=s.get("pipeline"),
            deadlines=tuple(b.deadline(d, s["id"]) for d in s.get("deadlines", ())),
        )
        for i, s in enumerate(data["stages"])
    )
    states = {
        sid: State(
            id=sid,
            stage=s["stage"],
            title=b.text(s["title"]),
            ref=s.get("ref", ""),
            description=b.text(s.get("description")),
            owner=s.get("owner"),
            participants=tuple(s.get("participants", ())),
            requires=b.requirements(s.get("requires")),
            deadlines=tuple(b.deadline(d, sid) for d in s.get("deadlines", ())),
            final=bool(s.get("final", False)),
            pipeline=s.get("pipeline"),
        )
        for sid, s in data["states"].items()
    }
    transitions = tuple(
        Transition(
            index=i,
            trigger=t["trigger"],
            sources=(t["from"],) if isinstance(t["from"], str) else tuple(t["from"]),
            dest=t["to"],
            title=b.text(t.get("title")),
            ref=t.get("ref", ""),
            roles=tuple(t.get("roles", ())),
            requires=b.requirements(t.get("requires")),
            guard=t.get("guard"),
        )
        for i, t in enumerate(data["transitions"])
    )
    calendar = data.get("calendar")
    return ProcessDefinition(
        id=data["id"],
        version=data["version"],
        locale=b.locale,
        title=b.text(data["title"]),
        description=b.text(data.get("description")),
        calendar=Calendar(calendar["country"], calendar["timezone"], calendar.get("cutoff")) if calendar else None,
        pipeline=tuple(PipelinePosition(p["id"], b.text(p["title"])) for p in data.get("pipeline", ())),
        separation=tuple(
            Separation(
                r["id"], b.text(r["title"]), Action.parse(r["did"]), Action.parse(r["may_not"]), r.get("ref", "")
            )
            for r in data.get("separation", ())
        ),
        assignment=tuple(_assignment(r) for r in data.get("assignment", ())),
        visibility=MappingProxyType(dict(data.get("visibility", {}))),
        roles=MappingProxyType(roles),
        documents=MappingProxyType(documents),
        stages=stages,
        states=MappingProxyType(states),
        initial=data["initial"],
        transitions=transitions,
        templates=MappingProxyType(dict(templates)),
        schemas=MappingProxyType(dict(schemas)),
        raw=MappingProxyType(dict(data)),
        content_hash=content_hash,
        source_file=source_file,
        source_text=source_text,
    )
