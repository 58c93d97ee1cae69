"""The case row's snapshot: everything a step needs, as JSON, written in the same transaction as each event.

A step reads the snapshot (one row) instead of replaying the events, so it costs the same on day 1 and day
300. The events stay the truth: the snapshot is a cache of `procflow.fold.apply` folded over them, `verify`
replays every case and names one whose snapshot disagrees, and a read refuses a snapshot whose version or
head is not the last stored event's (`agrees_with_chain`). A store written before snapshots existed gets
them in its migration, by replaying each case (`backfill`).
"""

from __future__ import annotations

import json
import json.encoder
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from types import MappingProxyType
from typing import Any, Protocol

from ..canonical import compact_json, plain
from ..fold import all_versions, replay
from ..history import History, Versions
from ..instants import iso
from ..records import Case, Event
from .records import (
    EVENT_FIELDS,
    event_from_dict,
    event_from_row,
    event_to_dict,
    version_from_dict,
    version_to_dict,
)

FORMAT = 1  # the snapshot's own layout version, so a later one can be read or rebuilt


class _Tx(Protocol):
    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[Any]: ...


_q = json.encoder.encode_basestring  # a JSON string as the encoder spells it (C, UTF-8 kept)


def snapshot_json(case: Case) -> str:
    """The case without its history, as the text of the case row's `snapshot` column: exactly what
    `compact_json` writes of these fields in this order (a test checks), spelled by hand where the parts
    are fixed — text, integers, the instants, who took each step — which costs a step about 3 µs less
    than building the dict for the encoder; the open-ended parts (data, documents, recent events, the
    deadline trail) go through it, and only when they are not empty."""
    trail = case.trail
    q = _q
    return (
        f'{{"format":{FORMAT},"id":{q(case.id)},"process_id":{q(case.process_id)},'
        f'"definition_hash":{q(case.definition_hash)},"state":{q(case.state)},"version":{case.version},'
        f'"created_at":{q(iso(case.created_at))},"updated_at":{q(iso(case.updated_at))},'
        f'"entered_seq":{case.entered_seq},"data":{compact_json(plain(case.data)) if case.data else "{}"},'
        f'"leaves":{{{",".join(f"{q(leaf)}:{seq}" for leaf, seq in case.leaves.items())}}},'
        f'"head":{"null" if case.head is None else q(case.head)},'
        f'"documents":{_listed([version_to_dict(v) for v in case.latest_versions.values()])},'
        f'"doers":{{{_doers(case.doers)}}},'
        f'"involved":[{",".join(map(q, case.involved))}],'
        f'"recent":{_listed([event_to_dict(e) for e in case.recent])},'
        # a trail is JSON lists and dicts (deadline_trail builds it so); a read one is wrapped at the top only
        f'"trail":{"null" if trail is None else compact_json(trail if type(trail) is dict else dict(trail))}}}'
    )


def _listed(items: list[dict[str, Any]]) -> str:
    return compact_json(items) if items else "[]"


def _doers(doers: Mapping[str, tuple[str, ...]]) -> str:
    q = _q
    return ",".join(f"{q(step)}:[{','.join(map(q, people))}]" for step, people in doers.items())


def case_from_snapshot(text: str, load_history: Callable[[], Sequence[Event]]) -> Case:
    """The case a snapshot describes; its history is read through `load_history` only if someone looks."""
    row = json.loads(text)
    if row.get("format") != FORMAT:
        raise ValueError(f"snapshot format {row.get('format')!r}, this procflow reads {FORMAT}")
    history = History(load_history, row["version"])
    latest = MappingProxyType({d["document"]: version_from_dict(d) for d in row["documents"]})
    return Case(
        row["id"],
        row["process_id"],
        row["definition_hash"],
        row["state"],
        row["version"],
        datetime.fromisoformat(row["created_at"]),
        datetime.fromisoformat(row["updated_at"]),
        row["entered_seq"],
        MappingProxyType(row["data"]),
        Versions(history, latest, all_versions),
        history,
        MappingProxyType(row["leaves"]),
        row["head"],
        latest,
        MappingProxyType({key: tuple(people) for key, people in row["doers"].items()}),
        tuple(row["involved"]),
        tuple(event_from_dict(e) for e in row["recent"]),
        None if row["trail"] is None else MappingProxyType(row["trail"]),
    )


def agrees_with_chain(case: Case, last_seq: int | None, last_hash: str | None) -> bool:
    """Whether the snapshot ends where the stored events end (a cheap check on every read; `verify` replays)."""
    return case.version == last_seq and case.head == last_hash


def mismatch(stored: Case, replayed: Case) -> str | None:
    """The first part of a snapshot that is not what replaying the events gives, or None."""
    for name in ("state", "version", "head", "definition_hash", "entered_seq", "process_id", "created_at"):
        if getattr(stored, name) != getattr(replayed, name):
            return f"{name} is {getattr(stored, name)!r}, the events say {getattr(replayed, name)!r}"
    parts: tuple[tuple[str, Any, Any], ...] = (
        ("updated_at", stored.updated_at, replayed.updated_at),
        ("data", plain(stored.data), plain(replayed.data)),
        ("regions", dict(stored.leaves), dict(replayed.leaves)),
        ("documents", _versions(stored), _versions(replayed)),
        ("who took each step", dict(stored.doers), dict(replayed.doers)),
        ("people involved", stored.involved, replayed.involved),
        ("events of the current state", [e.hash for e in stored.recent], [e.hash for e in replayed.recent]),
    )
    for name, mine, truth in parts:
        if mine != truth:
            return f"its {name} differ from what the events say"
    return None


def _versions(case: Case) -> dict[str, tuple[int, str]]:
    return {name: (v.version, v.hash) for name, v in case.latest_versions.items()}


def backfill(tx: _Tx) -> None:
    """Give every case row its snapshot by replaying the case's events, one case at a time (bounded memory);
    runs inside the migration's transaction, so a store is migrated whole or not at all."""
    tx.execute("ALTER TABLE cases ADD COLUMN snapshot TEXT")
    columns = ", ".join(EVENT_FIELDS)
    for (case_id,) in tx.execute("SELECT id FROM cases ORDER BY id"):
        rows = tx.execute(f"SELECT {columns} FROM events WHERE case_id = ? ORDER BY seq", (case_id,))
        if rows:
            case = replay([event_from_row(row) for row in rows])
            tx.execute("UPDATE cases SET snapshot = ? WHERE id = ?", (snapshot_json(case), case_id))
