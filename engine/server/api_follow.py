"""Following a case over HTTP: `POST /api/cases/{case}/follow` to hear of its moves, `DELETE` to stop, `GET`
for who follows it — the engine's `follow` / `unfollow` / `followers`, as the authenticated person.

A case the person may not see is a 404, as everywhere (`Call.case`); the answer is the same shape as
`procflow followers --json`, with whether the caller now follows it.
"""

from __future__ import annotations

from starlette.responses import Response

from .endpoint import Call, Endpoint, json_response


def _answer(call: Call, case_id: str, followers: list[str]) -> Response:
    return json_response({"case": case_id, "followers": followers, "following": call.person in followers})


def follow(call: Call) -> Response:
    case = call.case()
    return _answer(call, case.id, call.engine.follow(case, call.person))


def unfollow(call: Call) -> Response:
    case = call.case()
    return _answer(call, case.id, call.engine.unfollow(case, call.person))


def followers(call: Call) -> Response:
    case = call.case()
    return _answer(call, case.id, call.engine.followers(case))


ENDPOINTS = (
    Endpoint("GET", "/api/cases/{case}/follow", followers, "Who follows a case (hears of its moves)", "cases"),
    Endpoint("POST", "/api/cases/{case}/follow", follow, "Follow a case: hear of its every move", "cases", "write"),
    Endpoint("DELETE", "/api/cases/{case}/follow", unfollow, "Stop following a case", "cases", "write"),
)
