"""Inbound events: a signed webhook from an integration becomes the step its process file declares for it —
submit a document on the case a field matches, or start a case and submit on it — recorded with the
integration as the actor, through the engine's own checks; a redelivery gets the first answer back."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from ..definition.model import InboundEvent, Integration, ProcessDefinition
from ..errors import UnknownName
from ..records import Case
from ..runtime.matching import matching_cases
from . import acting, integrations
from .endpoint import Call, Endpoint, idempotent, json_response
from .problems import ApiProblem


def _declaring(call: Call, name: str, event: str) -> tuple[ProcessDefinition, Integration, InboundEvent]:
    """The (newest version of the) process that declares `event` from integration `name`."""
    declared: list[str] = []
    for process_id in sorted({p for _, p, _ in call.engine.store.definitions()}):
        definition = call.engine.definition(process_id)
        integration = definition.integrations.get(name)
        if integration is not None:
            if event in integration.events:
                return definition, integration, integration.events[event]
            declared += list(integration.events)
    raise UnknownName(f"event from {name}", event, declared)


def _matching(call: Call, definition: ProcessDefinition, event: InboundEvent, value: Any) -> Case:
    """The one running case whose match field holds `value`, found by the store's match-key index."""
    assert event.match is not None
    engine = call.engine
    found = matching_cases(
        engine.store, lambda c: engine.definition(c.process_id, c.definition_hash), definition.id, event.match, value
    )
    if not found:
        raise ApiProblem(422, f"no running {definition.id} case has {event.match} = {value!r}", kind="no-matching-case")
    if len(found) > 1:
        ids = ", ".join(c.id for c in found)
        raise ApiProblem(409, f"{len(found)} running cases have {event.match} = {value!r}: {ids}", kind="ambiguous")
    return found[0]


def _perform(call: Call, name: str) -> Response:
    body = call.object()
    event_name, data = body.get("event"), body.get("data")
    if not isinstance(event_name, str) or not isinstance(data, dict):
        raise ApiProblem(400, "send {'event': NAME, 'data': {...the document...}} (and the matching member)")
    definition, integration, event = _declaring(call, name, event_name)
    actor = acting.integration_actor(name, integration.acts_as)
    engine = call.engine
    if event.start:
        engine.validate(definition.id, event.submit, data)  # nothing is started for data that would be refused
        case = engine.submit(engine.start(definition.id, actor), event.submit, data, actor)
        status = 201
    else:
        if event.match_from not in body:
            raise ApiProblem(422, f"the {event_name} event needs {event.match_from!r} to find its case")
        case = _matching(call, definition, event, body[event.match_from])
        case = engine.submit(case, event.submit, data, actor)
        status = 200
    return json_response(
        {"case": case.id, "state": case.state, "event": event_name, "submitted": event.submit, "version": case.version},
        status,
        {"Location": f"/api/cases/{case.id}"},
    )


def receive(call: Call) -> Response:
    name = call.path("integration")
    engine = call.engine
    delivery = integrations.verify(
        engine.store, name, call.request.headers, call.body, engine.clock.now(), call.context.settings
    )
    return idempotent(call, lambda: _perform(call, name), key=delivery, scope=f"integration:{name}")


_EVENT = {
    "type": "object",
    "required": ["event", "data"],
    "properties": {"event": {"type": "string"}, "data": {"type": "object"}},
    "description": "signed: Procflow-Timestamp, Procflow-Delivery, Procflow-Signature: v1=HMAC-SHA256",
}

ENDPOINTS = (
    Endpoint(
        "POST",
        "/api/integrations/{integration}/events",
        receive,
        "An outside system's signed event",
        "integrations",
        None,
        _EVENT,
    ),
)
