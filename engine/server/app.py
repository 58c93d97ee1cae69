"""The ASGI application: `create_app(engine)` gives a Starlette app to serve or to mount in your own.

Starlette (not FastAPI): the API's shapes come from the library (its JSON Schemas validate documents, its
errors carry their data), so a second model layer (pydantic) would only restate them; the OpenAPI document
is built from the endpoint list itself (`openapi.py`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..errors import ProcflowError
from ..runtime.engine import Engine
from . import (
    accounts,
    api_attachments,
    api_auth,
    api_cases,
    api_follow,
    api_outbox,
    api_people,
    api_processes,
    api_webhooks,
    openapi,
    web,
)
from .attachments import open_backend
from .endpoint import Context, Endpoint, asgi, json_response
from .logs import AccessLog
from .problems import ApiProblem, internal_problem, problem_response
from .settings import ServerSettings

LOG = logging.getLogger("procflow.server")
VERSION = "1"


def endpoints() -> tuple[Endpoint, ...]:
    """Every API endpoint, in the order the OpenAPI document lists them."""
    return (
        *api_auth.ENDPOINTS,
        *api_processes.ENDPOINTS,
        *api_cases.ENDPOINTS,
        *api_people.ENDPOINTS,
        *api_follow.ENDPOINTS,
        *api_attachments.ENDPOINTS,
        *api_webhooks.ENDPOINTS,
        *api_outbox.ENDPOINTS,
    )


def _health(request: Request) -> Response:
    return json_response({"status": "ok"})


def _ready(engine: Engine) -> Route:
    async def ready(request: Request) -> Response:
        try:
            await run_in_threadpool(engine.store.definitions)
        except ProcflowError as exc:
            return problem_response(ApiProblem(503, f"the store is not reachable: {exc.message}"), "/readyz")
        return json_response({"status": "ready"})

    return Route("/readyz", ready, methods=["GET"])


async def _not_found(request: Request, exc: Exception) -> Response:
    return problem_response(ApiProblem(404, f"no such endpoint: {request.url.path}"), request.url.path)


async def _not_allowed(request: Request, exc: Exception) -> Response:
    return problem_response(ApiProblem(405, f"{request.method} is not allowed on {request.url.path}"), request.url.path)


async def _crashed(request: Request, exc: Exception) -> Response:
    LOG.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return internal_problem(request.url.path)


def create_app(engine: Engine, settings: ServerSettings | None = None, *, extra: Sequence[Endpoint] = ()) -> Starlette:
    """The procflow HTTP API over `engine` (health at /healthz, readiness at /readyz, OpenAPI at /openapi.json)."""
    settings = settings or ServerSettings()
    accounts.dummy_hash()  # the first login naming no account must not be the quick one
    context = Context(
        engine, settings, api_auth.authenticator(engine, settings), open_backend(settings.attachments, engine.store)
    )
    listed = (*endpoints(), *extra)
    spec = openapi.document(listed, VERSION)

    def spec_route(request: Request) -> Response:
        return json_response(spec)

    routes = [
        Route("/healthz", _health, methods=["GET"]),
        _ready(engine),
        Route("/openapi.json", spec_route, methods=["GET"]),
        *_routes(listed, context),
        *web.routes(context),
    ]
    middleware = [Middleware(AccessLog)]
    return Starlette(
        routes=routes,
        middleware=middleware,
        exception_handlers={404: _not_found, 405: _not_allowed, Exception: _crashed},
    )


def _routes(listed: Iterable[Endpoint], context: Context) -> list[Route]:
    by_path: dict[str, list[Endpoint]] = {}
    for endpoint in listed:
        by_path.setdefault(endpoint.path, []).append(endpoint)
    return [
        Route(path, asgi(endpoint, context), methods=[endpoint.method], name=f"{endpoint.method} {path}")
        for path, group in by_path.items()
        for endpoint in group
    ]
