"""The HTTP server's records in memory (for tests and embedding): the same answers as the SQL tables."""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from .access import AttachmentRecord, IdempotencyRecord, IntegrationRecord, TokenRecord


class MemoryAccess:
    """Accounts, tokens, integrations, idempotency keys and attachments, each in a dict behind one lock."""

    def __init__(self) -> None:
        super().__init__()  # cooperative: MemoryStore mixes several of these in
        self._access_lock = threading.Lock()
        self._passwords: dict[str, str] = {}
        self._failures: dict[str, list[datetime]] = {}
        self._tokens: dict[str, TokenRecord] = {}  # by digest
        self._integrations: dict[str, IntegrationRecord] = {}
        self._idempotency: dict[tuple[str, str], IdempotencyRecord] = {}
        self._attachments: dict[str, tuple[AttachmentRecord, bytes]] = {}
        self._settings: dict[str, Mapping[str, Any]] = {}

    def set_password(self, person: str, password_hash: str, at: datetime) -> None:
        self._passwords[person] = password_hash

    def password_hash(self, person: str) -> str | None:
        return self._passwords.get(person)

    def save_person_settings(self, person: str, data: Mapping[str, Any], at: datetime) -> None:
        self._settings[person] = json.loads(json.dumps(dict(data)))  # a copy, as the SQL stores keep text

    def person_settings(self, person: str) -> Mapping[str, Any] | None:
        return self._settings.get(person)

    def people_settings(self, people: Sequence[str]) -> dict[str, Mapping[str, Any]]:
        return {person: self._settings[person] for person in people if person in self._settings}

    def add_login_failure(self, key: str, at: datetime) -> None:
        with self._access_lock:
            self._failures.setdefault(key, []).append(at)

    def login_failures(self, key: str, since: datetime) -> int:
        return sum(1 for at in self._failures.get(key, ()) if at >= since)

    def clear_login_failures(self, key: str) -> None:
        self._failures.pop(key, None)

    def add_token(self, token: TokenRecord) -> None:
        self._tokens[token.digest] = token

    def token(self, digest: str) -> TokenRecord | None:
        return self._tokens.get(digest)

    def tokens(self, person: str | None = None) -> list[TokenRecord]:
        found = [t for t in self._tokens.values() if person is None or t.person == person]
        return sorted(found, key=lambda t: (t.created_at, t.id))

    def revoke_token(self, token_id: str, at: datetime) -> bool:
        with self._access_lock:
            for digest, token in self._tokens.items():
                if token.id == token_id and token.revoked_at is None:
                    self._tokens[digest] = dataclasses.replace(token, revoked_at=at)
                    return True
        return False

    def save_integration(self, integration: IntegrationRecord) -> None:
        self._integrations[integration.name] = integration

    def integration(self, name: str) -> IntegrationRecord | None:
        return self._integrations.get(name)

    def integrations(self) -> list[IntegrationRecord]:
        return [self._integrations[name] for name in sorted(self._integrations)]

    def reserve_idempotency(self, record: IdempotencyRecord) -> IdempotencyRecord | None:
        with self._access_lock:
            found = self._idempotency.get((record.scope, record.key))
            if found is None:
                self._idempotency[(record.scope, record.key)] = record
            return found

    def complete_idempotency(self, scope: str, key: str, status: int, body: str) -> None:
        with self._access_lock:
            record = self._idempotency.get((scope, key))
            if record is not None:
                self._idempotency[(scope, key)] = dataclasses.replace(record, status=status, body=body)

    def release_idempotency(self, scope: str, key: str) -> None:
        with self._access_lock:
            record = self._idempotency.get((scope, key))
            if record is not None and record.status is None:
                del self._idempotency[(scope, key)]

    def put_attachment(self, record: AttachmentRecord, content: bytes) -> None:
        self._attachments.setdefault(record.sha256, (record, bytes(content)))

    def attachment(self, sha256: str) -> tuple[AttachmentRecord, bytes] | None:
        return self._attachments.get(sha256)
