"""Semantic diff of two versions of a process: canonical forms aligned by id, never text.

Comments, key order and layout never show; a renamed id whose title stayed is
reported as a rename; permissions are reported as widened or narrowed, deadlines
as stricter or looser, document schemas field by field. Presenting the changes
(JSON, text, Markdown) is `diff_text`'s job.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from .canonical import digest
from .definition.model import Deadline, ProcessDefinition, Transition
from .definition.values import Duration
from .i18n import Translator, translator

Kind = Literal["added", "removed", "changed", "renamed"]


@dataclass(frozen=True)
class Change:
    kind: Kind
    element: str  # process, calendar, role, stage, state, transition, deadline, document, field, template
    id: str
    title: str
    stage: str = ""  # the stage (title) it belongs to, for grouping; "" for process-wide elements
    details: tuple[str, ...] = field(default_factory=tuple)


def _text(value: Any) -> str:
    return value.get() if hasattr(value, "get") and not isinstance(value, Mapping) else str(value)


def _stage_title(d: ProcessDefinition, state: str) -> str:
    return d.stage_of(state).title.get() if state in d.states else ""


def _rename_pairs(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, str]:
    """old id → new id where an id vanished and a new one appeared with the same title."""
    gone = {k: _text(v.title) for k, v in old.items() if k not in new}
    came = {_text(v.title): k for k, v in new.items() if k not in old}
    return {k: came[t] for k, t in gone.items() if t in came}


def _duration_days(d: Duration | None) -> float | None:
    if d is None:
        return None
    return {"hours": 1 / 24, "days": 1, "working_days": 1.4, "weeks": 7}[d.unit] * d.amount


def _keyed(element: str, old: Mapping[str, Any], new: Mapping[str, Any], stage: Any, details: Any) -> list[Change]:
    out = []
    renamed = _rename_pairs(old, new)
    for key in sorted(old.keys() | new.keys()):
        if key in renamed:
            extra = details(old[key], new[renamed[key]])
            out.append(
                Change(
                    "renamed",
                    element,
                    f"{key} → {renamed[key]}",
                    _text(new[renamed[key]].title),
                    stage(new[renamed[key]]),
                    tuple(extra),
                )
            )
        elif key in renamed.values():
            continue
        elif key not in new:
            out.append(Change("removed", element, key, _text(old[key].title), stage(old[key])))
        elif key not in old:
            out.append(Change("added", element, key, _text(new[key].title), stage(new[key])))
        else:
            extra = details(old[key], new[key])
            if extra:
                out.append(Change("changed", element, key, _text(new[key].title), stage(new[key]), tuple(extra)))
    return out


def _transition_key(d: ProcessDefinition, t: Transition) -> str:
    same = [x for x in d.transitions if x.trigger == t.trigger]
    return t.trigger if len(same) == 1 else f"{t.trigger}→{t.dest}"


def _moved(name: str, x: Any, y: Any) -> str:
    """A key's old and new value: `owner: sales → legal` (the key is the YAML's, in every language)."""
    return f"{name}: {x} → {y}"


def compare(old: ProcessDefinition, new: ProcessDefinition, lang: str | None = None) -> list[Change]:
    """Every semantic change from `old` to `new`, grouped by stage (new titles), stable order; the details are
    sentences in `lang` (English by default: the JSON format's words)."""
    if old.content_hash == new.content_hash:
        return []
    return _Differ(translator(lang), old, new).changes()


class _Differ:
    """One comparison, with the words its details are written in."""

    def __init__(self, words: Translator, old: ProcessDefinition, new: ProcessDefinition) -> None:
        self.w, self.old, self.new = words, old, new

    def changes(self) -> list[Change]:
        old, new = self.old, self.new
        changes: list[Change] = list(self._process())
        changes += _keyed("role", old.roles, new.roles, lambda r: "", self._role_details)
        stages_old = {s.id: s for s in old.stages}
        stages_new = {s.id: s for s in new.stages}
        changes += _keyed("stage", stages_old, stages_new, lambda s: _text(s.title), self._stage_details)
        changes += _keyed(
            "state",
            old.states,
            new.states,
            lambda s: _stage_title(new if s.id in new.states else old, s.id),
            self._state_details,
        )
        changes += list(self._transitions())
        changes += list(self._documents())
        changes += _keyed(
            "separation",
            {r.id: r for r in old.separation},
            {r.id: r for r in new.separation},
            lambda r: "",
            lambda a, b: [
                _moved(k, getattr(a, k), getattr(b, k))
                for k in ("did", "may_not")
                if str(getattr(a, k)) != str(getattr(b, k))
            ],
        )
        changes += _keyed(
            "invariant",
            {i.id: i for i in old.invariants},
            {i.id: i for i in new.invariants},
            lambda i: "",
            lambda a, b: [
                _moved(k, getattr(a, k), getattr(b, k)) for k in ("start", "end") if getattr(a, k) != getattr(b, k)
            ],
        )
        return changes

    def _deadline_changes(self, a: Deadline, b: Deadline) -> list[str]:
        out = []
        for name in ("kind", "after", "met_by", "field", "soft", "action", "min", "max"):
            x, y = getattr(a, name), getattr(b, name)
            if str(x) != str(y):
                out.append(_moved(name, x, y))
        for name in ("within", "at_least", "per", "remind_before"):
            x, y = getattr(a, name), getattr(b, name)
            if str(x) != str(y):
                dx, dy = _duration_days(x), _duration_days(y)
                verdict = ""
                if dx is not None and dy is not None and dx != dy:
                    tighter = dy < dx if name != "at_least" else dy > dx
                    verdict = self.w._(" (stricter)") if tighter else self.w._(" (looser)")
                out.append(_moved(name, x, y) + verdict)
        if [str(e) for e in a.escalate] != [str(e) for e in b.escalate]:
            out.append(self.w._("escalations: {old} → {new} rule(s)", old=len(a.escalate), new=len(b.escalate)))
        return out

    def _schema_changes(self, old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
        w, out = self.w, []
        a, b = old.get("properties", {}), new.get("properties", {})
        ra, rb = set(old.get("required", ())), set(new.get("required", ()))
        for name in sorted(set(a) | set(b)):
            if name not in b:
                out.append(w._("field {name} removed", name=name))
            elif name not in a:
                added = w._("field {name} added (required)", name=name) if name in rb else None
                out.append(added or w._("field {name} added", name=name))
            else:
                for key in ("type", "enum", "format", "minimum", "maximum", "maxLength", "$ref"):
                    if a[name].get(key) != b[name].get(key):
                        was, now = a[name].get(key), b[name].get(key)
                        out.append(w._("field {name}: {key} {old} → {new}", name=name, key=key, old=was, new=now))
                if name in rb and name not in ra:
                    out.append(w._("field {name} now required", name=name))
                if name in ra and name not in rb:
                    out.append(w._("field {name} no longer required", name=name))
        return out

    def _process(self) -> Iterator[Change]:
        old, new = self.old, self.new
        details = []
        for name in ("title", "description", "version", "initial", "locale"):
            x, y = _text(getattr(old, name)), _text(getattr(new, name))
            if x != y:
                details.append(_moved(name, x, y))
        if details:
            yield Change("changed", "process", new.id, new.title.get(), details=tuple(details))
        if old.calendar != new.calendar:
            yield Change("changed", "calendar", new.id, "calendar", details=(f"{old.calendar} → {new.calendar}",))

    def _role_details(self, a: Any, b: Any) -> list[str]:
        return [
            _moved(k, _text(getattr(a, k)), _text(getattr(b, k)))
            for k in ("title", "external")
            if _text(getattr(a, k)) != _text(getattr(b, k))
        ]

    def _stage_details(self, a: Any, b: Any) -> list[str]:
        out = [
            _moved(k, _text(getattr(a, k)), _text(getattr(b, k)))
            for k in ("title", "goal", "pipeline", "index")
            if _text(getattr(a, k)) != _text(getattr(b, k))
        ]
        return out + self._deadline_set(a.deadlines, b.deadlines)

    def _requires(self, a: Any, b: Any) -> list[str]:
        ra, rb = {str(r) for r in a.requires}, {str(r) for r in b.requires}
        return [self.w._("now requires {document}", document=r) for r in sorted(rb - ra)] + [
            self.w._("no longer requires {document}", document=r) for r in sorted(ra - rb)
        ]

    def _state_details(self, a: Any, b: Any) -> list[str]:
        out = [
            _moved(k, _text(getattr(a, k)), _text(getattr(b, k)))
            for k in ("title", "stage", "owner", "final")
            if _text(getattr(a, k)) != _text(getattr(b, k))
        ]
        out += self._requires(a, b)
        return (
            out
            + self._region_details(a, b)
            + self._signoff_details(a.signoff, b.signoff)
            + self._deadline_set(a.deadlines, b.deadlines)
        )

    def _signoff_details(self, a: Any, b: Any) -> list[str]:
        """A sign-off round added or removed, its signers, mode, quorum, order and outcome moves changed."""
        w = self.w
        if a == b:
            return []
        if a is None or b is None:
            rule = a or b
            signers = ", ".join(rule.signers)
            if a is None:
                return [w._("sign-off added ({mode} of {signers})", mode=rule.mode, signers=signers)]
            return [w._("sign-off removed ({mode} of {signers})", mode=rule.mode, signers=signers)]
        out = [w._("signer {role} added", role=r) for r in b.signers if r not in a.signers]
        out += [w._("signer {role} removed", role=r) for r in a.signers if r not in b.signers]
        for key in ("mode", "quorum", "ordered", "on_approve", "on_reject"):
            if getattr(a, key) != getattr(b, key):
                out.append(w._("sign-off {change}", change=_moved(key, getattr(a, key), getattr(b, key))))
        return out

    def _region_details(self, a: Any, b: Any) -> list[str]:
        """Regions added or removed, their states changed, and a join that waits for other regions."""
        w = self.w
        old, new = {r.id: r for r in a.regions}, {r.id: r for r in b.regions}
        out = [w._("region {id} added ({states})", id=i, states=", ".join(new[i].states)) for i in new if i not in old]
        out += [w._("region {id} removed", id=i) for i in old if i not in new]
        for i in sorted(old.keys() & new.keys()):
            if old[i].states != new[i].states or old[i].initial != new[i].initial:
                states = f"{', '.join(old[i].states)} → {', '.join(new[i].states)}"
                out.append(w._("region {id}: states {states}", id=i, states=states))
        if (a.regions or b.regions) and a.join != b.join:
            nothing = w._("(nothing)")
            joins = f"{', '.join(a.join) or nothing} → {', '.join(b.join) or nothing}"
            out.append(w._("joins {joins}", joins=joins))
        if a.parent != b.parent or a.region != b.region:
            out.append(_moved("region", f"{a.parent or '-'}/{a.region or '-'}", f"{b.parent or '-'}/{b.region or '-'}"))
        return out

    def _deadline_set(self, a: tuple[Deadline, ...], b: tuple[Deadline, ...]) -> list[str]:
        w = self.w
        old, new = {d.id: d for d in a}, {d.id: d for d in b}
        out = [
            w._("deadline {name} added: {title}", name=new[i].ref or i, title=_text(new[i].title))
            for i in new
            if i not in old
        ]
        out += [w._("deadline {name} removed", name=old[i].ref or i) for i in old if i not in new]
        for i in old.keys() & new.keys():
            for line in self._deadline_changes(old[i], new[i]):
                out.append(w._("deadline {name} {change}", name=new[i].ref or i, change=line))
        return sorted(out)

    def _transitions(self) -> Iterator[Change]:
        old, new, w = self.old, self.new, self.w
        a = {_transition_key(old, t): t for t in old.transitions}
        b = {_transition_key(new, t): t for t in new.transitions}
        for key in sorted(a.keys() | b.keys()):
            t = b.get(key) or a[key]
            where = _stage_title(new if key in b else old, t.sources[0])
            title = _text(t.title) or t.trigger
            if key not in b:
                yield Change("removed", "transition", key, title, where)
                continue
            if key not in a:
                yield Change("added", "transition", key, title, where, (f"{', '.join(t.sources)} → {t.dest}",))
                continue
            x, y = a[key], b[key]
            details = []
            if set(x.sources) != set(y.sources):
                details.append(_moved("from", ", ".join(x.sources), ", ".join(y.sources)))
            if x.dest != y.dest:
                details.append(_moved("to", x.dest, y.dest))
            more, fewer = set(y.roles) - set(x.roles), set(x.roles) - set(y.roles)
            if more:
                details.append(w._("permission widened: {roles} may now fire it", roles=", ".join(sorted(more))))
            if fewer:
                details.append(
                    w._("permission narrowed: {roles} may no longer fire it", roles=", ".join(sorted(fewer)))
                )
            details += self._requires(x, y)
            if x.guard != y.guard:
                none = w._("(none)")
                details.append(_moved("guard", x.guard or none, y.guard or none))
            if x.interrupts != y.interrupts:
                details.append(w._("now interrupts its regions") if y.interrupts else w._("now waits for the join"))
            if details:
                yield Change("changed", "transition", key, title, where, tuple(details))

    def _documents(self) -> Iterator[Change]:
        old, new, w = self.old, self.new, self.w
        renamed = _rename_pairs(old.documents, new.documents)
        for key in sorted(old.documents.keys() | new.documents.keys()):
            if key in renamed.values():
                continue
            target = renamed.get(key, key)
            if target not in new.documents:
                yield Change("removed", "document", key, old.documents[key].title.get())
                continue
            if key not in old.documents:
                yield Change("added", "document", key, new.documents[key].title.get())
                continue
            a, b = old.documents[key], new.documents[target]
            details = self._schema_changes(a.schema, b.schema)
            more, fewer = set(b.produced_by) - set(a.produced_by), set(a.produced_by) - set(b.produced_by)
            if more:
                details.append(w._("may now be submitted by {roles}", roles=", ".join(sorted(more))))
            if fewer:
                details.append(w._("may no longer be submitted by {roles}", roles=", ".join(sorted(fewer))))
            if a.template != b.template or (
                a.template and old.templates.get(a.template) != new.templates.get(b.template or "")
            ):
                details.append(w._("template changed"))
            if digest(asdict(a.computed) if a.computed else None) != digest(asdict(b.computed) if b.computed else None):
                details.append(w._("computation rules changed"))
            if a.shared != b.shared:
                details.append(_moved("shared", a.shared, b.shared))
            kind: Kind = "renamed" if key != target else "changed"
            if details or kind == "renamed":
                yield Change(
                    kind,
                    "document",
                    key if kind == "changed" else f"{key} → {target}",
                    b.title.get(),
                    details=tuple(details),
                )
