"""The records the HTTP server keeps in the store: accounts, login failures, API tokens, integrations,
idempotency keys and attachment blobs.

Records only: which password is right, whether a token still works or a webhook is genuine is decided in
`engine/server/`; the store keeps the rows and answers lookups.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

SCOPES = ("read", "write", "admin")  # what an API token may do, each including the ones before it


@dataclass(frozen=True, slots=True)
class TokenRecord:
    """An API token as stored: only its SHA-256 `digest`, never the token itself."""

    id: str
    person: str
    digest: str
    scopes: tuple[str, ...]
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None = None
    label: str = ""


@dataclass(frozen=True, slots=True)
class IntegrationRecord:
    """An outside system allowed to send events; `previous_secret` still verifies until the rotation grace ends."""

    name: str
    secret: str
    created_at: datetime
    previous_secret: str | None = None
    rotated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    """A write seen under an idempotency key: `status` is None while the first request is still running."""

    scope: str
    key: str
    fingerprint: str
    at: datetime
    status: int | None = None
    body: str | None = None


@dataclass(frozen=True, slots=True)
class AttachmentRecord:
    """A stored file, addressed by the SHA-256 of its bytes."""

    sha256: str
    media_type: str
    size: int
    at: datetime
