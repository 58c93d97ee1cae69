"""The case endpoints: start, status, history, available, fire, submit, render, list, overdue.

Each handler reads the request, calls the library with the actor `acting` gives, and answers in the shapes
of `procflow status --json` and `procflow list --json`; every refusal is the engine's own. Writes take the
case version as `If-Match` and answer with it as `ETag`.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from ..errors import ConflictError
from ..narration import describe_event
from ..presentation import case_row, describe_case, describe_obligation, zone_of
from ..records import Actor, Case, Event
from ..runtime.timekeeping import Overdue
from . import acting, attachments
from .endpoint import Call, Endpoint, check_if_match, etag, json_response, page
from .problems import ApiProblem

ROLE = {
    "type": "string",
    "description": "optional: which of the roles you hold in the team directory you act in (else the engine picks)",
}


def case_view(call: Call, case: Case, status: int = 200) -> Response:
    """A case as `procflow status --json` shows it, with its deadlines, and its version as the ETag."""
    engine = call.engine
    definition = engine.definition(case.process_id, case.definition_hash)
    zone, lang, now = zone_of(definition), call.query("lang"), engine.clock.now()
    info = describe_case(case, definition, lang, zone)
    info["deadlines"] = [describe_obligation(o, now, zone, lang) for o in engine.deadlines(case, now)]
    headers = {"ETag": etag(case)}
    if status == 201:
        headers["Location"] = f"/api/cases/{case.id}"
    return json_response(info, status, headers)


def _role(call: Call, body: dict[str, Any] | None = None) -> str | None:
    value = (body or {}).get("role", call.query("role"))
    return value if isinstance(value, str) else None


def case_actor(call: Call, case: Case, body: dict[str, Any] | None = None) -> Actor:
    """The actor the caller is on `case`, in the role they named (if any)."""
    return acting.actor_for(
        call.person, call.engine.definition(case.process_id, case.definition_hash), _role(call, body)
    )


def written(call: Call, case: Case, write: Any) -> Response:
    """Run a write against the version the client saw; a racing writer in between is a 412, as a stale If-Match."""
    check_if_match(call, case)
    try:
        updated: Case = write()
    except ConflictError:
        if call.request.headers.get("if-match") is None:
            raise
        raise ApiProblem(412, f"case {case.id} changed while this request ran; read it again and retry") from None
    return case_view(call, updated)


def start(call: Call) -> Response:
    body = call.object()
    definition = call.engine.definition(call.path("process"))
    data = body.get("data")
    if data is not None and not isinstance(data, dict):
        raise ApiProblem(422, "'data' must be an object")
    case_id = body.get("id")
    if case_id is not None and not (isinstance(case_id, str) and 1 <= len(case_id) <= 80):
        raise ApiProblem(422, "'id' must be a string of 1 to 80 characters")
    actor = acting.actor_for(call.person, definition, _role(call, body))
    return case_view(call, call.engine.start(definition.id, actor, data=data, case_id=case_id), 201)


def status(call: Call) -> Response:
    return case_view(call, call.case())


def fire(call: Call) -> Response:
    body = call.object()
    case = call.case()
    trigger = body.get("trigger")
    if not isinstance(trigger, str):
        raise ApiProblem(400, "send {'trigger': ...} (and, optionally, the 'role' you act in)")
    actor = case_actor(call, case, body)
    return written(call, case, lambda: call.engine.fire(case, trigger, actor))


def submit(call: Call) -> Response:
    body = call.object()
    case = call.case()
    if "data" not in body:
        raise ApiProblem(400, "send {'data': {...the document...}} (and, optionally, the 'role' you act in)")
    definition = call.engine.definition(case.process_id, case.definition_hash)
    actor = case_actor(call, case, body)
    document = call.path("document")
    if document in definition.documents:
        attachments.check_references(call.context.files, definition.documents[document], body["data"])
    return written(call, case, lambda: call.engine.submit(case, document, body["data"], actor))


def history(call: Call) -> Response:
    case = call.case()
    zone = zone_of(call.engine.definition(case.process_id, case.definition_hash))

    def show(event: Event) -> dict[str, Any]:
        return {
            "seq": event.seq,
            "kind": event.kind,
            "at": event.at.isoformat(),
            "actor": event.actor,
            "role": event.role,
            "trigger": event.trigger,
            "document": event.document,
            "document_version": event.document_version,
            "document_hash": event.document_hash,
            "hash": event.hash,
            "text": describe_event(event, zone),
        }

    return page(call, case.history, lambda e: str(e.seq), show)


def available(call: Call) -> Response:
    case = call.case()
    actor = case_actor(call, case)
    options = call.engine.available(case, actor)
    return page(
        call,
        options,
        lambda o: o.trigger,
        lambda o: {"trigger": o.trigger, "dest": o.dest, "allowed": o.allowed, "reasons": list(o.reasons)},
    )


def render(call: Call) -> Response:
    case = call.case()
    fmt = call.query("format") or "md"
    if fmt not in ("md", "html"):
        raise ApiProblem(400, "format must be md or html")
    version = call.query("version")
    if version is not None and not version.isdigit():
        raise ApiProblem(400, "version must be a whole number")
    text = call.engine.render(
        case,
        call.path("document"),
        format="html" if fmt == "html" else "markdown",
        version=int(version) if version else None,
        lang=call.query("lang"),
    )
    return Response(text, media_type="text/html" if fmt == "html" else "text/markdown")


def list_cases(call: Call) -> Response:
    engine = call.engine
    ids = engine.cases(
        call.query("process"),
        state=call.query("state"),
        stage=call.query("stage"),
        role=call.query("owner"),
        overdue_at=engine.clock.now() if call.query("overdue") in ("1", "true") else None,
    )

    def show(case_id: str) -> dict[str, Any]:
        case = engine.get(case_id)
        return case_row(case, engine.definition(case.process_id, case.definition_hash))

    return page(call, ids, lambda i: i, show, keep=lambda i: acting.may_see(engine, call.person, engine.get(i)))


def overdue(call: Call) -> Response:
    engine = call.engine
    now = engine.clock.now()

    def show(item: Overdue) -> dict[str, Any]:
        definition = engine.definition(item.case.process_id, item.case.definition_hash)
        return {
            "case": item.case.id,
            "state": item.case.state,
            "missed_periods": item.missed_periods,
            "obligation": describe_obligation(item.obligation, now, zone_of(definition), call.query("lang")),
        }

    late = [item for item in engine.overdue(now) if acting.may_see(engine, call.person, engine.get(item.case.id))]
    return page(call, late, lambda item: f"{item.case.id} {item.obligation.key}", show)


_START = {
    "type": "object",
    "properties": {"role": ROLE, "data": {"type": "object"}, "id": {"type": "string", "maxLength": 80}},
}
_FIRE = {"type": "object", "required": ["trigger"], "properties": {"trigger": {"type": "string"}, "role": ROLE}}
_SUBMIT = {"type": "object", "required": ["data"], "properties": {"data": {}, "role": ROLE}}
_LIST = ("process", "state", "stage", "owner", "overdue")

ENDPOINTS = (
    Endpoint(
        "POST",
        "/api/processes/{process}/cases",
        start,
        "Start a case",
        "cases",
        "write",
        _START,
        responses={201: "started"},
    ),
    Endpoint("GET", "/api/cases", list_cases, "Cases, filtered", "cases", query=_LIST, paged=True),
    Endpoint("GET", "/api/cases/{case}", status, "A case: state, documents, deadlines", "cases", query=("lang",)),
    Endpoint("GET", "/api/cases/{case}/history", history, "Every event of a case", "cases", paged=True),
    Endpoint(
        "GET", "/api/cases/{case}/available", available, "What you can fire, and why not", "cases", query=("role",)
    ),
    Endpoint("POST", "/api/cases/{case}/fire", fire, "Fire a trigger", "cases", "write", _FIRE),
    Endpoint(
        "POST", "/api/cases/{case}/documents/{document}", submit, "Submit a document version", "cases", "write", _SUBMIT
    ),
    Endpoint(
        "GET",
        "/api/cases/{case}/documents/{document}/render",
        render,
        "Render a document (Markdown or HTML)",
        "cases",
        query=("format", "version", "lang"),
    ),
    Endpoint("GET", "/api/overdue", overdue, "Open obligations past due", "cases", query=("lang",), paged=True),
)
