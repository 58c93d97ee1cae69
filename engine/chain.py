"""The hash chain over a case's events: how an event is spelled for hashing, its digest, and sealing a new one.

Its own module because hashing is one job apart from the records and their fold: the runtime seals each new
event here, and the audit and evidence code verify a history with the same spelling, while `records` stays
the record types and how events fold into a case. Ground layer: it imports only the canonical form and the
records.
"""

from __future__ import annotations

import hashlib
import json.encoder
from collections.abc import Sequence
from types import MappingProxyType
from typing import Any

from .canonical import JCS, canonical_bytes, canonical_json, plain, scan
from .instants import iso
from .records import Case, Event

GENESIS = "0" * 64
_quoted = json.encoder.encode_basestring  # a JSON string as canonical JSON spells it (C, UTF-8 kept)


def event_values(event: Event) -> tuple[Any, ...]:
    """An event's fields in their one fixed order (EVENT_FIELDS), `at` as ISO text, without its own hash."""
    return (
        event.case_id,
        event.seq,
        event.kind,
        iso(event.at),
        event.actor,
        event.role,
        event.definition_hash,
        event.trigger,
        event.source,
        event.dest,
        event.document,
        event.document_version,
        event.document_hash,
        event.data,
        event.prev_hash,
    )


def event_digest(event: Event, data_text: str | None = None) -> str:
    """The hash an event must carry: over all its fields, in a fixed order, and its predecessor's hash,
    spelled under the event's own `hash_scheme` (so events hashed before RFC 8785 keep verifying).

    `data_text`: the RFC 8785 spelling of `event.data` when it is also Python's sorted JSON, as `frozen`
    gives it for the copy the event holds; spelled in as it is, instead of spelled again."""
    values = event_values(event)
    if event.hash_scheme == JCS:  # every field but `data` is text, a small integer or null: scan only `data`
        data: Any = event.data
        agrees = True
        if data_text is None and data is not None:
            if type(data) is MappingProxyType:  # as events hold it: a shallow copy spells the same, needs no `plain`
                data = dict(data)
            proxies, agrees = scan(data)
            if agrees:  # Python's sorted JSON is RFC 8785 here
                data_text = canonical_json(plain(data) if proxies else data)
        if agrees:  # spelled in place like a stored row
            return _spelled_digest((*values[:13], data_text, event.prev_hash), event.basis)
    body = _with_basis(list(values), event.basis)
    body[13] = None if event.data is None else plain(event.data)
    return hashlib.sha256(canonical_bytes(body, event.hash_scheme)).hexdigest()


def _with_basis(body: list[Any], basis: str | None) -> list[Any]:
    """Events from before the directory carry no basis and keep their old hash; later ones seal it too."""
    return body if basis is None else [*body, basis]


def stored_digest(values: Sequence[Any]) -> str:
    """An event's hash straight from its stored spelling: the fields of `event_values`, `data` as the JSON text
    a store keeps. Equal to `event_digest` whenever that text is the scheme's canonical spelling of the data,
    as the SQL stores write it; a verifier falls back to `event_digest` when the two differ."""
    return _spelled_digest(values[:15], values[17] if len(values) > 17 else None)  # …, hash, hash_scheme, basis


def _spelled_digest(values: Sequence[Any], basis: str | None) -> str:
    """SHA-256 of the canonical JSON list of the fields of `event_values` (`data` given as its JSON text) and
    the basis, spelled field by field: the same bytes as the canonical encoder's, without walking a list."""
    case_id, seq, kind, at, actor, role, definition, trigger, source, dest, document, version, hashed, data, prev = (
        values
    )
    q, n = _quoted, "null"  # a null field spelled inline: this runs for every event sealed and verified
    text = (
        f"[{q(case_id)},{seq},{q(kind)},{q(at)},{q(actor)},{q(role)},{q(definition)},"
        f"{n if trigger is None else q(trigger)},{n if source is None else q(source)},"
        f"{n if dest is None else q(dest)},{n if document is None else q(document)},"
        f"{n if version is None else version},{n if hashed is None else q(hashed)},"
        f"{n if data is None else data},{n if prev is None else q(prev)}{'' if basis is None else ',' + q(basis)}]"
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def seal(event: Event, case: Case | None, data_text: str | None = None) -> Event:
    """Chain a *newly built* event to the case's last one: set its prev_hash and its own hash.

    Only for an event nobody else has seen yet (every event is built and sealed in one expression),
    which is why it may complete the frozen record in place instead of copying it. `data_text`: as for
    `event_digest` (the spelling `frozen` made of the event's data, so it is not spelled twice).
    """
    if event.hash is not None:
        raise ValueError(f"event {event.seq} of case {event.case_id} is already sealed")
    previous = case.head if case is not None else None
    object.__setattr__(event, "prev_hash", previous or GENESIS)
    object.__setattr__(event, "hash", event_digest(event, data_text))
    return event
