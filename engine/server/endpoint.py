"""One API endpoint: its declaration (method, path, scope, what it takes — the OpenAPI document is built from
the same list) and the one wrapper every request goes through.

The wrapper reads the body within its limits, authenticates, checks the scope, replays an idempotent write,
and turns every error into a problem document; handlers are plain synchronous functions of a `Call` that
return a `Response` and run in the thread pool (the engine and the stores block).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from ..errors import ProcflowError
from ..records import Case
from ..runtime.engine import Engine
from ..store.access import IdempotencyRecord
from . import acting, csrf
from .accounts import SESSION_COOKIE, Principal
from .attachments import AttachmentBackend
from .bodies import parse_json, read_body
from .problems import ApiProblem, internal_problem, problem_response
from .settings import ServerSettings

LOG = logging.getLogger("procflow.server")
JSON_TYPE = "application/json"
T = TypeVar("T")


@dataclass(frozen=True)
class Context:
    """What every handler runs against: the engine, the settings, and how a request is authenticated."""

    engine: Engine
    settings: ServerSettings
    authenticate: Callable[[Request], Principal]
    files: AttachmentBackend


@dataclass(frozen=True)
class Call:
    """One request as a handler sees it: authenticated, its body read."""

    request: Request
    context: Context
    principal: Principal
    body: bytes

    @property
    def engine(self) -> Engine:
        return self.context.engine

    @property
    def person(self) -> str:
        return self.principal.person

    def json(self) -> Any:
        return parse_json(self.body, self.context.settings)

    def object(self) -> dict[str, Any]:
        value = self.json()
        if not isinstance(value, dict):
            raise ApiProblem(400, "the JSON body must be an object")
        return value

    def path(self, name: str) -> str:
        return str(self.request.path_params[name])

    def query(self, name: str) -> str | None:
        return self.request.query_params.get(name)

    def case(self) -> Case:
        """The case the path names, 404 for a case the person may not see (the same answer as a missing one)."""
        case = self.engine.get(self.path("case"))
        if not acting.may_see(self.engine, self.person, case):
            raise ApiProblem(404, f"no case {case.id!r} in the store", kind="case-not-found")
        return case


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    handler: Callable[[Call], Response]
    summary: str
    tag: str
    scope: str | None = "read"  # None: no authentication (health, login, signed webhooks)
    body: Mapping[str, Any] | None = None  # the JSON Schema of the request body, for the OpenAPI document
    query: tuple[str, ...] = ()
    paged: bool = False
    upload: bool = False  # the body is a file (raw bytes), not JSON
    responses: Mapping[int, str] = field(default_factory=dict)

    @property
    def writes(self) -> bool:
        return self.method in ("POST", "PUT", "PATCH", "DELETE")


def _mapping(value: Any) -> Any:
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def json_response(value: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    return Response(
        json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_mapping),
        status_code=status,
        media_type=JSON_TYPE,
        headers=dict(headers or {}),
    )


def etag(case: Case) -> str:
    return f'"{case.version}"'


def check_if_match(call: Call, case: Case) -> None:
    """412 if the client's `If-Match` names another version of the case than the stored one."""
    wanted = call.request.headers.get("if-match")
    if wanted is not None and wanted.strip() not in ("*", etag(case), "W/" + etag(case)):
        raise ApiProblem(
            412,
            f"case {case.id} is at version {case.version}, not {wanted.strip()}; read it again and retry",
            headers={"ETag": etag(case)},
        )


def cursor_for(key: str) -> str:
    """The opaque cursor a page gives out for the last key it showed."""
    return base64.urlsafe_b64encode(key.encode("utf-8")).decode("ascii").rstrip("=")


def key_of(cursor: str) -> str:
    """The key a cursor this server gave out stands for (400 for any other text)."""
    try:
        return base64.urlsafe_b64decode(cursor.encode("ascii") + b"==").decode("utf-8")
    except (binascii.Error, UnicodeError, ValueError):
        raise ApiProblem(400, "the cursor is not one this server gave out") from None


def page_limit(call: Call) -> int:
    """The page size a request asks for (`limit`), within the server's bounds."""
    settings = call.context.settings
    limit_text = call.query("limit")
    limit = int(limit_text) if limit_text and limit_text.isdigit() else settings.page_size
    if not 1 <= limit <= settings.max_page_size:
        raise ApiProblem(400, f"limit must be between 1 and {settings.max_page_size}")
    return limit


def cursor_after(call: Call) -> str | None:
    """The key the client's `cursor` names (the last item of the page before), or None on a first page."""
    cursor = call.query("cursor")
    return key_of(cursor) if cursor else None


def page(
    call: Call,
    items: Sequence[T],
    key: Callable[[T], str],
    show: Callable[[T], Any],
    keep: Callable[[T], bool] | None = None,
) -> Response:
    """One page of a list in its stable order; `next` is an opaque cursor (the last key shown), or null.

    `keep` (e.g. visibility) is asked only while the page fills, so a page of a long list costs a page."""
    limit = page_limit(call)
    start = 0
    after = cursor_after(call)
    if after is not None:
        keys = [key(item) for item in items]
        if after not in keys:
            raise ApiProblem(400, "the cursor is not one this server gave out (or its item is gone)")
        start = keys.index(after) + 1
    chunk: list[T] = []
    more = False
    for item in items[start:]:
        if keep is None or keep(item):
            if len(chunk) == limit:
                more = True
                break
            chunk.append(item)
    following = cursor_for(key(chunk[-1])) if more else None
    return json_response({"items": [show(item) for item in chunk], "next": following})


