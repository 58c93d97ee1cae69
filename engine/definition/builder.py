"""Turn a structurally valid process dict into the frozen definition model.

Runs only after the JSON Schema check passed, so shapes are trusted here;
cross-references are checked afterwards by `checks`.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from .messages import KINDS as MESSAGE_KINDS
from .model import (
    AssignmentRule,
    Calendar,
    Computed,
    ComputedField,
    Deadline,
    DocumentSpec,
    Escalation,
    InboundEvent,
    Integration,
    Invariant,
    PipelinePosition,
    ProcessDefinition,
    Region,
    Requirement,
    Role,
    Rule,
    Separation,
    Signoff,
    Stage,
    State,
    Transition,
)
from .values import NO_TEXT, Action, Anchor, Duration, FieldRef, Text


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
                Escalation(
                    Duration.parse(e["overdue_by"]),
                    e["notify"],
                    e.get("action", "notify"),
                    message_choice(e.get("message")),
                    bool(e.get("urgent", False)),
                )
                for e in raw.get("escalate", ())
            ),
            "reminder_message": message_choice(raw.get("reminder_message")),
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

    def state(
        self, sid: str, s: Mapping[str, Any], stage: str, *, parent: str | None = None, region: str | None = None
    ) -> State:
        """One state; a state inside a region takes the enclosing state's stage."""
        regions = tuple(
            Region(rid, self.text(r.get("title", rid)), r["initial"], tuple(r["states"]), r.get("ref", ""))
            for rid, r in ((s.get("regions") or {}) if parent is None else {}).items()
        )
        return State(
            id=sid,
            stage=stage,
            title=self.text(s["title"]),
            ref=s.get("ref", ""),
            description=self.text(s.get("description")),
            owner=s.get("owner"),
            participants=tuple(s.get("participants", ())),
            requires=self.requirements(s.get("requires")),
            deadlines=tuple(self.deadline(d, sid) for d in s.get("deadlines", ())),
            final=bool(s.get("final", False)),
            pipeline=s.get("pipeline"),
            regions=regions,
            join=tuple(s["join"]) if parent is None and "join" in s else tuple(r.id for r in regions),
            parent=parent,
            region=region,
            signoff=self.signoff(s.get("signoff")),
            assignment_message=message_choice(s.get("assignment_message")),
        )

    def signoff(self, raw: Mapping[str, Any] | None) -> Signoff | None:
        if raw is None:
            return None
        return Signoff(
            mode=raw["mode"],
            signers=tuple(raw["signers"]),
            quorum=int(raw["quorum"]) if "quorum" in raw else None,
            ordered=bool(raw.get("ordered", False)),
            on_approve=raw.get("on_approve"),
            on_reject=raw.get("on_reject"),
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

    def integration(self, name: str, raw: Mapping[str, Any]) -> Integration:
        events = {}
        for event_id, spec in raw["events"].items():
            match = spec.get("match")
            field = None
            if match is not None:
                _, document, field_name = match["case"].split(".", 2)
                field = FieldRef(document, field_name)
            events[event_id] = InboundEvent(
                event_id,
                self.text(spec["title"]),
                spec["submit"],
                bool(spec.get("start", False)),
                field,
                match["event"] if match is not None else "",
            )
        return Integration(name, self.text(raw["title"]), raw["acts_as"], MappingProxyType(events))


def message_choice(value: Any) -> Mapping[str, str]:
    """A message template as declared: one path for every language, or locale → path."""
    if value is None:
        return MappingProxyType({})
    return MappingProxyType({"*": value} if isinstance(value, str) else dict(value))


def _messages(declared: Mapping[str, Any]) -> Mapping[str, Mapping[str, str]]:
    return MappingProxyType({kind: message_choice(declared[kind]) for kind in MESSAGE_KINDS if kind in declared})


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
            choices=MappingProxyType(
                {
                    name: MappingProxyType({value: b.text(title) for value, title in values.items()})
                    for name, values in (d.get("choices") or {}).items()
                }
            ),
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
    states: dict[str, State] = {}
    for sid, s in data["states"].items():
        states[sid] = b.state(sid, s, s["stage"])
        for rid, region in (s.get("regions") or {}).items():
            for leaf, raw in region["states"].items():
                states.setdefault(leaf, b.state(leaf, raw, s["stage"], parent=sid, region=rid))
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
            interrupts=bool(t.get("interrupts", False)),
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
        messages=_messages(data.get("messages") or {}),
        integrations=MappingProxyType(
            {name: b.integration(name, raw) for name, raw in (data.get("integrations") or {}).items()}
        ),
        invariants=tuple(
            Invariant(
                i["id"],
                i["no_single_person"]["from"],
                i["no_single_person"]["to"],
                b.text(i.get("title")),
                i.get("ref", ""),
            )
            for i in data.get("invariants", ())
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
