"""`procflow verify-bundle case.zip --trust PUBKEY`: recompute an evidence pack with no database.

First the container: a complete zip, safe names (no absolute paths, no `..`, no links), sizes within
limits and compression ratios no zip bomb reaches, every file listed in the manifest with the SHA-256 and
size it has — nothing changed, removed or added. Then the content: the events' hash chain; each document
version's hash; each definition's content hash; each working-day table's hash; the covering checkpoint's
signature from the trusted key (through any key handovers) and the case's head in it. The verdict names
the first bad item.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ..audit import chain_problem
from ..canonical import digest
from ..records import Event
from ..store.records import event_from_dict
from . import calendar
from .bundle import FORMAT
from .keys import key_id
from .signing import BadStatement, check_statement, successor

MAX_ENTRIES = 10_000
MAX_ENTRY = 64 << 20  # bytes, uncompressed
MAX_TOTAL = 256 << 20
MAX_RATIO = 100  # uncompressed / compressed, for entries over 1 MiB


class Bad(Exception):
    """The first thing wrong with a bundle; the message names it."""


@dataclass
class BundleVerdict:
    case: str | None = None
    events: int = 0
    signed_version: int | None = None
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _safe_name(info: zipfile.ZipInfo) -> None:
    name = info.filename
    path = PurePosixPath(name)
    if (
        not name
        or name.startswith("/")
        or "\\" in name
        or ":" in name
        or any(part in ("..", ".", "") for part in name.split("/"))
        or path.is_absolute()
    ):
        raise Bad(f"{name!r}: unsafe path inside the bundle (absolute, '..' or odd name)")
    if (info.external_attr >> 16) & 0o170000 == 0o120000:
        raise Bad(f"{name}: a symbolic link inside the bundle")


def read_entries(path: Path) -> dict[str, bytes]:
    """Every file of the zip, after the container checks; `Bad` naming the first problem."""
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise Bad(f"{path}: no such file") from None
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise Bad(f"{path}: not a complete zip file (truncated or damaged: {exc})") from None
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_ENTRIES:
            raise Bad(f"{path}: {len(infos)} entries (more than {MAX_ENTRIES}); refusing")
        total, entries = 0, {}
        for info in infos:
            _safe_name(info)
            if info.filename in entries:
                raise Bad(f"{info.filename}: appears twice in the bundle")
            total += info.file_size
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > MAX_ENTRY or total > MAX_TOTAL or (info.file_size > 1 << 20 and ratio > MAX_RATIO):
                raise Bad(f"{info.filename}: expands to {info.file_size} bytes (ratio {ratio:.0f}); a zip bomb?")
            try:
                with archive.open(info) as handle:
                    content = handle.read(info.file_size + 1)
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
                raise Bad(f"{info.filename}: damaged or truncated inside the bundle ({exc})") from None
            if len(content) != info.file_size:
                raise Bad(f"{info.filename}: its size differs from what the zip declares; a zip bomb?")
            entries[info.filename] = content
    return entries


def check_manifest(entries: dict[str, bytes]) -> dict[str, Any]:
    if "manifest.json" not in entries:
        raise Bad("manifest.json: absent (not a procflow evidence bundle)")
    manifest = _parse(entries, "manifest.json")
    if (
        not isinstance(manifest, dict)
        or manifest.get("format") != FORMAT
        or not isinstance(manifest.get("files"), dict)
    ):
        raise Bad(f"manifest.json: not a {FORMAT} manifest")
    listed: dict[str, Any] = manifest["files"]
    for name in sorted(set(listed) | set(entries) - {"manifest.json"}):
        if name not in entries:
            raise Bad(f"{name}: listed in the manifest but absent from the bundle (removed)")
        if name not in listed:
            raise Bad(f"{name}: in the bundle but not in the manifest (added)")
        content, entry = entries[name], listed[name]
        if not isinstance(entry, dict) or hashlib.sha256(content).hexdigest() != entry.get("sha256"):
            raise Bad(f"{name}: changed (its SHA-256 differs from the manifest's)")
        if len(content) != entry.get("size"):
            raise Bad(f"{name}: changed (its size differs from the manifest's)")
    return manifest


def _parse(entries: dict[str, bytes], name: str) -> Any:
    try:
        return json.loads(entries[name].decode("utf-8"))
    except KeyError:
        raise Bad(f"{name}: absent from the bundle") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise Bad(f"{name}: not JSON ({exc})") from None


def check_events(entries: dict[str, bytes], case_id: str) -> list[Event]:
    rows = _parse(entries, "events.json")
    try:
        events = [event_from_dict(row) for row in rows]
    except (TypeError, KeyError, ValueError, AttributeError) as exc:
        raise Bad(f"events.json: not a list of events ({exc})") from None
    if not events or any(e.case_id != case_id for e in events):
        raise Bad(f"events.json: not the events of case {case_id}")
    problem = chain_problem(events)
    if problem:
        raise Bad(f"events.json: case {case_id}: {problem}")
    return events


def check_documents(entries: dict[str, bytes], events: list[Event]) -> None:
    for event in events:
        if event.document is None or event.kind not in ("submitted", "computed"):
            continue
        name = f"documents/{event.seq}.json"
        body = _parse(entries, name)
        data = body.get("data") if isinstance(body, dict) else None
        if data != event.data or digest(data, event.hash_scheme) != event.document_hash:
            raise Bad(f"{name}: its content does not hash to the document hash event {event.seq} recorded")


def check_definitions(entries: dict[str, bytes], events: list[Event]) -> None:
    for content_hash in dict.fromkeys(e.definition_hash for e in events):
        name = f"definitions/{content_hash}.json"
        bundle = _parse(entries, name)
        try:
            form = {"process": bundle["process"], "schemas": bundle["schemas"], "templates": bundle["templates"]}
            recomputed = digest(form, int(bundle.get("hash_scheme", 1)))
        except (KeyError, TypeError, ValueError) as exc:
            raise Bad(f"{name}: not a stored definition ({exc})") from None
        if recomputed != content_hash:
            raise Bad(f"{name}: its content does not hash to {content_hash[:12]}, the version the events ran under")
        source = entries.get(f"definitions/{content_hash}.yaml", b"").decode("utf-8", "replace")
        if source != bundle.get("source_text"):
            raise Bad(f"definitions/{content_hash}.yaml: differs from the source text the definition stored")


def check_calendars(entries: dict[str, bytes], events: list[Event]) -> None:
    for name in sorted(n for n in entries if n.startswith("calendar/")):
        table = _parse(entries, name)
        if not isinstance(table, dict) or f"calendar/{calendar.table_hash(table)}.json" != name:
            raise Bad(f"{name}: its content does not hash to its name")
    for event in events:
        data = dict(event.data or {})
        if event.kind == "recalendared" and calendar.table_hash(data.get("table") or {}) != data.get("calendar"):
            raise Bad(f"events.json: the working-day table event {event.seq} put in force does not hash to its name")


def check_signature(
    entries: dict[str, bytes], events: list[Event], trusted: Sequence[Ed25519PublicKey], verdict: BundleVerdict
) -> None:
    trust = {key_id(k): k for k in trusted}
    handovers = sorted(
        (int(PurePosixPath(n).stem), n) for n in entries if n.startswith("checkpoint/keys/") and n.endswith(".json")
    )
    try:
        for _, name in handovers:
            sig = entries.get(name[:-5] + ".b64", b"").decode("ascii", "replace")
            trust = successor(check_statement(name, entries[name].decode("utf-8", "replace"), sig, trust), trust)
        text = entries.get("checkpoint/statement.json", b"").decode("utf-8", "replace")
        sig = entries.get("checkpoint/signature.b64", b"").decode("ascii", "replace")
        body = check_statement("checkpoint/statement.json", text, sig, trust)
    except BadStatement as exc:
        raise Bad(str(exc)) from None
    heads = [h for h in body.get("heads", ()) if isinstance(h, list) and h and h[0] == events[0].case_id]
    if not heads:
        raise Bad(f"checkpoint/statement.json: does not cover case {events[0].case_id}")
    _case, version, head = heads[0]
    if not 1 <= version <= len(events) or events[version - 1].hash != head:
        raise Bad(f"events.json: event {version} is not the head signed in checkpoint {body.get('number')}")
    verdict.signed_version = version
    if len(events) > version:
        verdict.notes.append(
            f"{len(events) - version} event(s) after signed checkpoint {body.get('number')}: checked by their chain"
        )


def verify_bundle(path: Path, trusted: Sequence[Ed25519PublicKey]) -> BundleVerdict:
    verdict = BundleVerdict()
    try:
        entries = read_entries(path)
        manifest = check_manifest(entries)
        verdict.case = str(manifest.get("case"))
        events = check_events(entries, verdict.case)
        verdict.events = len(events)
        check_documents(entries, events)
        check_definitions(entries, events)
        check_calendars(entries, events)
        check_signature(entries, events, trusted, verdict)
    except Bad as exc:
        verdict.problems.append(str(exc))
    return verdict
