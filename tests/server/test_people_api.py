"""The inbox and the people verbs over real HTTP: the work index read through `GET /api/inbox`, and assign,
claim, release, delegate, transfer as case writes with the directory's refusals as problem documents."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from procflow import Actor, Engine, FixedClock, load
from procflow.people import admin
from procflow.people_records import Person
from procflow.store import open_store
from tests.conftest import APPROVER, AUDITOR, REQUESTER, seat
from tests.people.conftest import QUEUE, RULES, sent
from tests.people.test_inbox import TIMED
from tests.server.conftest import Served, serving

PROBLEM = "application/problem+json"


@pytest.fixture
def office(durable_url: str, clock: FixedClock, mini_copy: Callable[[str, str], Path]) -> Iterator[Served]:
    """A server over the mini process with assignment rules (round robin among approvers alan, bea, cy, who
    report to mona), and a queued variant `queued` where drafts wait in the requester queue."""
    store = open_store(durable_url)
    engine = seat(Engine(store, clock=clock), REQUESTER, APPROVER, AUDITOR)
    engine.register(load(mini_copy("initial: draft", RULES)))
    engine.publish("mini", "policy", {"limit": 1000}, AUDITOR)
    seat(engine, Actor("bea", "approver"), Actor("cy", "approver"), Actor("mona", "approver"))
    lines = [admin.Draft("reports_to", {"person": p, "manager": "mona"}) for p in ("alan", "bea", "cy")]
    engine.team.change("cast-admin", lines, clock.now())
    with serving(engine) as running:
        yield running
    store.close()


@pytest.fixture
def queued(durable_url: str, clock: FixedClock, mini_copy: Callable[[str, str], Path]) -> Iterator[Served]:
    store = open_store(durable_url)
    engine = seat(Engine(store, clock=clock), REQUESTER, APPROVER, AUDITOR, Actor("ruth", "requester"))
    engine.register(load(mini_copy("initial: draft", QUEUE)))
    engine.publish("mini", "policy", {"limit": 1000}, AUDITOR)
    with serving(engine) as running:
        yield running
    store.close()


def as_(served: Served, person: str) -> httpx.Client:
    return served.client(served.token(person))


def test_the_inbox_shows_the_callers_work_with_moves_and_documents(office: Served) -> None:
    first, second = sent(office.engine), sent(office.engine)  # round robin: alan, then bea
    with as_(office, "alan") as alan:
        page = alan.get("/api/inbox").json()
        assert [e["case_id"] for e in page["items"]] == [first] and page["next"] is None
        entry = page["items"][0]
        assert (entry["role"], entry["held"], entry["documents"], entry["moves"]) == (
            "approver",
            True,
            ["decision"],
            [],
        )
        assert entry["href"] == f"/api/cases/{first}" and entry["overdue"] is False
    with as_(office, "bea") as bea:
        assert [e["case_id"] for e in bea.get("/api/inbox").json()["items"]] == [second]


def test_the_inbox_needs_a_credential(office: Served) -> None:
    response = httpx.get(office.url + "/api/inbox")
    assert response.status_code == 401 and response.headers["content-type"] == PROBLEM


def test_overdue_work_comes_first_with_its_due_time(durable_url: str, clock: FixedClock, tmp_path: Path) -> None:
    import shutil

    shutil.copytree(TIMED.parent.parent, tmp_path / "timed")
    copy = tmp_path / "timed" / "processes" / "timed.yaml"
    text = copy.read_text("utf-8").replace("\ninitial:", "\nassignment: [{rule: least_loaded, role: clerk}]\ninitial:")
    copy.write_text(text, "utf-8")
    store = open_store(durable_url)
    engine = seat(Engine(store, clock=clock), REQUESTER)  # seats the cast's admin too
    engine.register(load(copy))
    engine.team.change(
        "cast-admin",
        [admin.add_person(Person("kim", "Kim", timezone="Europe/Berlin")), admin.grant("kim", "clerk")],
        clock.now(),
    )
    try:
        with serving(engine) as served, as_(served, "kim") as kim:
            early = engine.start("timed", Actor("kim")).id
            clock.advance(timedelta(days=2))
            late = engine.start("timed", Actor("kim")).id
            items = kim.get("/api/inbox").json()["items"]
            assert [e["case_id"] for e in items] == [early, late]
            assert items[0]["overdue"] is True and items[1]["overdue"] is False
            assert all(d["due_at"].endswith("+01:00") for d in items[0]["obligations"])  # Kim's zone
    finally:
        store.close()


def test_the_inbox_pages_with_a_cursor(queued: Served) -> None:
    made = [queued.engine.start("mini", REQUESTER).id for _ in range(5)]
    with as_(queued, "ruth") as ruth:
        seen: list[str] = []
        url = "/api/inbox?limit=2"
        while url:
            page = ruth.get(url).json()
            seen += [e["case_id"] for e in page["items"]]
            url = f"/api/inbox?limit=2&cursor={page['next']}" if page["next"] else ""
        assert sorted(seen) == sorted(made) and len(seen) == 5
        first = ruth.get("/api/inbox?limit=2").json()
        queued.engine.claim(first["items"][0]["case_id"], Actor("rita"))  # the last one shown leaves her inbox
        rest = ruth.get(f"/api/inbox?limit=2&cursor={first['next']}").json()["items"]
        assert first["items"][0]["case_id"] not in [e["case_id"] for e in rest] and len(rest) == 2
        bad = ruth.get("/api/inbox?cursor=bm9wZQ")
        assert bad.status_code == 400 and bad.headers["content-type"] == PROBLEM


def test_claim_and_release_over_http(queued: Served) -> None:
    case_id = queued.engine.start("mini", REQUESTER).id
    with as_(queued, "ruth") as ruth, as_(queued, "rita") as rita:
        claimed = ruth.post(f"/api/cases/{case_id}/claim", json={})
        assert claimed.status_code == 200, claimed.text
        assert claimed.json()["assignee"] == "ruth" and claimed.headers["etag"] == f'"{claimed.json()["case_version"]}"'
        again = rita.post(f"/api/cases/{case_id}/claim", json={})
        assert again.status_code == 409 and again.headers["content-type"] == PROBLEM
        assert "already held by ruth" in again.json()["detail"]
        not_hers = rita.post(f"/api/cases/{case_id}/release", json={})
        assert not_hers.status_code == 409 and "does not hold" in not_hers.json()["detail"]
        released = ruth.post(f"/api/cases/{case_id}/release", json={}, headers={"If-Match": claimed.headers["etag"]})
        assert released.status_code == 200 and released.json()["assignee"] in (None, "")
    assert queued.engine.assignee(case_id).person is None  # type: ignore[union-attr]


def test_a_person_without_the_role_may_not_claim(queued: Served) -> None:
    case_id = queued.engine.start("mini", REQUESTER).id
    before = queued.engine.get(case_id).version
    with as_(queued, "alan") as alan:  # an approver, not a requester
        refused = alan.post(f"/api/cases/{case_id}/claim", json={})
    assert refused.status_code == 403 and refused.headers["content-type"] == PROBLEM
    assert refused.json()["type"].endswith("role-not-held") and refused.json()["person"] == "alan"
    assert queued.engine.get(case_id).version == before


def test_delegate_comes_back_and_transfer_stays(office: Served) -> None:
    engine = office.engine
    case_id = sent(engine)  # alan's
    with as_(office, "alan") as alan, as_(office, "bea") as bea:
        delegated = alan.post(f"/api/cases/{case_id}/delegate", json={"to": "cy"})
        assert delegated.status_code == 200 and delegated.json()["assignee"] == "cy"
        held = engine.assignee(case_id)
        assert held is not None and held.back_to == "alan"
        stolen = bea.post(f"/api/cases/{case_id}/transfer", json={"to": "bea"})
        assert stolen.status_code == 409 and "does not hold" in stolen.json()["detail"]
        to_nobody = alan.post(f"/api/cases/{case_id}/transfer", json={})
        assert to_nobody.status_code == 400 and to_nobody.headers["content-type"] == PROBLEM
    with as_(office, "cy") as cy:
        moved = cy.post(f"/api/cases/{case_id}/transfer", json={"to": "bea"})
        assert moved.status_code == 200 and moved.json()["assignee"] == "bea"
        outsider = cy.post(f"/api/cases/{case_id}/delegate", json={"to": "rita"})
        assert outsider.status_code == 409  # cy no longer holds it


def test_assign_is_for_managers_and_admins(office: Served) -> None:
    case_id = sent(office.engine)  # alan's
    with as_(office, "bea") as bea:
        refused = bea.post(f"/api/cases/{case_id}/assign", json={"to": "bea"})
    assert refused.status_code == 403 and refused.headers["content-type"] == PROBLEM
    assert "may not reassign" in refused.json()["detail"]
    with as_(office, "mona") as mona:
        done = mona.post(f"/api/cases/{case_id}/assign", json={"to": "cy"})
        assert done.status_code == 200 and done.json()["assignee"] == "cy"
        stale = mona.post(f"/api/cases/{case_id}/assign", json={"to": "bea"}, headers={"If-Match": '"1"'})
        assert stale.status_code == 412 and stale.headers["content-type"] == PROBLEM
    assert office.engine.assignee(case_id).person == "cy"  # type: ignore[union-attr]


def test_a_retried_verb_with_the_same_key_runs_once(office: Served) -> None:
    case_id = sent(office.engine)
    with as_(office, "mona") as mona:
        headers = {"Idempotency-Key": "move-1"}
        first = mona.post(f"/api/cases/{case_id}/assign", json={"to": "cy"}, headers=headers)
        retried = mona.post(f"/api/cases/{case_id}/assign", json={"to": "cy"}, headers=headers)
        assert first.status_code == retried.status_code == 200
        assert retried.headers["idempotent-replayed"] == "true" and retried.headers["etag"] == first.headers["etag"]
    kinds = [e.kind for e in office.engine.get(case_id).history]
    assert kinds.count("reassigned") == 1


def test_a_case_the_person_may_not_see_is_404_to_the_verbs(office: Served) -> None:
    with as_(office, "mona") as mona:
        missing = mona.post("/api/cases/nope/assign", json={"to": "cy"})
    assert missing.status_code == 404 and missing.headers["content-type"] == PROBLEM
