"""The OpenAPI 3.1 document, built from the same endpoint list the routes are: nothing can go undocumented."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from .endpoint import Endpoint
from .problems import PROBLEM_TYPE

_PROBLEM = {
    "type": "object",
    "description": "RFC 9457 problem details; extension members carry the library error's data fields",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
    },
}
_PAGE = {"limit": "items per page", "cursor": "the `next` of the previous page"}


def _parameters(endpoint: Endpoint) -> list[dict[str, Any]]:
    found = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in re.findall(r"{(\w+)}", endpoint.path)
    ]
    found += [{"name": name, "in": "query", "schema": {"type": "string"}} for name in endpoint.query]
    if endpoint.paged:
        found += [{"name": n, "in": "query", "description": d, "schema": {"type": "string"}} for n, d in _PAGE.items()]
    if endpoint.writes and endpoint.scope is not None:
        found.append({"name": "Idempotency-Key", "in": "header", "schema": {"type": "string", "maxLength": 200}})
        found.append({"name": "If-Match", "in": "header", "schema": {"type": "string"}})
    return found


def _operation(endpoint: Endpoint) -> dict[str, Any]:
    problem = {"content": {PROBLEM_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}}
    responses: dict[str, Any] = {"200": {"description": "done"}}
    responses.update({str(code): {"description": text} for code, text in endpoint.responses.items()})
    responses["default"] = {"description": "a problem", **problem}
    operation: dict[str, Any] = {
        "operationId": f"{endpoint.method.lower()}_{re.sub(r'[^a-z0-9]+', '_', endpoint.path.lower()).strip('_')}",
        "summary": endpoint.summary,
        "tags": [endpoint.tag],
        "parameters": _parameters(endpoint),
        "responses": responses,
    }
    if endpoint.scope is None:
        operation["security"] = []
    else:
        operation["x-scope"] = endpoint.scope
    if endpoint.body is not None:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": endpoint.body}}}
    elif endpoint.upload:
        operation["requestBody"] = {"required": True, "content": {"application/octet-stream": {}}}
    return operation


def document(endpoints: Iterable[Endpoint], version: str) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for endpoint in endpoints:
        paths.setdefault(endpoint.path, {})[endpoint.method.lower()] = _operation(endpoint)
    return {
        "openapi": "3.1.0",
        "info": {"title": "procflow", "version": version},
        "paths": paths,
        "components": {
            "schemas": {"Problem": _PROBLEM},
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "procflow_session"},
            },
        },
        "security": [{"bearer": []}, {"session": []}],
    }
