"""Whose work a case is, over HTTP: the signed-in person's inbox, and the people verbs (assign, claim, release,
delegate, transfer).

The inbox is the library's (`Engine.inbox`: read from the store's work index, escalated first, then by due
time, so overdue work leads); each verb is the engine's own, so the directory decides who may do it and a
refusal is the library's, as a problem document. The verbs are case writes like fire and submit: they take
`If-Match` and `Idempotency-Key` and answer with the case and its new version as the `ETag`.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from starlette.responses import Response

from ..runtime.inbox import InboxEntry
from .api_cases import ROLE, case_actor, written
from .endpoint import Call, Endpoint, cursor_after, cursor_for, json_response, page_limit
from .problems import ApiProblem


def _entry_key(entry: InboxEntry) -> str:
    return f"{entry.case_id} {entry.role} {entry.covering or ''}"


def _entry_view(entry: InboxEntry) -> dict[str, Any]:
    view = asdict(entry)
    view["overdue"] = any(due.status == "overdue" for due in entry.obligations)
    view["href"] = f"/api/cases/{entry.case_id}"
    return view


def inbox(call: Call) -> Response:
    """One page of the caller's inbox. The cursor carries how many entries came before and the last one shown:
    the next page continues after that entry, or — when it has left the inbox meanwhile (the work was done) —
    at the same depth, so a page is never refused because the inbox moved."""
    limit = page_limit(call)
    shown, last = 0, None
    after = cursor_after(call)
    if after is not None:
        depth, _, last = after.partition("\n")
        if not depth.isdigit() or not last:
            raise ApiProblem(400, "the cursor is not one this server gave out")
        shown = int(depth)
    # read a page past the cursor's depth and a page of slack for entries that moved up meanwhile
    entries = call.engine.inbox(call.person, limit=shown + 2 * limit + 1)
    keys = [_entry_key(e) for e in entries]
    start = keys.index(last) + 1 if last in keys else min(shown, len(entries))
    chunk = entries[start : start + limit]
    more = len(entries) > start + limit
    following = cursor_for(f"{start + len(chunk)}\n{_entry_key(chunk[-1])}") if more and chunk else None
    return json_response({"items": [_entry_view(e) for e in chunk], "next": following})


def _person(body: dict[str, Any]) -> str:
    to = body.get("to")
    if not isinstance(to, str) or not to:
        raise ApiProblem(400, "send {'to': PERSON} (a person of the team directory)")
    return to


def claim(call: Call) -> Response:
    body, case = call.object(), call.case()
    return written(call, case, lambda: call.engine.claim(case, case_actor(call, case, body)))


def release(call: Call) -> Response:
    body, case = call.object(), call.case()
    return written(call, case, lambda: call.engine.release(case, case_actor(call, case, body)))


def delegate(call: Call) -> Response:
    body, case = call.object(), call.case()
    to = _person(body)
    return written(call, case, lambda: call.engine.delegate(case, to, case_actor(call, case, body)))


def transfer(call: Call) -> Response:
    body, case = call.object(), call.case()
    to = _person(body)
    return written(call, case, lambda: call.engine.transfer(case, to, case_actor(call, case, body)))


def assign(call: Call) -> Response:
    body, case = call.object(), call.case()
    to = _person(body)
    return written(call, case, lambda: call.engine.assign(case, to, case_actor(call, case, body)))


_ONESELF = {"type": "object", "properties": {"role": ROLE}}
_TO = {
    "type": "object",
    "required": ["to"],
    "properties": {"to": {"type": "string", "description": "a person of the team directory"}, "role": ROLE},
}

ENDPOINTS = (
    Endpoint(
        "GET", "/api/inbox", inbox, "Your work now: escalated and overdue first, with due times", "work", paged=True
    ),
    Endpoint("POST", "/api/cases/{case}/claim", claim, "Take a case from your role's queue", "work", "write", _ONESELF),
    Endpoint(
        "POST", "/api/cases/{case}/release", release, "Put your case back in its queue", "work", "write", _ONESELF
    ),
    Endpoint(
        "POST", "/api/cases/{case}/delegate", delegate, "Lend your case; it comes back when done", "work", "write", _TO
    ),
    Endpoint("POST", "/api/cases/{case}/transfer", transfer, "Hand your case over for good", "work", "write", _TO),
    Endpoint(
        "POST",
        "/api/cases/{case}/assign",
        assign,
        "Reassign a case (a manager of its holder, or a directory admin)",
        "work",
        "write",
        _TO,
    ),
)
