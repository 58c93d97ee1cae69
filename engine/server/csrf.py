"""CSRF tokens: one per session, in every web form and in the `X-CSRF-Token` header of every API write made
with the session cookie (a bearer token is not sent by a browser on its own, so it needs none).

The token is an HMAC of the session token (itself a secret, in an HttpOnly cookie), so it needs no storage,
changes with each session and cannot be computed by another site. Before there is a session (the sign-in
form) a random pre-session cookie plays the session's part (double submit).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from starlette.requests import Request

FIELD = "csrf"
HEADER = "x-csrf-token"
PRE_SESSION = "procflow_presession"


class CsrfRefused(Exception):
    """A POST whose form (or an API write whose header) did not carry this session's token."""


def token_for(secret: str) -> str:
    return hmac.new(secret.encode("utf-8"), b"procflow csrf", hashlib.sha256).hexdigest()


def new_pre_session() -> str:
    return secrets.token_urlsafe(24)


def check(secret: str | None, form_token: str | None) -> None:
    """Raise `CsrfRefused` unless `form_token` is the token of `secret` (the session, or the pre-session)."""
    if not secret or not form_token or not hmac.compare_digest(token_for(secret), form_token):
        raise CsrfRefused("this form was not sent from this session's page; reload the page and try again")


def pre_session(request: Request) -> str | None:
    return request.cookies.get(PRE_SESSION)
