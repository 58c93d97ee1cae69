"""Following and the outbox over real HTTP: follow / unfollow a case as yourself, and (admin scope) list the
outbox by status or case a page at a time, retry and discard — each refusal a problem document."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import httpx
import pytest

from procflow import FixedClock, ProcessDefinition
from procflow.server import create_app
from procflow.store import open_store
from tests.conftest import APPROVER, AUDITOR, REQUESTER, seat
from tests.notify.test_following import REQUEST, notifying, people_with_mail
from tests.server.conftest import TEST_SETTINGS, Served, free_port, serve

PROBLEM = "application/problem+json"


@pytest.fixture
def told(durable_url: str, clock: FixedClock, mini: ProcessDefinition) -> Iterator[Served]:
    """A server whose engine tells people by mail (its outbox on), over the mini process and its cast."""
    store = open_store(durable_url)
    engine = notifying(store, clock)
    people_with_mail(engine, ("rita", "en"), ("alan", "zh-CN"), ("aude", "en"))
    seat(engine, REQUESTER, APPROVER, AUDITOR)
    engine.register(mini)
    engine.publish("mini", "policy", {"limit": 1000}, AUDITOR)
    port = free_port()
    with serve(create_app(engine, TEST_SETTINGS), port):
        yield Served(f"http://127.0.0.1:{port}", engine, clock, store)
    store.close()


def sent_for_review(served: Served, client: httpx.Client) -> str:
    """A case rita started, filled in and sent to review over the API; returns its id."""
    case_id = str(client.post("/api/processes/mini/cases", json={}).json()["id"])
    client.post(f"/api/cases/{case_id}/documents/request", json={"data": REQUEST}).raise_for_status()
    return case_id


def test_following_over_http_makes_a_move_reach_the_follower(told: Served) -> None:
    with told.client(told.token("rita")) as rita, told.client(told.token("aude")) as aude:
        case_id = sent_for_review(told, rita)
        assert aude.get(f"/api/cases/{case_id}/follow").json() == {
            "case": case_id,
            "followers": ["rita"],
            "following": False,
        }
        followed = aude.post(f"/api/cases/{case_id}/follow")
        assert followed.status_code == 200 and followed.json()["followers"] == ["aude", "rita"]
        assert followed.json()["following"] is True
        assert rita.post(f"/api/cases/{case_id}/fire", json={"trigger": "send"}).status_code == 200
        with told.client(told.token("aude", "admin")) as admin:
            page = admin.get("/api/outbox", params={"case": case_id}).json()
        assert [(m["person"], m["kind"], m["subject"]) for m in page["items"]] == [
            ("aude", "move", f"{case_id} moved to Review")
        ]
        left = aude.delete(f"/api/cases/{case_id}/follow")
        assert left.json() == {"case": case_id, "followers": ["rita"], "following": False}
        missing = aude.post("/api/cases/no-such-case/follow")
        assert missing.status_code == 404 and missing.headers["content-type"] == PROBLEM


def test_the_outbox_lists_by_status_and_case_a_page_at_a_time(told: Served) -> None:
    with told.client(told.token("rita")) as rita:
        cases = [sent_for_review(told, rita) for _ in range(3)]
        for case_id in cases:
            told.engine.follow(case_id, "aude")
            told.engine.follow(case_id, "alan")
            rita.post(f"/api/cases/{case_id}/fire", json={"trigger": "send"}).raise_for_status()
    with told.client(told.token("aude", "admin")) as admin:
        every = admin.get("/api/outbox", params={"limit": 100}).json()
        assert len(every["items"]) == 6 and every["next"] is None
        seen, cursor = [], None
        while True:
            page = admin.get("/api/outbox", params={"limit": 4, **({"cursor": cursor} if cursor else {})}).json()
            seen += [m["key"] for m in page["items"]]
            cursor = page["next"]
            if cursor is None:
                break
        assert seen == [m["key"] for m in every["items"]]
        one = admin.get("/api/outbox", params={"case": cases[1]}).json()["items"]
        assert {m["case"] for m in one} == {cases[1]} and {m["person"] for m in one} == {"alan", "aude"}
        chinese = next(m for m in one if m["person"] == "alan")
        assert chinese["subject"] == f"关注的案件 {cases[1]} 已进入「Review」" and chinese["status"] == "pending"
        assert admin.get("/api/outbox", params={"status": "dead"}).json() == {"items": [], "next": None}


def test_retry_and_discard_change_only_the_messages_named(told: Served) -> None:
    with told.client(told.token("rita")) as rita:
        case_id = sent_for_review(told, rita)
        told.engine.follow(case_id, "aude")
        rita.post(f"/api/cases/{case_id}/fire", json={"trigger": "send"}).raise_for_status()
    with told.client(told.token("aude", "admin")) as admin:
        (message,) = admin.get("/api/outbox").json()["items"]
        discarded = admin.post("/api/outbox/discard", json={"keys": [message["key"][:8]]})
        assert discarded.status_code == 200 and discarded.json() == {"discarded": 1}
        assert [m["key"] for m in admin.get("/api/outbox", params={"status": "discarded"}).json()["items"]] == [
            message["key"]
        ]
        assert admin.post("/api/outbox/discard", json={"keys": [message["key"]]}).json() == {"discarded": 0}
        assert admin.post("/api/outbox/retry", json={"keys": [message["key"]]}).json() == {"retried": 1}
        (again,) = admin.get("/api/outbox").json()["items"]
        assert again["status"] == "pending" and again["attempts"] == 0
        assert admin.post("/api/outbox/retry", json={}).json() == {"retried": 0}  # no dead message


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "phrase"),
    [
        ("GET", "/api/outbox?status=lost", None, 400, "status must be one of pending, sent, dead, discarded"),
        ("GET", "/api/outbox?cursor=%%%", None, 400, "the cursor is not one this server gave out"),
        ("GET", "/api/outbox?limit=0", None, 400, "limit must be between"),
        ("POST", "/api/outbox/discard", {}, 422, "send {'keys': [...]}"),
        ("POST", "/api/outbox/discard", {"keys": ["ab"]}, 422, "their first 4 characters"),
        ("POST", "/api/outbox/retry", {"keys": "all"}, 422, "send {'keys': [...]}"),
        ("POST", "/api/outbox/retry", [], 400, "the JSON body must be an object"),
    ],
    ids=["status", "cursor", "limit", "no-keys", "short-key", "keys-not-a-list", "body-not-an-object"],
)
def test_bad_outbox_requests_are_problems(
    told: Served, method: str, path: str, body: object, status: int, phrase: str
) -> None:
    with told.client(told.token("aude", "admin")) as admin:
        response = admin.request(method, path, json=body)
    assert response.status_code == status and response.headers["content-type"] == PROBLEM
    assert phrase in response.json()["detail"]


def test_the_outbox_needs_the_admin_scope(told: Served) -> None:
    with told.client(told.token("aude", "write")) as writer:
        for response in (writer.get("/api/outbox"), writer.post("/api/outbox/retry", json={})):
            assert response.status_code == 403 and response.headers["content-type"] == PROBLEM
            assert response.json()["type"].endswith("scope-missing")
    with httpx.Client(base_url=told.url) as anonymous:
        assert anonymous.get("/api/outbox").status_code == 401


def test_a_cursor_past_the_end_is_an_empty_page(told: Served) -> None:
    cursor = base64.urlsafe_b64encode(b"f" * 32).decode().rstrip("=")
    with told.client(told.token("aude", "admin")) as admin:
        assert admin.get("/api/outbox", params={"cursor": cursor}).json() == {"items": [], "next": None}
