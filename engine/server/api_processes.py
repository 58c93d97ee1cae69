"""Process and proof endpoints: processes, versions, a definition, a diff; a case's audit, verify, the review."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from starlette.responses import Response

from .. import audit as proof
from .. import diff as differ
from ..definition.model import ProcessDefinition
from ..diff_text import as_json as diff_json
from ..presentation import zone_of
from ..reports import case_audit, review
from . import acting
from .endpoint import Call, Endpoint, json_response, page
from .problems import ApiProblem


def _processes(call: Call) -> list[str]:
    return sorted({process for _, process, _ in call.engine.store.definitions()})


def processes(call: Call) -> Response:
    engine = call.engine

    def show(process_id: str) -> dict[str, Any]:
        definition = engine.definition(process_id)
        return {
            "id": process_id,
            "title": definition.title.get(call.query("lang")),
            "version": definition.version,
            "content_hash": definition.content_hash,
        }

    return page(call, _processes(call), lambda p: p, show)


def _known(call: Call, process_id: str) -> list[tuple[str, str, str]]:
    versions = call.engine.versions(process_id)
    if not versions:
        raise ApiProblem(404, f"no process {process_id!r} is registered", kind="unknown-name")
    return versions


def versions(call: Call) -> Response:
    found = _known(call, call.path("process"))
    return page(call, found, lambda v: v[0], lambda v: {"content_hash": v[0], "process": v[1], "version": v[2]})


def _version(call: Call, process_id: str, wanted: str | None) -> ProcessDefinition:
    """The stored version whose hash starts with, or whose label is, `wanted` (default: the newest)."""
    found = _known(call, process_id)
    if wanted is None:
        return call.engine.definition(process_id)
    matches = [h for h, _, label in found if h.startswith(wanted) or label == wanted]
    if len(matches) != 1:
        raise ApiProblem(
            404 if not matches else 400, f"{len(matches)} stored versions of {process_id!r} match {wanted!r}"
        )
    return call.engine.definition(process_id, matches[0])


def definition(call: Call) -> Response:
    found = _version(call, call.path("process"), call.query("version"))
    return json_response(
        {"id": found.id, "version": found.version, "content_hash": found.content_hash, "definition": found.raw}
    )


def diff(call: Call) -> Response:
    process_id = call.path("process")
    old, new = call.query("from"), call.query("to")
    if not old:
        raise ApiProblem(400, "say which versions: ?from=VERSION&to=VERSION (to defaults to the newest)")
    a, b = _version(call, process_id, old), _version(call, process_id, new)
    return json_response(diff_json(a, b, differ.compare(a, b)))


def publish(call: Call) -> Response:
    """A new version of a shared document (the sales customer profile), as `procflow publish`."""
    body = call.object()
    definition = call.engine.definition(call.path("process"))
    role = body.get("role")
    actor = acting.actor_for(call.person, definition, role if isinstance(role, str) else None)
    if "data" not in body:
        raise ApiProblem(400, "send {'data': {...the document...}} (and, optionally, the 'role' you act in)")
    version = call.engine.publish(definition.id, call.path("document"), body["data"], actor)
    shown = {"document": version.document, "version": version.version, "hash": version.hash, "by": version.actor}
    return json_response(shown, 201)


def case_audit_report(call: Call) -> Response:
    case = call.case()
    engine = call.engine
    definition = engine.definition(case.process_id, case.definition_hash)
    fmt = call.query("format") or "json"
    if fmt not in ("json", "md", "html"):
        raise ApiProblem(400, "format must be json, md or html")
    data = case_audit.audit_data(engine, case.id, engine.clock.now(), zone_of(definition), call.query("lang"))
    if fmt == "json":
        return Response(case_audit.render(data, "json"), media_type="application/json")
    text = case_audit.render(data, fmt, call.query("lang") or definition.locale)
    return Response(text, media_type="text/html" if fmt == "html" else "text/markdown")


def verify(call: Call) -> Response:
    verdict = proof.verify(call.engine.store, digest_written_down=call.query("checkpoint"))
    return json_response(
        {
            "ok": verdict.ok,
            "cases": verdict.cases,
            "events": verdict.events,
            "checkpoints": verdict.checkpoints,
            "problems": verdict.problems,
        }
    )


def _date(call: Call, name: str) -> datetime:
    text = call.query(name)
    try:
        value = datetime.fromisoformat(text or "")
    except ValueError:
        raise ApiProblem(400, f"?{name}= must be an ISO date or date-time with offset") from None
    if value.tzinfo is None:
        raise ApiProblem(400, f"?{name}= needs a UTC offset, e.g. 2026-10-01T00:00+08:00")
    return value


def report(call: Call) -> Response:
    process_id = call.query("process") or "sales"
    _known(call, process_id)
    start, end = _date(call, "from"), _date(call, "to")
    if end <= start:
        raise ApiProblem(400, "?to= must be after ?from=")
    engine = call.engine
    data = review.figures(engine, process_id, review.Period(start, end), engine.clock.now(), call.query("lang"))
    return Response(json.dumps(data, ensure_ascii=False), media_type="application/json")


ENDPOINTS = (
    Endpoint("GET", "/api/processes", processes, "Registered processes", "processes", query=("lang",), paged=True),
    Endpoint("GET", "/api/processes/{process}/versions", versions, "Stored versions", "processes", paged=True),
    Endpoint(
        "GET",
        "/api/processes/{process}/definition",
        definition,
        "A version's definition",
        "processes",
        query=("version",),
    ),
    Endpoint(
        "GET", "/api/processes/{process}/diff", diff, "What changed between versions", "processes", query=("from", "to")
    ),
    Endpoint(
        "POST",
        "/api/processes/{process}/shared/{document}",
        publish,
        "Publish a shared document",
        "processes",
        "write",
        {"type": "object", "required": ["data"], "properties": {"data": {}, "role": {"type": "string"}}},
        responses={201: "published"},
    ),
    Endpoint(
        "GET", "/api/cases/{case}/audit", case_audit_report, "A case's audit report", "proof", query=("format", "lang")
    ),
    Endpoint("GET", "/api/verify", verify, "Prove the history was not edited", "proof", "admin", query=("checkpoint",)),
    Endpoint(
        "GET",
        "/api/report",
        report,
        "The review: funnel, stage times",
        "proof",
        query=("process", "from", "to", "lang"),
    ),
)
