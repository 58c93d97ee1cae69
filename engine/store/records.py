"""Events and document versions ↔ plain dicts, and instants ↔ text, for stores that write JSON or rows."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from ..canonical import JCS, LEGACY, canonical_json, jcs, plain
from ..chain import event_values
from ..instants import iso, utc_text
from ..records import DocumentVersion, Event

EVENT_FIELDS = (
    "case_id",
    "seq",
    "kind",
    "at",
    "actor",
    "role",
    "definition_hash",
    "trigger",
    "source",
    "dest",
    "document",
    "document_version",
    "document_hash",
    "data",
    "prev_hash",
    "hash",
    "hash_scheme",
    "basis",
)


def utc(at: datetime) -> str:
    """Instants as fixed-width UTC text: sortable, so an index orders them correctly."""
    return utc_text(at)


def event_to_dict(event: Event) -> dict[str, Any]:
    row = {name: getattr(event, name) for name in EVENT_FIELDS}
    row["at"] = iso(event.at)
    row["data"] = None if event.data is None else plain(event.data)
    return row


def event_from_dict(row: dict[str, Any]) -> Event:
    return Event(
        case_id=row["case_id"],
        seq=row["seq"],
        kind=row["kind"],
        at=datetime.fromisoformat(row["at"]),
        actor=row["actor"],
        role=row["role"],
        definition_hash=row["definition_hash"],
        trigger=row.get("trigger"),
        source=row.get("source"),
        dest=row.get("dest"),
        document=row.get("document"),
        document_version=row.get("document_version"),
        document_hash=row.get("document_hash"),
        data=row.get("data"),
        prev_hash=row.get("prev_hash"),
        hash=row.get("hash"),
        hash_scheme=row.get("hash_scheme") or LEGACY,  # exports made before schemes were recorded
        basis=row.get("basis"),
    )


def version_to_dict(version: DocumentVersion) -> dict[str, Any]:
    return {
        "document": version.document,
        "version": version.version,
        "data": plain(version.data),
        "hash": version.hash,
        "actor": version.actor,
        "role": version.role,
        "at": iso(version.at),
        "seq": version.seq,
    }


def version_from_dict(row: dict[str, Any]) -> DocumentVersion:
    return DocumentVersion(
        document=row["document"],
        version=row["version"],
        data=row["data"],
        hash=row["hash"],
        actor=row["actor"],
        role=row["role"],
        at=datetime.fromisoformat(row["at"]),
        seq=row["seq"],
    )


def event_row(event: Event) -> tuple[Any, ...]:
    """An event as the values of an `events` row, in EVENT_FIELDS order."""
    values = list(event_values(event))
    if event.data is not None:  # in its scheme's canonical spelling, so a verifier can hash the row as stored
        data = plain(event.data)
        values[13] = jcs(data).decode("utf-8") if event.hash_scheme == JCS else canonical_json(data)
    return (*values, event.hash, event.hash_scheme, event.basis)


def event_from_row(row: Sequence[Any]) -> Event:
    """An `events` row (EVENT_FIELDS order) back into an event."""
    return Event(
        row[0],
        row[1],
        row[2],
        datetime.fromisoformat(row[3]),
        row[4],
        row[5],
        row[6],
        row[7],
        row[8],
        row[9],
        row[10],
        row[11],
        row[12],
        None if row[13] is None else json.loads(row[13]),
        row[14],
        row[15],
        row[16] or LEGACY,  # NULL: sealed before schema v5 recorded the scheme
        row[17],
    )
