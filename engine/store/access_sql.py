"""The SQL queries behind the HTTP server's records (migration v7's tables) and each person's own settings,
shared by SQLite and PostgreSQL.

A mixin of `SQLStore`: it uses the store's `_write` (one transaction, driver errors as `StoreError`) and
`_read`, and keeps instants as the same fixed-width UTC text as every other table.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .access import AttachmentRecord, IdempotencyRecord, IntegrationRecord, TokenRecord
from .records import utc

if TYPE_CHECKING:
    from .sql import Tx

V7 = [  # the HTTP server: accounts, login failures, API tokens, integrations, idempotency keys, attachments
    "CREATE TABLE accounts (person TEXT PRIMARY KEY, password_hash TEXT NOT NULL, updated_at TEXT NOT NULL)",
    "CREATE TABLE login_failures (key TEXT NOT NULL, at TEXT NOT NULL)",
    "CREATE INDEX login_failures_by_key ON login_failures (key, at)",
    """CREATE TABLE api_tokens (
        id TEXT PRIMARY KEY, person TEXT NOT NULL, digest TEXT NOT NULL UNIQUE, scopes TEXT NOT NULL,
        created_at TEXT NOT NULL, expires_at TEXT, revoked_at TEXT, label TEXT NOT NULL)""",
    "CREATE INDEX api_tokens_by_person ON api_tokens (person)",
    """CREATE TABLE integrations (
        name TEXT PRIMARY KEY, secret TEXT NOT NULL, created_at TEXT NOT NULL, previous_secret TEXT,
        rotated_at TEXT)""",
    """CREATE TABLE idempotency (
        scope TEXT NOT NULL, key TEXT NOT NULL, fingerprint TEXT NOT NULL, at TEXT NOT NULL, status INTEGER,
        body TEXT, PRIMARY KEY (scope, key))""",
    """CREATE TABLE attachments (
        sha256 TEXT PRIMARY KEY, media_type TEXT NOT NULL, size INTEGER NOT NULL, at TEXT NOT NULL,
        content BYTEA NOT NULL)""",
]

SETTINGS = [  # each person's own choices (language, time zone, how to be told), beside the directory
    "CREATE TABLE person_settings (person TEXT PRIMARY KEY, data TEXT NOT NULL, updated_at TEXT NOT NULL)",
]

_SETTINGS_CHUNK = 500  # people per statement when settings are read for many at once
_TOKEN_COLUMNS = "id, person, digest, scopes, created_at, expires_at, revoked_at, label"


def _when(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _token(row: Sequence[Any]) -> TokenRecord:
    return TokenRecord(
        row[0],
        row[1],
        row[2],
        tuple(row[3].split()),
        datetime.fromisoformat(row[4]),
        _when(row[5]),
        _when(row[6]),
        row[7],
    )


def _integration(row: Sequence[Any]) -> IntegrationRecord:
    return IntegrationRecord(row[0], row[1], datetime.fromisoformat(row[2]), row[3], _when(row[4]))


class AccessQueries(ABC):
    """Accounts, tokens, integrations, idempotency keys and attachments over the SQL store's transactions."""

    @abstractmethod
    def _write(self, action: str, work: Callable[[Tx], Any]) -> Any: ...

    @abstractmethod
    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[Any]: ...

    def _run(self, action: str, sql: str, params: Sequence[Any]) -> int:
        def work(tx: Tx) -> int:
            return tx.count(sql, params)

        done: int = self._write(action, work)
        return done

    # --- accounts and login failures -----------------------------------------------------------

    def set_password(self, person: str, password_hash: str, at: datetime) -> None:
        self._run(
            "account",
            "INSERT INTO accounts VALUES (?, ?, ?) ON CONFLICT (person) DO UPDATE "
            "SET password_hash = excluded.password_hash, updated_at = excluded.updated_at",
            (person, password_hash, utc(at)),
        )

    def password_hash(self, person: str) -> str | None:
        rows = self._read("SELECT password_hash FROM accounts WHERE person = ?", (person,))
        return str(rows[0][0]) if rows else None

    def add_login_failure(self, key: str, at: datetime) -> None:
        self._run("login", "INSERT INTO login_failures VALUES (?, ?)", (key, utc(at)))

    def login_failures(self, key: str, since: datetime) -> int:
        rows = self._read("SELECT COUNT(*) FROM login_failures WHERE key = ? AND at >= ?", (key, utc(since)))
        return int(rows[0][0])

    def clear_login_failures(self, key: str) -> None:
        self._run("login", "DELETE FROM login_failures WHERE key = ?", (key,))

    # --- a person's own settings ---------------------------------------------------------------

    def save_person_settings(self, person: str, data: Mapping[str, Any], at: datetime) -> None:
        self._run(
            "settings",
            "INSERT INTO person_settings VALUES (?, ?, ?) ON CONFLICT (person) DO UPDATE "
            "SET data = excluded.data, updated_at = excluded.updated_at",
            (person, json.dumps(dict(data), ensure_ascii=False, sort_keys=True), utc(at)),
        )

    def person_settings(self, person: str) -> Mapping[str, Any] | None:
        rows = self._read("SELECT data FROM person_settings WHERE person = ?", (person,))
        found: Mapping[str, Any] | None = json.loads(rows[0][0]) if rows else None
        return found

    def people_settings(self, people: Sequence[str]) -> dict[str, Mapping[str, Any]]:
        wanted = sorted(set(people))
        found: dict[str, Mapping[str, Any]] = {}
        for start in range(0, len(wanted), _SETTINGS_CHUNK):  # a bounded number of parameters per statement
            chunk = wanted[start : start + _SETTINGS_CHUNK]
            marks = ", ".join("?" for _ in chunk)
            for person, data in self._read(
                f"SELECT person, data FROM person_settings WHERE person IN ({marks})", chunk
            ):
                found[person] = json.loads(data)
        return found

    # --- API tokens --------------------------------------------------------------------------

    def add_token(self, token: TokenRecord) -> None:
        self._run(
            "token",
            f"INSERT INTO api_tokens ({_TOKEN_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                token.id,
                token.person,
                token.digest,
                " ".join(token.scopes),
                utc(token.created_at),
                None if token.expires_at is None else utc(token.expires_at),
                None if token.revoked_at is None else utc(token.revoked_at),
                token.label,
            ),
        )

    def token(self, digest: str) -> TokenRecord | None:
        rows = self._read(f"SELECT {_TOKEN_COLUMNS} FROM api_tokens WHERE digest = ?", (digest,))
        return _token(rows[0]) if rows else None

    def tokens(self, person: str | None = None) -> list[TokenRecord]:
        sql = f"SELECT {_TOKEN_COLUMNS} FROM api_tokens"
        rows = self._read(
            sql + (" WHERE person = ?" if person else "") + " ORDER BY created_at, id", (person,) if person else ()
        )
        return [_token(row) for row in rows]

    def revoke_token(self, token_id: str, at: datetime) -> bool:
        return bool(
            self._run(
                "token",
                "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                (utc(at), token_id),
            )
        )

    # --- integrations --------------------------------------------------------------------------

    def save_integration(self, integration: IntegrationRecord) -> None:
        self._run(
            "integration",
            "INSERT INTO integrations VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE "
            "SET secret = excluded.secret, previous_secret = excluded.previous_secret, "
            "rotated_at = excluded.rotated_at",
            (
                integration.name,
                integration.secret,
                utc(integration.created_at),
                integration.previous_secret,
                None if integration.rotated_at is None else utc(integration.rotated_at),
            ),
        )

    def integration(self, name: str) -> IntegrationRecord | None:
        rows = self._read("SELECT * FROM integrations WHERE name = ?", (name,))
        return _integration(rows[0]) if rows else None

    def integrations(self) -> list[IntegrationRecord]:
        return [_integration(row) for row in self._read("SELECT * FROM integrations ORDER BY name")]

    # --- idempotency keys ----------------------------------------------------------------------

    def reserve_idempotency(self, record: IdempotencyRecord) -> IdempotencyRecord | None:
        def work(tx: Tx) -> IdempotencyRecord | None:
            won = tx.execute(  # atomic: of two requests with one key, exactly one sees RETURNING
                "INSERT INTO idempotency (scope, key, fingerprint, at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (scope, key) DO NOTHING RETURNING key",
                (record.scope, record.key, record.fingerprint, utc(record.at)),
            )
            if won:
                return None
            row = tx.execute(
                "SELECT fingerprint, at, status, body FROM idempotency WHERE scope = ? AND key = ?",
                (record.scope, record.key),
            )[0]
            return IdempotencyRecord(record.scope, record.key, row[0], datetime.fromisoformat(row[1]), row[2], row[3])

        found: IdempotencyRecord | None = self._write("idempotency", work)
        return found

    def complete_idempotency(self, scope: str, key: str, status: int, body: str) -> None:
        self._run(
            "idempotency",
            "UPDATE idempotency SET status = ?, body = ? WHERE scope = ? AND key = ?",
            (status, body, scope, key),
        )

    def release_idempotency(self, scope: str, key: str) -> None:
        self._run("idempotency", "DELETE FROM idempotency WHERE scope = ? AND key = ? AND status IS NULL", (scope, key))

    # --- attachments ---------------------------------------------------------------------------

    def put_attachment(self, record: AttachmentRecord, content: bytes) -> None:
        self._run(
            "attachment",
            "INSERT INTO attachments VALUES (?, ?, ?, ?, ?) ON CONFLICT (sha256) DO NOTHING",
            (record.sha256, record.media_type, record.size, utc(record.at), content),
        )

    def attachment(self, sha256: str) -> tuple[AttachmentRecord, bytes] | None:
        rows = self._read("SELECT sha256, media_type, size, at, content FROM attachments WHERE sha256 = ?", (sha256,))
        if not rows:
            return None
        row = rows[0]
        return AttachmentRecord(row[0], row[1], row[2], datetime.fromisoformat(row[3])), bytes(row[4])
