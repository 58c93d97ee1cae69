"""Errors as RFC 9457 problem documents (`application/problem+json`): one mapping for every error class.

A problem carries the library exception's message as `detail` and its data fields (`ProcflowError.details()`:
the trigger, the allowed roles, each invalid field's JSON path) as extension members, so an HTTP client learns
exactly what a Python caller would. Errors that only HTTP has (no token, a stale `If-Match`, a body too large)
are `ApiProblem`s, still in procflow's one exception tree.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from starlette.responses import Response

from ..errors import (
    CaseNotFound,
    ConflictError,
    DefinitionError,
    DirectoryRefused,
    DocumentInvalid,
    DutiesNotSeparated,
    ExpressionError,
    InputError,
    ProcessNotFound,
    ProcflowError,
    Refusal,
    RenderError,
    RoleNotAllowed,
    RoleNotHeld,
    StoreError,
    UnknownName,
    UnknownPerson,
    UsageError,
)

PROBLEM_TYPE = "application/problem+json"
TYPE_BASE = "urn:procflow:problem:"


class ApiProblem(ProcflowError):
    """A refusal only the HTTP face has: its status, a short title, and headers to send (e.g. Retry-After)."""

    exit_code = 2

    def __init__(
        self, status: int, message: str, *, kind: str | None = None, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.kind = status, kind or _TITLES.get(status, "error").lower().replace(" ", "-")
        self._headers = dict(headers or {})


_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    408: "Request Timeout",
    409: "Conflict",
    412: "Precondition Failed",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    428: "Precondition Required",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}

# most specific first: the first class an error is an instance of gives its status
_STATUS: tuple[tuple[type[ProcflowError], int], ...] = (
    (CaseNotFound, 404),
    (ProcessNotFound, 404),
    (ConflictError, 409),
    (StoreError, 503),
    (RoleNotAllowed, 403),
    (RoleNotHeld, 403),
    (UnknownPerson, 403),
    (DutiesNotSeparated, 403),
    (DirectoryRefused, 403),  # the directory says this person may not (e.g. reassign a case they do not manage)
    (DocumentInvalid, 422),
    (Refusal, 409),
    (DefinitionError, 422),
    (ExpressionError, 422),
    (RenderError, 422),
    (InputError, 400),
    (UsageError, 400),
)


def _kind(error: ProcflowError) -> str:
    """`RoleNotAllowed` → `role-not-allowed`: the problem type names the library's class."""
    return re.sub(r"(?<!^)(?=[A-Z])", "-", type(error).__name__).lower()


def status_of(error: ProcflowError) -> int:
    if isinstance(error, ApiProblem):
        return error.status
    if isinstance(error, UnknownName):
        return 404 if error.kind in ("case", "process") else 422
    return next((status for cls, status in _STATUS if isinstance(error, cls)), 500)


def problem(error: ProcflowError, instance: str = "") -> dict[str, Any]:
    """The problem document for a library (or HTTP) error."""
    status = status_of(error)
    kind = error.kind if isinstance(error, ApiProblem) else _kind(error)
    document: dict[str, Any] = {
        "type": TYPE_BASE + kind,
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "detail": error.message,
    }
    if instance:
        document["instance"] = instance
    if not isinstance(error, ApiProblem):
        document.update({k: v for k, v in error.details().items() if k not in document})
    return document


def problem_response(error: ProcflowError, instance: str = "") -> Response:
    headers = dict(error._headers) if isinstance(error, ApiProblem) else {}
    document = problem(error, instance)
    return Response(
        json.dumps(document, ensure_ascii=False),
        status_code=document["status"],
        media_type=PROBLEM_TYPE,
        headers=headers,
    )


def internal_problem(instance: str = "") -> Response:
    """What a client sees of a bug: a problem document with no trace (the trace goes to the log)."""
    return problem_response(ApiProblem(500, "the server failed to handle this request; it has been logged"), instance)
