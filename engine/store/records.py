"""Events and document versions ↔ plain dicts, and instants ↔ text, for stores that write JSON or rows."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from engine.canonical import plain
from engine.records import DocumentVersion, Event

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
    "basis",
)


def utc(at: datetime) -> str:
    """Instants as fixed-width UTC text: sortable, so an index orders them correctly."""
    return (at if at.tzinfo is UTC else at.astimezone(UTC)).isoformat(timespec="microseconds")


def event_to_dict(event: Event) -> dict[str, Any]:
    row = {name: getattr(event, name) for name in EVENT_FIELDS}
    row["at"] = event.at.isoformat()
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
        "at": version.at.isoformat(),
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