def _fingerprint(call: Call) -> str:
    return hashlib.sha256(call.request.url.path.encode() + b"\n" + call.body).hexdigest()


def _replay(record: IdempotencyRecord) -> Response:
    saved = json.loads(record.body or "{}")
    headers = {**saved.get("headers", {}), "Idempotent-Replayed": "true"}
    return Response(
        saved.get("body", ""), status_code=record.status or 200, media_type=saved.get("type"), headers=headers
    )


def idempotent(call: Call, run: Callable[[], Response], key: str | None = None, scope: str | None = None) -> Response:
    """Run a write once per `Idempotency-Key` (per person; or per `scope` and `key` given, as a webhook's delivery
    id): a retry gets the first answer back, and nothing runs again."""
    key = key or call.request.headers.get("idempotency-key")
    if key is None:
        return run()
    if not 1 <= len(key) <= 200:
        raise ApiProblem(400, "an idempotency key (or delivery id) must be 1 to 200 characters")
    store = call.engine.store
    scope = scope or f"{call.person} {call.request.method} {call.request.url.path}"
    mine = IdempotencyRecord(scope, key, _fingerprint(call), call.engine.clock.now())
    found = store.reserve_idempotency(mine)
    if found is not None:
        if found.fingerprint != mine.fingerprint:
            raise ApiProblem(
                422, "this Idempotency-Key was used for a different request", kind="idempotency-key-reused"
            )
        if found.status is None:
            raise ApiProblem(409, "a request with this Idempotency-Key is still running; retry shortly")
        return _replay(found)
    try:
        response = run()
    except ProcflowError as exc:
        response = problem_response(exc, call.request.url.path)
    except BaseException:
        store.release_idempotency(scope, key)
        raise
    if response.status_code >= 500 or response.status_code in (408, 412, 429):
        store.release_idempotency(scope, key)  # nothing was done: a retry must run again
        return response
    kept = {"etag": response.headers["etag"]} if "etag" in response.headers else {}
    if "location" in response.headers:
        kept["location"] = response.headers["location"]
    saved = {"type": response.media_type, "headers": kept, "body": bytes(response.body).decode("utf-8")}
    store.complete_idempotency(scope, key, response.status_code, json.dumps(saved, ensure_ascii=False))
    return response


def _check_csrf(request: Request) -> None:
    """A write made with the session cookie must carry the session's CSRF token: a browser sends the cookie to
    any site's form or script on its own, but only our pages (and the login answer) know the token."""
    try:
        csrf.check(request.cookies.get(SESSION_COOKIE), request.headers.get(csrf.HEADER))
    except csrf.CsrfRefused:
        raise ApiProblem(
            403,
            "a write with the session cookie needs its CSRF token in the X-CSRF-Token header "
            "(the csrf_token of POST /api/login), or use 'Authorization: Bearer <token>'",
            kind="csrf-token-missing",
        ) from None


def _handle(endpoint: Endpoint, context: Context, request: Request, body: bytes) -> Response:
    principal = Principal("", "read", "none")
    if endpoint.scope is not None:
        principal = context.authenticate(request)
        request.scope.setdefault("state", {})["person"] = principal.person
        if not principal.allows(endpoint.scope):
            raise ApiProblem(403, f"this needs a credential with the {endpoint.scope!r} scope", kind="scope-missing")
        if endpoint.writes and principal.via == "session":
            _check_csrf(request)
    call = Call(request, context, principal, body)
    if endpoint.writes and endpoint.scope is not None:
        return idempotent(call, lambda: endpoint.handler(call))
    return endpoint.handler(call)


def _check_text(request: Request) -> None:
    """400 for a NUL character in the path or the query (%00): never a name or a value, and no text column of
    PostgreSQL could even look it up."""
    if "\x00" in request.url.path or any("\x00" in k + v for k, v in request.query_params.multi_items()):
        raise ApiProblem(400, "the path or the query holds the NUL character (%00), which is never text")


def asgi(endpoint: Endpoint, context: Context) -> Callable[[Request], Awaitable[Response]]:
    """The Starlette endpoint for `endpoint`: body within limits, then the handler in the thread pool."""
    settings = context.settings
    limit = settings.max_upload if endpoint.upload else settings.max_body

    async def run(request: Request) -> Response:
        try:
            _check_text(request)
            body = await read_body(request, limit, settings.body_timeout) if endpoint.writes else b""
            response: Response = await run_in_threadpool(_handle, endpoint, context, request, body)
            return response
        except ProcflowError as exc:
            return problem_response(exc, request.url.path)
        except Exception:
            LOG.exception("%s %s failed", request.method, request.url.path)
            return internal_problem(request.url.path)

    return run
