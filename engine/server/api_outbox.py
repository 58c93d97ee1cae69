"""The outbox endpoints: list the messages waiting to reach people (by status or case, a page at a time), send
dead ones again, set some aside — what `procflow outbox list / retry / discard` does, for an operator.

Admin scope only: a message shows who is told what about which case, across every case. Rows are shown as the
CLI shows them (`procflow.notify.rows`); pages follow the store's own order with the last key as the cursor, so a
page of a long outbox costs a page.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.responses import Response

from ..notify.delivery import outbox_of
from ..notify.rows import row_view
from ..notify.wording import stored_wording
from ..store.outbox import STATUSES
from .endpoint import Call, Endpoint, cursor_after, cursor_for, json_response, page_limit
from .problems import ApiProblem

KEY = re.compile("[0-9a-f]{32}")  # a message key (`procflow.store.outbox.message_key`): a cursor names one
MAX_KEYS = 1000  # keys (or their start) one retry or discard may name


def list_messages(call: Call) -> Response:
    status = call.query("status")
    if status is not None and status not in STATUSES:
        raise ApiProblem(400, f"status must be one of {', '.join(STATUSES)}")
    limit, after = page_limit(call), cursor_after(call)
    if after is not None and not KEY.fullmatch(after):
        raise ApiProblem(400, "the cursor is not one this server gave out")
    store = outbox_of(call.engine.store)
    rows = store.outbox_list(status=status, case_id=call.query("case"), limit=limit + 1, after=after)
    shown = rows[:limit]
    wording = stored_wording(call.engine.store)
    following = cursor_for(shown[-1].key) if len(rows) > limit else None
    return json_response({"items": [row_view(row, wording) for row in shown], "next": following})


def _keys(call: Call, *, required: bool) -> list[str] | None:
    body = call.object()
    keys = body.get("keys")
    if keys is None and not required:
        return None
    if not (isinstance(keys, list) and keys and all(isinstance(k, str) and 4 <= len(k) <= 64 for k in keys)):
        raise ApiProblem(422, "send {'keys': [...]}: message keys, or their first 4 characters or more")
    if len(keys) > MAX_KEYS:
        raise ApiProblem(422, f"at most {MAX_KEYS} keys at a time")
    return list(keys)


def retry(call: Call) -> Response:
    keys = _keys(call, required=False)
    changed = outbox_of(call.engine.store).outbox_retry(keys, call.engine.clock.now())
    return json_response({"retried": changed})


def discard(call: Call) -> Response:
    keys = _keys(call, required=True) or []
    return json_response({"discarded": outbox_of(call.engine.store).outbox_discard(keys)})


_KEYS: dict[str, Any] = {
    "type": "array",
    "items": {"type": "string", "minLength": 4, "maxLength": 64},
    "minItems": 1,
    "maxItems": MAX_KEYS,
    "description": "message keys, or their start (each must name one message only)",
}
ENDPOINTS = (
    Endpoint(
        "GET",
        "/api/outbox",
        list_messages,
        "Messages to people and how their delivery stands",
        "outbox",
        "admin",
        query=("status", "case"),
        paged=True,
    ),
    Endpoint(
        "POST",
        "/api/outbox/retry",
        retry,
        "Send dead (or discarded) messages again; no keys: every dead one",
        "outbox",
        "admin",
        {"type": "object", "properties": {"keys": _KEYS}},
    ),
    Endpoint(
        "POST",
        "/api/outbox/discard",
        discard,
        "Set pending or dead messages aside for good",
        "outbox",
        "admin",
        {"type": "object", "required": ["keys"], "properties": {"keys": _KEYS}},
    ),
)
