"""The case API over real HTTP: start, submit, fire, status, history, available, render, list — with ETags,
If-Match, idempotency keys and cursor pages, and the engine's own refusals as problem documents."""

from __future__ import annotations

import httpx
import pytest

from procflow import Actor, ProcessDefinition
from tests.conftest import seat
from tests.server.conftest import Served

PROBLEM = "application/problem+json"


def start(client: httpx.Client, **extra: object) -> dict[str, object]:
    response = client.post("/api/processes/mini/cases", json={"role": "requester", **extra})
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


def test_a_case_walks_through_the_api(served: Served, rita: httpx.Client) -> None:
    case = start(rita)
    case_id = case["id"]
    assert case["state"] == "draft" and case["case_version"] == 1
    submitted = rita.post(
        f"/api/cases/{case_id}/documents/request", json={"role": "requester", "data": {"item": "desk", "amount": 300}}
    )
    assert submitted.status_code == 200, submitted.text
    assert {d["id"] for d in submitted.json()["documents"]} == {"request", "risk"}
    fired = rita.post(f"/api/cases/{case_id}/fire", json={"trigger": "send", "role": "requester"})
    assert fired.status_code == 200 and fired.json()["state"] == "review"
    assert fired.headers["etag"] == f'"{fired.json()["case_version"]}"'
    stored = served.engine.get(str(case_id))
    assert stored.state == "review" and stored.history[-1].actor == "rita"
    status = rita.get(f"/api/cases/{case_id}")
    assert status.json()["state"] == "review" and status.headers["etag"] == fired.headers["etag"]
    history = rita.get(f"/api/cases/{case_id}/history").json()
    assert [e["kind"] for e in history["items"]] == ["started", "submitted", "computed", "fired"]
    rendered = rita.get(f"/api/cases/{case_id}/documents/request/render")
    assert rendered.status_code == 200 and "desk" in rendered.text


def test_a_refusal_is_the_engines_own_as_a_problem(served: Served, rita: httpx.Client) -> None:
    case_id = start(rita)["id"]
    response = rita.post(f"/api/cases/{case_id}/fire", json={"trigger": "send", "role": "requester"})
    assert response.status_code == 409
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["type"] == "urn:procflow:problem:documents-missing"
    assert problem["trigger"] == "send" and problem["missing"]
    assert "needs documents first" in problem["detail"]
    assert served.engine.get(str(case_id)).version == 1


def test_a_role_the_process_does_not_allow_is_a_403_from_the_engine(rita: httpx.Client) -> None:
    case_id = start(rita)["id"]
    response = rita.post(f"/api/cases/{case_id}/fire", json={"trigger": "reject", "role": "requester"})
    assert response.status_code == 403
    assert response.json()["allowed"] == ["approver"] and response.json()["role"] == "requester"


def test_an_invalid_document_carries_every_json_path(served: Served, rita: httpx.Client) -> None:
    case_id = start(rita)["id"]
    response = rita.post(
        f"/api/cases/{case_id}/documents/request", json={"role": "requester", "data": {"amount": -1, "extra": 1}}
    )
    assert response.status_code == 422
    paths = {error["path"] for error in response.json()["errors"]}
    assert "$.amount" in paths and len(response.json()["errors"]) >= 2
    assert served.engine.get(str(case_id)).version == 1


def test_stale_if_match_is_412_and_nothing_is_written(served: Served, rita: httpx.Client) -> None:
    case = start(rita)
    rita.post(
        f"/api/cases/{case['id']}/documents/request", json={"role": "requester", "data": {"item": "a", "amount": 1}}
    )
    response = rita.post(
        f"/api/cases/{case['id']}/fire", json={"trigger": "send", "role": "requester"}, headers={"If-Match": '"1"'}
    )
    assert response.status_code == 412 and response.headers["content-type"] == PROBLEM
    assert served.engine.get(str(case["id"])).state == "draft"
    current = rita.get(f"/api/cases/{case['id']}").headers["etag"]
    ok = rita.post(
        f"/api/cases/{case['id']}/fire", json={"trigger": "send", "role": "requester"}, headers={"If-Match": current}
    )
    assert ok.status_code == 200


def test_a_retried_post_with_the_same_key_fires_once(served: Served, rita: httpx.Client) -> None:
    case_id = start(rita)["id"]
    rita.post(f"/api/cases/{case_id}/documents/request", json={"role": "requester", "data": {"item": "a", "amount": 1}})
    key = {"Idempotency-Key": "fire-send-1"}
    first = rita.post(f"/api/cases/{case_id}/fire", json={"trigger": "send", "role": "requester"}, headers=key)
    again = rita.post(f"/api/cases/{case_id}/fire", json={"trigger": "send", "role": "requester"}, headers=key)
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    assert [e.kind for e in served.engine.get(str(case_id)).history].count("fired") == 1
    other = rita.post(f"/api/cases/{case_id}/fire", json={"trigger": "reject", "role": "approver"}, headers=key)
    assert other.status_code == 422 and other.json()["type"].endswith("idempotency-key-reused")


