"""The web pages over plain HTTP: CSRF on every POST, sign-in required, sign-out, languages, refusals as pages."""

from __future__ import annotations

import re
import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from procflow import Actor
from procflow.people.admin import Draft
from procflow.people.cast import CAST_ADMIN
from procflow.server import accounts, web
from procflow.server.web import labels
from tests.conftest import seat
from tests.server.conftest import PASSWORD
from tests.server.web.conftest import Site

BEA = Actor("bea", "bd_specialist")
WEB = Path(web.__file__).parent


def _token(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]*)"', html)
    assert found is not None
    return found.group(1)


def _signed_in(site: Site) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=site.url, timeout=30)
    token = _token(client.get("/app/login").text)
    answer = client.post("/app/login", data={"csrf": token, "person": "bea", "password": PASSWORD})
    assert answer.status_code == 303 and answer.headers["location"] == "/app/inbox"
    return client, _token(client.get("/app/inbox").text)


def test_a_post_without_this_sessions_token_is_refused_and_changes_nothing(site: Site) -> None:
    case = site.engine.start("sales", BEA, case_id="deal-1")
    client, token = _signed_in(site)
    _other, other_token = _signed_in(site)
    form = {"role": "bd_specialist", "trigger": "lose"}
    altered = token[:-1] + ("1" if token.endswith("0") else "0")  # always another token, whatever its last digit
    for sent in (form, {**form, "csrf": ""}, {**form, "csrf": other_token}, {**form, "csrf": altered}):
        answer = client.post("/app/cases/deal-1/fire", data=sent)
        assert answer.status_code == 403 and "reload the page" in answer.text
    start = client.post("/app/processes/sales/cases", data={"role": "bd_specialist"})
    assert start.status_code == 403
    assert site.engine.get("deal-1").version == case.version
    assert site.engine.cases("sales") == ["deal-1"]
    refused = client.post("/app/cases/deal-1/fire", data={**form, "csrf": token})  # the token: the engine decides
    assert refused.status_code == 409 and "loss_record" in refused.text


def test_signing_in_needs_the_forms_token_too(site: Site) -> None:
    with httpx.Client(base_url=site.url, timeout=30) as client:
        client.get("/app/login")
        answer = client.post("/app/login", data={"person": "bea", "password": PASSWORD})
        assert answer.status_code == 403 and "procflow_session" not in answer.cookies


def test_pages_need_a_session_and_signing_out_ends_it(site: Site) -> None:
    with httpx.Client(base_url=site.url, timeout=30) as anonymous:
        answer = anonymous.get("/app/board")
        assert answer.status_code == 303 and answer.headers["location"] == "/app/login?next=/app/board"
    client, token = _signed_in(site)
    assert client.get("/app/board").status_code == 200
    assert client.post("/app/logout", data={"csrf": token}).status_code == 303
    assert client.get("/app/board").status_code == 303


def test_wrong_password_is_said_on_the_form_and_next_never_leaves_the_site(site: Site) -> None:
    with httpx.Client(base_url=site.url, timeout=30) as client:
        token = _token(client.get("/app/login?next=https://evil.example/").text)
        wrong = client.post("/app/login", data={"csrf": token, "person": "bea", "password": "nope"})
        assert wrong.status_code == 401 and "wrong person or password" in wrong.text
        right = client.post(
            "/app/login",
            data={"csrf": token, "person": "bea", "password": PASSWORD, "next": "https://evil.example/"},
        )
        assert right.headers["location"] == "/app/inbox"


