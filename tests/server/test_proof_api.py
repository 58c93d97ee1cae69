"""Audit, verify and the review over HTTP: the same data the CLI prints, behind the right scopes."""

from __future__ import annotations

import httpx

from tests.server.conftest import Served
from tests.server.test_cases_api import start


def test_a_case_audit_is_the_library_report(served: Served, rita: httpx.Client) -> None:
    case_id = start(rita)["id"]
    audit = rita.get(f"/api/cases/{case_id}/audit")
    assert audit.status_code == 200 and audit.json()["case"]["id"] == case_id and audit.json()["verify"]["ok"]
    page = rita.get(f"/api/cases/{case_id}/audit", params={"format": "html"})
    assert page.headers["content-type"].startswith("text/html") and case_id in page.text
    assert rita.get(f"/api/cases/{case_id}/audit", params={"format": "pdf"}).status_code == 400


def test_verify_needs_admin_and_says_ok(served: Served, rita: httpx.Client) -> None:
    start(rita)
    assert rita.get("/api/verify").status_code == 403
    with served.client(served.token("aude", scope="admin")) as admin:
        verdict = admin.get("/api/verify").json()
    assert verdict["ok"] and verdict["cases"] == 1 and verdict["events"] == 1


def test_the_review_is_served_as_json(served: Served, rita: httpx.Client) -> None:
    start(rita)
    figures = rita.get(
        "/api/report", params={"process": "mini", "from": "2026-03-01T00:00+00:00", "to": "2026-04-01T00:00+00:00"}
    )
    assert figures.status_code == 200, figures.text
    assert isinstance(figures.json(), dict)
    bad = rita.get(
        "/api/report", params={"process": "mini", "from": "2026-04-01T00:00+00:00", "to": "2026-03-01T00:00+00:00"}
    )
    assert bad.status_code == 400 and bad.headers["content-type"] == "application/problem+json"
