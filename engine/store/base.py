"""The storage interface. The engine talks to this Protocol only; URLs pick an implementation."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from engine.errors import StoreError
from engine.records import Case, DocumentVersion, Event
from engine.store.access import AttachmentRecord, IdempotencyRecord, IntegrationRecord, TokenRecord
from engine.suggest import did_you_mean

DEFAULT_URL = "sqlite:///procflow.db"


@dataclass(frozen=True, slots=True)
class DueItem:
    """An open obligation as the store indexes it, so due and overdue work is found without scanning cases."""

    case_id: str
    key: str
    process_id: str
    deadline_id: str
    state: str
    owner: str | None
    due_at: datetime
    alert_at: datetime | None  # the next reminder, due time or escalation still to act on


class Store(Protocol):
    """Durable home of definitions, cases (as events) and shared documents.

    `commit` is atomic: the events and the case snapshot are written together or
    not at all, and only if the stored case is still at `case.version - len(events)`
    (else `ConflictError`).
    """

    def save_definition(self, bundle: Mapping[str, Any]) -> None: ...

    def load_definition(self, content_hash: str) -> Mapping[str, Any]: ...

    def latest_definition(self, process_id: str) -> str | None: ...

    def commit(self, case: Case, events: Sequence[Event], due: Sequence[DueItem] | None = ()) -> None:
        """Write events and snapshot; replace the case's due items with `due` (None: the process has no
        deadlines, leave the index alone), all in one transaction."""
        ...

    def due(self, before: datetime, *, alerts: bool = False, limit: int | None = None) -> list[DueItem]:
        """Open obligations due at or before `before` (or whose next alert is), earliest first; uses an index."""
        ...

    def get(self, case_id: str) -> Case: ...

    def cases(self, *, process_id: str | None = None, state: str | None = None) -> Iterator[Case]: ...

    def case_ids(self, *, process_id: str | None = None, states: Sequence[str] | None = None) -> list[str]:
        """Ids of the cases of a process (optionally in some states), oldest first; uses an index."""
        ...

    def definitions(self, process_id: str | None = None) -> list[tuple[str, str, str]]:
        """(content hash, process id, version label) of every stored definition, oldest first."""
        ...

    def publish(self, process_id: str, version: DocumentVersion) -> None: ...

    def shared(self, process_id: str) -> Mapping[str, tuple[DocumentVersion, ...]]: ...

    def close(self) -> None: ...

    # --- HTTP server records: accounts, login failures, tokens, integrations, idempotency, attachments ----
    # Rows only; engine/server/ decides what they mean (store/ never imports server/).

    def set_password(self, person: str, password_hash: str, at: datetime) -> None:
        """Create or replace the person's local account (an argon2 hash, never the password)."""
        ...

    def password_hash(self, person: str) -> str | None: ...

    def add_login_failure(self, key: str, at: datetime) -> None:
        """Note one wrong login for `key` (`account:<person>` or `address:<ip>`); shared by every server."""
        ...

    def login_failures(self, key: str, since: datetime) -> int: ...

    def clear_login_failures(self, key: str) -> None: ...

    def add_token(self, token: TokenRecord) -> None: ...

    def token(self, digest: str) -> TokenRecord | None:
        """The token whose SHA-256 digest this is (revoked and expired ones too: the caller decides)."""
        ...

    def tokens(self, person: str | None = None) -> list[TokenRecord]: ...

    def revoke_token(self, token_id: str, at: datetime) -> bool:
        """Mark a token revoked; False if there is no such (unrevoked) token."""
        ...

    def save_integration(self, integration: IntegrationRecord) -> None:
        """Create or replace an integration (its secrets) by name."""
        ...

    def integration(self, name: str) -> IntegrationRecord | None: ...

    def integrations(self) -> list[IntegrationRecord]: ...

    def reserve_idempotency(self, record: IdempotencyRecord) -> IdempotencyRecord | None:
        """Take `record`'s (scope, key) atomically: None if it was free, else the record already there."""
        ...

    def complete_idempotency(self, scope: str, key: str, status: int, body: str) -> None: ...

    def release_idempotency(self, scope: str, key: str) -> None:
        """Forget a reservation whose request failed before it could write (so a retry runs again)."""
        ...

    def put_attachment(self, record: AttachmentRecord, content: bytes) -> None:
        """Keep a file under its SHA-256 (idempotent: the same bytes are stored once)."""
        ...

    def attachment(self, sha256: str) -> tuple[AttachmentRecord, bytes] | None: ...


Opener = Callable[[str], Store]
_OPENERS: dict[str, Opener] = {}


def register_store(scheme: str, opener: Opener) -> None:
    """Make `open_store` accept URLs starting with `scheme:`."""
    _OPENERS[scheme] = opener


def default_url() -> str:
    return os.environ.get("PROCFLOW_DB") or DEFAULT_URL


def open_store(url: str | None = None) -> Store:
    """Open the store a URL names: `sqlite:///path.db` (default `./procflow.db` or $PROCFLOW_DB) or `memory:`."""
    url = url or default_url()
    scheme = url.split(":", 1)[0] if ":" in url else ""
    if scheme not in _OPENERS:
        known = sorted(_OPENERS)
        raise StoreError(
            f"unknown store URL {url!r}{did_you_mean(scheme, known)}; known kinds: " + ", ".join(f"{k}:" for k in known)
        )
    return _OPENERS[scheme](url)