def test_the_language_follows_the_browser_and_refusals_are_pages(site: Site) -> None:
    client, _ = _signed_in(site)
    chinese = client.get("/app/board", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    zh, en = labels.labels("zh-CN"), labels.labels("en")
    assert zh["board"] == "销售漏斗看板" and zh["board"] in chinese.text and en["board"] not in chinese.text
    assert en["board"] in client.get("/app/board?lang=en", headers={"Accept-Language": "zh-CN"}).text
    assert en["board"] in client.get("/app/board", headers={"Accept-Language": "fr-FR, en-GB;q=0.8, zh;q=0.5"}).text
    missing = client.get("/app/cases/nobody-1")
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("text/html")
    assert "nobody-1" in missing.text


def test_both_languages_have_every_label_and_chinese_differs_from_english() -> None:
    zh, en = labels.labels("zh-CN"), labels.labels("en")
    assert zh.keys() == en.keys()
    assert [key for key in en if key != "app" and zh[key] == en[key]] == []


CONTRACT = {
    "contract_no": "HT-1",
    "customer_name": "Acme Gears",
    "scope": "MES rollout",
    "payment_terms": "30/70",
    "liability": "capped",
    "ip": "customer",
    "amount": 250000,
}


def _column(html: str, column: str) -> str:
    found = re.search(rf'data-column="{column}">(.*?)</section>', html, re.S)
    assert found is not None
    return found.group(1)


def test_the_board_counts_sums_deal_amounts_and_marks_stale_cards(site: Site) -> None:
    legal = Actor("lou", "legal")
    for n in (1, 2):
        case = site.engine.start("sales", BEA, case_id=f"deal-{n}")
        site.engine.submit(case, "contract", {**CONTRACT, "amount": 100000 * n}, legal)
    site.clock.advance(timedelta(days=3))
    site.engine.start("sales", BEA, case_id="deal-3")
    client, _ = _signed_in(site)
    fresh = _column(client.get("/app/board").text, "lead")
    assert re.search(r'class="count"[^>]*>3</span>', fresh) and "amount: 300,000" in fresh and "stale" not in fresh
    site.clock.advance(timedelta(days=6))  # 2026-03-11: deal-1 and -2 were last touched 7 working days ago
    client, _ = _signed_in(site)  # the first session has expired by now
    later = _column(client.get("/app/board").text, "lead")
    assert later.count("case-card stale") == 2 and 'data-case="deal-3"' in later
    assert re.search(r'class="card case-card" href="[^"]*deal-3', later)  # 4 working days: not stale yet
    assert client.get("/app", follow_redirects=False).headers["location"] == "/app/inbox"


def test_a_role_that_is_not_the_processs_is_refused_not_replaced(site: Site) -> None:
    started = site.engine.start("sales", BEA, case_id="deal-1")  # started, and given to bea (round robin)
    client, token = _signed_in(site)
    answer = client.post("/app/cases/deal-1/fire", data={"csrf": token, "role": "boss", "trigger": "lose"})
    assert answer.status_code in (400, 404, 422) and "boss" in answer.text
    assert site.engine.get("deal-1").version == started.version


def test_without_graphviz_the_process_page_shows_the_mermaid_text(site: Site, monkeypatch: Any) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)  # as where Graphviz is not installed
    client, _ = _signed_in(site)
    page = client.get("/app/processes/sales")
    assert page.status_code == 200 and '<pre class="mermaid">' in page.text and "<svg" not in page.text
    assert "flowchart TD" in page.text


def test_nothing_is_fetched_from_another_site(site: Site) -> None:
    client, _ = _signed_in(site)
    assert client.get("/app/static/app.js").headers["content-type"].startswith("text/javascript")
    shipped = [*WEB.glob("templates/*.html"), *WEB.glob("static/*")]
    assert len(shipped) >= 8
    for path in shipped:
        assert re.search(r"(src|href)=\"(https?:)?//", path.read_text("utf-8")) is None, path
    assert "default-src 'none'" in client.get("/app/board").headers["content-security-policy"]


def test_a_form_whose_schema_refers_to_another_schema_has_the_fields_it_names(site: Site, complaint: Any) -> None:
    site.engine.register(complaint)
    owner = complaint.states[complaint.initial].owner
    seat(site.engine, Actor("bea", owner))
    site.engine.start("complaint", Actor("bea", owner), case_id="c-1")
    client, _ = _signed_in(site)
    page = client.get(f"/app/cases/c-1?role={owner}")
    assert page.status_code == 200 and 'name="$.customer.email"' in page.text


def _as(site: Site, person: str) -> httpx.Client:
    accounts.set_password(site.store, person, PASSWORD, site.clock.now())
    client = httpx.Client(base_url=site.url, timeout=30)
    token = _token(client.get("/app/login").text)
    assert client.post("/app/login", data={"csrf": token, "person": person, "password": PASSWORD}).status_code == 303
    return client


def test_the_board_filters_as_far_as_visibility_reaches_in_the_query(site: Site) -> None:
    """bea (a specialist: sees what she is involved in) gets `mine` only; mara (the manager, `team` in the sales
    YAML) her team's cases under `team`, none under `mine`; nobody gets a filter their visibility does not open."""
    seat(site.engine, Actor("ben", "bd_specialist"))
    site.engine.team.change(CAST_ADMIN, [Draft("reports_to", {"person": "bea", "manager": "mara"})], site.clock.now())
    site.engine.start("sales", BEA, case_id="deal-bea")
    site.engine.start("sales", Actor("ben", "bd_specialist"), case_id="deal-ben")
    bea, mara = _as(site, "bea"), _as(site, "mara")
    mine = bea.get("/app/board").text
    assert 'data-case="deal-bea"' in mine and "deal-ben" not in mine
    assert '<option value="team"' not in mine
    assert bea.get("/app/board?scope=all").status_code == 403
    team = mara.get("/app/board?scope=team").text
    assert 'data-case="deal-bea"' in team and "deal-ben" not in team
    assert "data-case=" not in mara.get("/app/board?scope=mine").text
    assert 'data-case="deal-bea"' in mara.get("/app/board").text  # her widest filter by default
    assert mara.get("/app/board?scope=all").status_code == 403
