"""Files in documents: a document field with `format: attachment` holds `sha256:<hex>` of a file uploaded
through the API. The field's schema says which media types it takes (`x-media-types`) and how large a file
may be (`x-max-bytes`); the type is sniffed from the bytes, never taken from the client. The file lives in an
attachment backend, content-addressed; its hash is in the document, so it is sealed into the case's chain.

A backend is a Protocol plus a registry: `store:` keeps files in the procflow store (SQLite blob, PostgreSQL
bytea), `file:///srv/procflow/files` in a folder (for large deployments). Asking for another lists these.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import filetype

from ..definition.model import DocumentSpec
from ..records import Case
from ..store.access import AttachmentRecord
from ..store.base import Store
from ..suggest import did_you_mean
from .problems import ApiProblem

REFERENCE = re.compile(r"^sha256:([0-9a-f]{64})$")
DEFAULT_MAX = 10 << 20


class AttachmentBackend(Protocol):
    """Where attachment bytes live, by SHA-256. `put` is idempotent (the same bytes are kept once)."""

    def put(self, record: AttachmentRecord, content: bytes) -> None: ...

    def get(self, sha256: str) -> tuple[AttachmentRecord, bytes] | None: ...


class StoreBackend:
    """Files in the procflow store itself: one backup holds cases and their files."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def put(self, record: AttachmentRecord, content: bytes) -> None:
        self.store.put_attachment(record, content)

    def get(self, sha256: str) -> tuple[AttachmentRecord, bytes] | None:
        return self.store.attachment(sha256)


class FilesystemBackend:
    """Files in a folder, `ab/abcdef….bin` with a one-line `.type` beside it; written atomically."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def _path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / f"{sha256}.bin"

    def put(self, record: AttachmentRecord, content: bytes) -> None:
        path = self._path(record.sha256)
        if path.exists():
            return
        path.parent.mkdir(exist_ok=True)
        path.with_suffix(".type").write_text(f"{record.media_type} {record.at.isoformat()}", "utf-8")
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as scratch:
            scratch.write(content)
        os.replace(scratch.name, path)

    def get(self, sha256: str) -> tuple[AttachmentRecord, bytes] | None:
        path = self._path(sha256)
        if not path.exists():
            return None
        media_type, at = path.with_suffix(".type").read_text("utf-8").split(" ", 1)
        content = path.read_bytes()
        return AttachmentRecord(sha256, media_type, len(content), datetime.fromisoformat(at)), content


Opener = Callable[[str, Store], AttachmentBackend]
_BACKENDS: dict[str, Opener] = {
    "store": lambda url, store: StoreBackend(store),
    "file": lambda url, store: FilesystemBackend(Path(url.removeprefix("file://"))),
}


def register_backend(scheme: str, opener: Opener) -> None:
    _BACKENDS[scheme] = opener


def open_backend(url: str, store: Store) -> AttachmentBackend:
    scheme = url.split(":", 1)[0]
    if scheme not in _BACKENDS:
        known = sorted(_BACKENDS)
        raise ApiProblem(500, f"unknown attachment backend {url!r}{did_you_mean(scheme, known)}; known: {known}")
    return _BACKENDS[scheme](url, store)


@dataclass(frozen=True)
class FieldRule:
    """What an attachment field accepts."""

    field: str
    media_types: tuple[str, ...]
    max_bytes: int


def attachment_fields(spec: DocumentSpec) -> Iterator[FieldRule]:
    """The top-level fields of a document that hold attachments."""
    properties: Mapping[str, Any] = spec.schema.get("properties", {})
    for name, sub in properties.items():
        if isinstance(sub, Mapping) and sub.get("format") == "attachment":
            yield FieldRule(name, tuple(sub.get("x-media-types", ())), int(sub.get("x-max-bytes", DEFAULT_MAX)))


def rule_for(spec: DocumentSpec, field: str) -> FieldRule:
    rules = {rule.field: rule for rule in attachment_fields(spec)}
    if field not in rules:
        raise ApiProblem(404, f"document {spec.id!r} has no attachment field {field!r}{did_you_mean(field, rules)}")
    return rules[field]


def sniff(content: bytes) -> str:
    """The media type the bytes are, by their magic numbers; UTF-8 text without NULs is text/plain."""
    found = filetype.guess_mime(content)
    if found:
        return str(found)
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return "application/octet-stream"
    return "text/plain" if "\x00" not in text else "application/octet-stream"


def accept(rule: FieldRule, content: bytes, claimed: str | None, now: datetime) -> AttachmentRecord:
    """The record of a file this field takes, or a 413/415 problem saying why not."""
    if len(content) > rule.max_bytes:
        raise ApiProblem(413, f"the file is {len(content)} bytes; {rule.field!r} takes at most {rule.max_bytes}")
    if not content:
        raise ApiProblem(400, "the file is empty")
    actual = sniff(content)
    if actual not in rule.media_types:
        raise ApiProblem(415, f"the file is {actual}; {rule.field!r} takes {', '.join(rule.media_types) or 'nothing'}")
    stated = (claimed or "").split(";")[0].strip().lower()
    if stated and stated not in ("application/octet-stream", actual):
        raise ApiProblem(415, f"the bytes are {actual}, not the {stated} the request claims", kind="type-mismatch")
    return AttachmentRecord(hashlib.sha256(content).hexdigest(), actual, len(content), now)


def named_by(case: Case, sha256: str) -> bool:
    """Whether one of the case's document versions names this file: the only files its viewers may read."""
    wanted = f"sha256:{sha256}"
    return any(wanted in version.data.values() for versions in case.documents.values() for version in versions)


def references(spec: DocumentSpec, data: Any) -> dict[str, str]:
    """field → sha256 of each attachment a document's data names (malformed values are left to the schema)."""
    found = {}
    if isinstance(data, Mapping):
        for rule in attachment_fields(spec):
            match = REFERENCE.match(str(data.get(rule.field, "")))
            if match:
                found[rule.field] = match.group(1)
    return found


def check_references(backend: AttachmentBackend, spec: DocumentSpec, data: Any) -> None:
    """422 unless every attachment the data names was uploaded (and fits its field): nothing is submitted."""
    for field, sha256 in references(spec, data).items():
        stored = backend.get(sha256)
        if stored is None:
            raise ApiProblem(
                422, f"{field!r} names sha256:{sha256[:12]}…, which was never uploaded", kind="no-attachment"
            )
        if stored[0].media_type not in rule_for(spec, field).media_types:
            raise ApiProblem(
                415, f"{field!r} takes {', '.join(rule_for(spec, field).media_types)}, not {stored[0].media_type}"
            )
