"""`procflow audit CASE --bundle case.zip`: everything needed to re-check one case with no database.

The pack holds, each as its own file listed with its SHA-256 and size in `manifest.json`:

    events.json                   every event of the case as stored (fields, hash, hash scheme)
    documents/SEQ.json            each document version's content, by the event that stored it
    definitions/HASH.json         each definition version the case ran under (process, schemas, templates)
    definitions/HASH.yaml         … and its source text
    calendar/HASH.json            the working-day table its deadlines were judged on (years it spans)
    grants.json                   what each event records of the authority it rested on
    checkpoint/statement.json     the latest signed checkpoint covering the case, exactly as signed
    checkpoint/signature.b64
    checkpoint/keys/N.json|.b64   the statements that handed signing from key to key before it

`procflow.evidence.bundle_check` and the standalone script in docs/ recompute all of it.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from ..errors import InputError, StoreError
from ..records import Event
from ..runtime.engine import Engine
from ..store.records import event_to_dict
from . import calendar
from .signing import durable

FORMAT = "procflow-evidence/1"
_STAMP = (1980, 1, 1, 0, 0, 0)  # fixed entry times: the same case gives the same bytes


def _json(value: Any) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


def grants(events: list[Event]) -> dict[str, Any]:
    """The directory grant or cover each action rested on (the event's sealed `basis`; none on events recorded
    before the directory), beside who acted in which role."""
    rows = []
    for event in events:
        data = dict(event.data or {})
        rows.append(
            {
                "seq": event.seq,
                "kind": event.kind,
                "actor": event.actor,
                "role": event.role,
                "grant": event.basis or data.get("grant", data.get("grants")),
            }
        )
    return {"format": "procflow-grants/1", "events": rows}


def _deadlines(
    engine: Engine, case_id: str, events: list[Event], now: datetime, in_force: str | None
) -> list[dict[str, Any]]:
    """Each obligation as judged at `now`, with the hash of the working-day table it was judged on: the one
    the last `recalendared` note put in force, or else the installed data's (in `calendar/`)."""
    noted = [e for e in events if e.kind == "recalendared" and e.data]
    judged_on = noted[-1].data["calendar"] if noted and noted[-1].data else in_force
    return [
        {
            "key": o.key,
            "deadline": o.deadline.ref or o.deadline.id,
            "status": o.status,
            "due_at": o.due_at.isoformat() if o.due_at else None,
            "met_at": o.met_at.isoformat() if o.met_at else None,
            "calendar": judged_on if o.deadline.within and o.deadline.within.unit == "working_days" else None,
        }
        for o in engine.deadlines(case_id, now)
    ]


def covering(store: Any, case_id: str) -> tuple[list[tuple[int, str, str, str]], tuple[int, str, str, str]]:
    """(the key-handover statements before it, the latest signed statement whose heads include the case)."""
    rows = durable(store).signed_checkpoints()
    for index in range(len(rows) - 1, -1, -1):
        body = json.loads(rows[index][2])
        if any(head[0] == case_id for head in body.get("heads", ())):
            handovers = [r for r in rows[:index] if json.loads(r[2]).get("next_key")]
            return handovers, rows[index]
    raise StoreError(f"no signed checkpoint covers case {case_id} yet; run 'procflow checkpoint --sign KEY' first")


def _files(engine: Engine, case_id: str, now: datetime) -> Iterator[tuple[str, bytes]]:
    store = durable(engine.store)
    events = store.raw_events(case_id)
    if not events:
        raise StoreError(f"no case {case_id!r} in the store")
    yield "events.json", _json([event_to_dict(e) for e in events])
    for event in events:
        if event.document is not None and event.kind in ("submitted", "computed"):
            body = {"document": event.document, "version": event.document_version, "data": event.data}
            yield f"documents/{event.seq}.json", _json({**body, "hash": event.document_hash})
    years = range(events[0].at.year, max(now.year, events[-1].at.year) + 2)
    process_id = str((events[0].data or {}).get("process_id", ""))
    in_force = None
    for definition_hash in dict.fromkeys(e.definition_hash for e in events):
        stored = dict(engine.store.load_definition(definition_hash))
        yield f"definitions/{definition_hash}.json", _json(stored)
        yield f"definitions/{definition_hash}.yaml", str(stored.get("source_text", "")).encode("utf-8")
        declared = engine.definition(process_id, definition_hash).calendar
        if declared is not None:
            table = calendar.table(declared, years)
            in_force = calendar.table_hash(table)
            yield f"calendar/{in_force}.json", _json(table)
    yield "deadlines.json", _json(_deadlines(engine, case_id, events, now, in_force))
    yield "grants.json", _json(grants(events))
    handovers, (_number, _key, statement, signature) = covering(engine.store, case_id)
    for n, _k, text, sig in handovers:
        yield f"checkpoint/keys/{n}.json", text.encode("utf-8")
        yield f"checkpoint/keys/{n}.b64", sig.encode("ascii")
    yield "checkpoint/statement.json", statement.encode("utf-8")
    yield "checkpoint/signature.b64", signature.encode("ascii")


def write_bundle(engine: Engine, case_id: str, path: Path, now: datetime) -> dict[str, Any]:
    """Write the evidence pack of `case_id` to `path` (atomically); returns its manifest."""
    files = dict(_files(engine, case_id, now))
    manifest = {
        "format": FORMAT,
        "case": case_id,
        "made_at": now.isoformat(),
        "files": {n: {"sha256": hashlib.sha256(b).hexdigest(), "size": len(b)} for n, b in sorted(files.items())},
    }
    tmp = path.with_name(path.name + ".tmp")
    try:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, content in [("manifest.json", _json(manifest)), *sorted(files.items())]:
                archive.writestr(zipfile.ZipInfo(name, _STAMP), content, zipfile.ZIP_DEFLATED)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None
    return manifest
