"""Instants as ISO 8601 text, spelled once per datetime object.

A step spells the same instant several times — the event's hash, its row, the case's snapshot, the deadline
trail, the outbox rows — and CPython's `datetime.isoformat` is slow for what it does (about 2 µs, a tenth of
an in-memory step for five calls). A datetime is immutable, so one object always spells the same: each table
keeps the last few objects it spelled (held, so their ids cannot be reused while they are in it) and answers
an object it holds without spelling it again. Equal instants that are other objects are spelled anew, so a
value's zone and fold always come from the object itself.
"""

from __future__ import annotations

from datetime import UTC, datetime

_LIMIT = 32  # a step spells a handful of instants; more than this and the table starts afresh

_ISO: dict[int, tuple[datetime, str]] = {}
_UTC: dict[int, tuple[datetime, str]] = {}


def iso(at: datetime) -> str:
    """`at.isoformat()`."""
    known = _ISO.get(id(at))
    if known is not None and known[0] is at:
        return known[1]
    return _remember(_ISO, at, at.isoformat())


def utc_text(at: datetime) -> str:
    """The instant in UTC with microseconds: fixed-width text, so an index on it sorts by time."""
    known = _UTC.get(id(at))
    if known is not None and known[0] is at:
        return known[1]
    return _remember(_UTC, at, (at if at.tzinfo is UTC else at.astimezone(UTC)).isoformat(timespec="microseconds"))


def _remember(table: dict[int, tuple[datetime, str]], at: datetime, text: str) -> str:
    if len(table) >= _LIMIT:
        table.clear()
    table[id(at)] = (at, text)
    return text
