"""Local accounts and API tokens: argon2 password hashes, tokens shown once and stored as their SHA-256,
scopes, expiry, revocation, and the login rate limit. The CLI and the HTTP API both come here.

Scopes nest: `admin` includes `write`, which includes `read`. A token names a person; what that person may do
on a case is still the engine's decision (roles, separation) — the scope only bounds what the token may try.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ..store.access import SCOPES, TokenRecord
from ..store.base import Store
from .problems import ApiProblem
from .settings import ServerSettings

SESSION_COOKIE = "procflow_session"
TOKEN_PREFIX = "pf_"
MIN_PASSWORD = 10
_HASHER = PasswordHasher()


@cache
def dummy_hash() -> str:
    """What a login naming no account is verified against, so it costs what a wrong password does. Made when
    the server is built (`create_app`), not at import: a command that only prints its help pays nothing."""
    return _HASHER.hash("not anyone's password")


@dataclass(frozen=True)
class Principal:
    """Who a request is from, as authentication established it: a person id, what the credential allows."""

    person: str
    scope: str  # the widest scope the credential carries
    via: str  # "token", "session" or "proxy"
    token_id: str | None = None

    def allows(self, needed: str) -> bool:
        return SCOPES.index(self.scope) >= SCOPES.index(needed)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def set_password(store: Store, person: str, password: str, now: datetime) -> None:
    if len(password) < MIN_PASSWORD:
        raise ApiProblem(422, f"a password needs at least {MIN_PASSWORD} characters")
    store.set_password(person, _HASHER.hash(password), now)


def create_token(
    store: Store, person: str, scope: str, now: datetime, lifetime: timedelta | None, label: str = ""
) -> tuple[str, TokenRecord]:
    """A new token for `person` (the text, to show once, and its stored record)."""
    if scope not in SCOPES:
        raise ApiProblem(422, f"unknown scope {scope!r}; use one of {', '.join(SCOPES)}")
    text = TOKEN_PREFIX + secrets.token_urlsafe(32)
    record = TokenRecord(
        id=uuid.uuid4().hex[:12],
        person=person,
        digest=token_digest(text),
        scopes=(scope,),
        created_at=now,
        expires_at=None if lifetime is None else now + lifetime,
        label=label,
    )
    store.add_token(record)
    return text, record


def principal_for_token(store: Store, token: str, now: datetime, via: str = "token") -> Principal:
    """The person a token stands for, or a 401 saying why it does not work (unknown, revoked, expired)."""
    record = store.token(token_digest(token)) if token.startswith(TOKEN_PREFIX) else None
    if record is None:
        raise _unauthorized("the token is not known")
    if record.revoked_at is not None:
        raise _unauthorized("the token was revoked")
    if record.expires_at is not None and record.expires_at <= now:
        raise _unauthorized("the token has expired")
    return Principal(record.person, record.scopes[0], via, record.id)


def _unauthorized(message: str) -> ApiProblem:
    return ApiProblem(401, message, headers={"WWW-Authenticate": 'Bearer realm="procflow"'})


def check_login(
    store: Store, person: str, password: str, address: str, now: datetime, settings: ServerSettings
) -> None:
    """Accept the password or raise: 429 while the account or the address is locked out, else 401.

    Wrong guesses count per account and per address over a sliding window (in the store, so every server
    process sees the same count); a right password clears the account's count.
    """
    since = now - settings.login_window
    keys = (f"account:{person}", f"address:{address}")
    if any(store.login_failures(key, since) >= settings.login_limit for key in keys):
        seconds = int(settings.login_window.total_seconds())
        raise ApiProblem(
            429,
            f"too many wrong passwords; try again in {seconds // 60} minutes",
            kind="login-locked",
            headers={"Retry-After": str(seconds)},
        )
    stored = store.password_hash(person)
    try:
        _HASHER.verify(stored or dummy_hash(), password)
        right = stored is not None
    except (VerificationError, InvalidHashError):
        right = False
    if not right:
        for key in keys:
            store.add_login_failure(key, now)
        raise ApiProblem(401, "wrong person or password", kind="login-failed")
    store.clear_login_failures(keys[0])
