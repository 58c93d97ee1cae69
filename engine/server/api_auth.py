"""Authentication over HTTP: who a request is from (bearer token, session cookie, or a trusted proxy's header),
logging in and out, and a person's own API tokens."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from ..runtime.engine import Engine
from ..store.access import SCOPES, TokenRecord
from . import accounts, csrf
from .accounts import Principal
from .endpoint import Call, Endpoint, json_response, page
from .problems import ApiProblem
from .settings import ServerSettings

SESSION_COOKIE = accounts.SESSION_COOKIE


def authenticator(engine: Engine, settings: ServerSettings) -> Callable[[Request], Principal]:
    """How this server tells who is asking. A proxy header counts only if configured and from a trusted peer."""

    def authenticate(request: Request) -> Principal:
        now = engine.clock.now()
        header = request.headers.get("authorization")
        if header is not None:
            kind, _, token = header.partition(" ")
            if kind.lower() != "bearer" or not token.strip():
                raise ApiProblem(401, "send 'Authorization: Bearer <token>'", headers={"WWW-Authenticate": "Bearer"})
            return accounts.principal_for_token(engine.store, token.strip(), now)
        if settings.proxy_header:
            peer = request.client.host if request.client else ""
            person = request.headers.get(settings.proxy_header)
            if person and peer in settings.trusted_proxies:
                return Principal(person.strip(), "write", "proxy")
        cookie = request.cookies.get(SESSION_COOKIE)
        if cookie:
            return accounts.principal_for_token(engine.store, cookie, now, via="session")
        raise ApiProblem(401, "log in first: no token or session was sent", headers={"WWW-Authenticate": "Bearer"})

    return authenticate


def login(call: Call) -> Response:
    body = call.object()
    person, password = body.get("person"), body.get("password")
    if not isinstance(person, str) or not isinstance(password, str) or not person or not password:
        raise ApiProblem(400, "send {'person': ..., 'password': ...}")
    settings, store, now = call.context.settings, call.engine.store, call.engine.clock.now()
    address = call.request.client.host if call.request.client else "-"
    accounts.check_login(store, person, password, address, now, settings)
    token, record = accounts.create_token(store, person, "write", now, settings.session_lifetime, label="session")
    response = json_response(
        {
            "token": token,
            "person": person,
            "expires_at": _iso(record.expires_at),
            "csrf_token": csrf.token_for(token),  # for writes made with the cookie: send it as X-CSRF-Token
        }
    )
    set_session_cookie(response, token, settings)
    return response


def set_session_cookie(response: Response, token: str, settings: ServerSettings) -> None:
    """The session token as an HttpOnly, SameSite=Strict cookie (the API's login and the web app's sign-in)."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(settings.session_lifetime.total_seconds()),
        httponly=True,
        secure=settings.secure_cookies,
        samesite="strict",
    )


def logout(call: Call) -> Response:
    if call.principal.token_id is not None:
        call.engine.store.revoke_token(call.principal.token_id, call.engine.clock.now())
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE)
    return response


def _iso(at: Any) -> str | None:
    return at.isoformat() if at is not None else None


def _token_view(token: TokenRecord) -> dict[str, Any]:
    return {
        "id": token.id,
        "person": token.person,
        "scope": token.scopes[0],
        "label": token.label,
        "created_at": token.created_at.isoformat(),
        "expires_at": _iso(token.expires_at),
        "revoked_at": _iso(token.revoked_at),
    }


def list_tokens(call: Call) -> Response:
    return page(call, call.engine.store.tokens(call.person), lambda t: t.id, _token_view)


def create_token(call: Call) -> Response:
    """A new token for the caller, no wider than the credential that asks (shown once, in this answer)."""
    body = call.object()
    scope = body.get("scope", "read")
    days = body.get("expires_in_days", 30)
    if scope not in SCOPES or not call.principal.allows(scope):
        raise ApiProblem(403, f"you may create tokens up to the {call.principal.scope!r} scope", kind="scope-missing")
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 366:
        raise ApiProblem(422, "expires_in_days must be a whole number from 1 to 366")
    now = call.engine.clock.now()
    token, record = accounts.create_token(
        call.engine.store, call.person, scope, now, timedelta(days=days), str(body.get("label", ""))[:80]
    )
    return json_response({**_token_view(record), "token": token}, 201)


def revoke_token(call: Call) -> Response:
    token_id = call.path("token")
    if token_id not in {t.id for t in call.engine.store.tokens(call.person)}:
        raise ApiProblem(404, f"you have no token {token_id!r}")
    call.engine.store.revoke_token(token_id, call.engine.clock.now())
    return Response(status_code=204)


_LOGIN_BODY = {
    "type": "object",
    "required": ["person", "password"],
    "properties": {"person": {"type": "string"}, "password": {"type": "string"}},
}
_TOKEN_BODY = {
    "type": "object",
    "properties": {
        "scope": {"enum": list(SCOPES)},
        "expires_in_days": {"type": "integer", "minimum": 1, "maximum": 366},
        "label": {"type": "string"},
    },
}

ENDPOINTS = (
    Endpoint(
        "POST", "/api/login", login, "Log in with a password: a session token and cookie", "auth", None, _LOGIN_BODY
    ),
    Endpoint("POST", "/api/logout", logout, "Revoke the session or token used", "auth"),
    Endpoint("GET", "/api/tokens", list_tokens, "Your API tokens (never their text)", "auth", paged=True),
    Endpoint(
        "POST", "/api/tokens", create_token, "Create an API token (its text is shown once)", "auth", "read", _TOKEN_BODY
    ),
    Endpoint("DELETE", "/api/tokens/{token}", revoke_token, "Revoke one of your tokens", "auth"),
)
