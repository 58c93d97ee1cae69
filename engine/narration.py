"""Events as sentences a person reads ("王敏 (销售代表) moved the case from 线索 (lead) to 商机 (opportunity)"), in
the run's language and time zone, with ids shown beside their titles.

Shared by `status`, `history`, the audit report and the API's history lines; the data itself (JSON) keeps ids.
"""

from __future__ import annotations

from datetime import UTC, tzinfo
from typing import Any

from .definition.model import ProcessDefinition
from .i18n import Translator, instant, translator
from .records import ASSIGNMENT_KINDS, ROUND_KINDS, SYSTEM_ROLE, Event

_NOTES = ("reminded", "escalated", "breach", "migrated", "recalendared")


class _Names:
    """Ids of one definition shown with their titles (the bare id without a definition)."""

    def __init__(self, definition: ProcessDefinition | None, words: Translator) -> None:
        self.d, self.words = definition, words

    def _named(self, ident: Any, table: Any) -> str:
        if ident is None:
            return "-"
        found = table.get(ident) if table is not None else None
        return self.words.named(str(ident), found.title if found is not None else None)

    def state(self, ident: Any) -> str:
        return self._named(ident, self.d.states if self.d else None)

    def role(self, ident: Any) -> str:
        return self._named(ident, self.d.roles if self.d else None)

    def acting_role(self, ident: str) -> str:
        """The role an actor acted in, by its title alone (the id where it has none): 'rita (Requester)'."""
        if ident == SYSTEM_ROLE:
            return self.words._("system")
        found = self.d.roles.get(ident) if self.d else None
        return (self.words.title(found.title) if found is not None else "") or ident

    def document(self, ident: Any) -> str:
        return self._named(ident, self.d.documents if self.d else None)


def describe_event(
    event: Event, zone: tzinfo = UTC, definition: ProcessDefinition | None = None, lang: str | None = None
) -> str:
    """`when  who what`: the instant in `zone`, labelled with its offset, then the sentence."""
    return f"{instant(event.at, zone)}  {event_sentence(event, definition, lang)}"


def event_sentence(event: Event, definition: ProcessDefinition | None = None, lang: str | None = None) -> str:
    words = translator(lang)
    names = _Names(definition, words)
    who = f"{event.actor} ({names.acting_role(event.role)})"
    data = event.data or {}
    if event.kind == "started":
        return words._("{who} started the case in {state}", who=who, state=names.state(event.dest))
    if event.kind == "fired":
        inside = data.get("active")
        regions = f" ({' ‖ '.join(names.state(s) for s in inside)})" if inside else ""
        return (
            words._(
                "{who} moved the case from {source} to {dest} ({trigger})",
                who=who,
                source=names.state(event.source),
                dest=names.state(event.dest),
                trigger=event.trigger,
            )
            + regions
        )
    if event.kind in ASSIGNMENT_KINDS:
        return _assignment(event, who, names)
    if event.kind in ROUND_KINDS:
        return _round(event, who, names)
    if event.kind in _NOTES:
        details = ", ".join(f"{k}={v}" for k, v in data.items() if v not in (None, [], "") and k != "table")
        return words._("{who} recorded {kind}: {details}", who=who, kind=_kind(event.kind, words), details=details)
    what = dict(
        who=who,
        document=names.document(event.document),
        version=event.document_version,
        digest=(event.document_hash or "")[:12],
    )
    if event.kind == "computed":
        return words._("{who} computed {document} v{version} ({digest})", **what)
    return words._("{who} submitted {document} v{version} ({digest})", **what)


def _assignment(event: Event, who: str, names: _Names) -> str:
    words, data = names.words, event.data or {}
    person = data.get("person")
    to = str(person) if person else words._("the {role} queue", role=names.role(data.get("role")))
    text = words._("{who} {kind} the work to {to}", who=who, kind=_kind(event.kind, words), to=to)
    if data.get("from"):
        text += words._(", from {person}", person=data["from"])
    if data.get("back_to"):
        text += words._(", back to {person} when done", person=data["back_to"])
    return f"{text} ({data.get('rule')})"


def _round(event: Event, who: str, names: _Names) -> str:
    words, data = names.words, event.data or {}
    state = names.state(data.get("state"))
    if event.kind == "signed":
        verdict = words._("approved") if data.get("verdict") == "approve" else words._("rejected")
        comment = f": {data['comment']}" if data.get("comment") else ""
        return words._("{who} {verdict} on {state}", who=who, verdict=verdict, state=state) + comment
    signer = names.role(data.get("signer"))
    if event.kind == "signer_added":
        return words._("{who} added signer {signer} on {state}", who=who, signer=signer, state=state)
    return words._("{who} removed signer {signer} on {state}", who=who, signer=signer, state=state)


def _kind(kind: str, words: Translator) -> str:
    """An event kind as a word of the run's language."""
    return {
        "assigned": words._("assigned"),
        "claimed": words._("claimed"),
        "released": words._("released"),
        "reassigned": words._("reassigned"),
        "delegated": words._("delegated"),
        "transferred": words._("transferred"),
        "reminded": words._("a reminder"),
        "escalated": words._("an escalation"),
        "breach": words._("a breach"),
        "migrated": words._("a migration"),
        "recalendared": words._("a calendar change"),
    }.get(kind, kind)