def test_a_retried_start_makes_one_case(served: Served, rita: httpx.Client) -> None:
    key = {"Idempotency-Key": "start-1"}
    first = rita.post("/api/processes/mini/cases", json={"role": "requester"}, headers=key)
    again = rita.post("/api/processes/mini/cases", json={"role": "requester"}, headers=key)
    assert first.json()["id"] == again.json()["id"] and again.status_code == 201
    assert len(served.engine.cases("mini")) == 1


def test_lists_page_with_a_cursor(served: Served, rita: httpx.Client) -> None:
    made = [start(rita)["id"] for _ in range(5)]
    seen, cursor = [], None
    while True:
        params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        body = rita.get("/api/cases", params=params).json()
        seen += [row["id"] for row in body["items"]]
        cursor = body["next"]
        if cursor is None:
            break
    assert len(seen) == 5 and sorted(seen) == sorted(made)  # one fixed clock: ordered by id
    assert rita.get("/api/cases", params={"cursor": "bm9wZQ"}).status_code == 400


def test_available_says_why_not(rita: httpx.Client) -> None:
    case_id = start(rita)["id"]
    options = rita.get(f"/api/cases/{case_id}/available", params={"role": "requester"}).json()["items"]
    send = next(o for o in options if o["trigger"] == "send")
    assert send["allowed"] is False and send["reasons"]


def test_an_unknown_case_is_404_problem(rita: httpx.Client) -> None:
    response = rita.get("/api/cases/nope")
    assert response.status_code == 404 and response.headers["content-type"] == PROBLEM
    assert response.json()["case_id"] == "nope"


@pytest.mark.parametrize("process", ["nope", ""])
def test_listing_an_unknown_process_is_404_not_a_store_failure(rita: httpx.Client, process: str) -> None:
    """Found by the fuzzer: a wrong process id is the caller's mistake (404), not an unavailable store (503)."""
    response = rita.get("/api/cases", params={"process": process, "stage": "0"})  # a stage needs the definition
    assert response.status_code == 404 and response.headers["content-type"] == PROBLEM
    assert response.json()["process_id"] == process


def test_processes_versions_and_definition(rita: httpx.Client, served: Served) -> None:
    listed = rita.get("/api/processes").json()["items"]
    assert [p["id"] for p in listed] == ["mini"]
    versions = rita.get("/api/processes/mini/versions").json()["items"]
    assert versions[0]["content_hash"] == served.engine.definition("mini").content_hash
    definition = rita.get("/api/processes/mini/definition").json()
    assert definition["definition"]["id"] == "mini"
    diff = rita.get("/api/processes/mini/diff", params={"from": "1", "to": "1"}).json()
    assert diff["changes"] == []
    assert rita.get("/api/processes/nope/versions").status_code == 404


def test_the_role_comes_from_the_directory_and_a_named_one_must_be_held(served: Served, rita: httpx.Client) -> None:
    started = rita.post("/api/processes/mini/cases", json={})  # no role named: the engine picks the one rita holds
    assert started.status_code == 201, started.text
    assert served.engine.get(str(started.json()["id"])).history[0].role == "requester"
    refused = rita.post("/api/processes/mini/cases", json={"role": "approver"})  # a role rita does not hold
    assert refused.status_code == 403 and refused.json()["type"] == "urn:procflow:problem:role-not-held"
    assert "missing grant: rita as 'approver'" in refused.json()["detail"]
    with served.client(served.token("nobody")) as stranger:  # a token for someone not in the directory
        unknown = stranger.post("/api/processes/mini/cases", json={})
    assert unknown.status_code == 403 and unknown.json()["type"] == "urn:procflow:problem:unknown-person"


def test_a_case_the_person_may_not_see_is_404(served: Served, sales: ProcessDefinition) -> None:
    served.engine.register(sales)  # sales shows a case only to whom it concerns (and sales managers their team's)
    seat(served.engine, Actor("li", "bd_specialist"), Actor("wu", "account_manager"))
    case_id = served.engine.start("sales", Actor("li", "bd_specialist")).id
    with served.client(served.token("li")) as li, served.client(served.token("wu")) as wu:
        assert li.get(f"/api/cases/{case_id}").status_code == 200
        hidden = wu.get(f"/api/cases/{case_id}")
        assert hidden.status_code == 404 and hidden.json()["type"] == "urn:procflow:problem:case-not-found"
        assert case_id in [c["id"] for c in li.get("/api/cases").json()["items"]]
        assert case_id not in [c["id"] for c in wu.get("/api/cases").json()["items"]]
