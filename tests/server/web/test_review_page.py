"""The review page for a period (days in the process's time zone) and a team, and its CSV export: quoted,
UTF-8 with a BOM, formulas made inert; user text shown as text."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from procflow import Actor
from procflow.people.admin import Draft
from procflow.people.cast import CAST_ADMIN
from procflow.server.web.spreadsheet import BOM, csv_bytes, inert
from tests.conftest import seat
from tests.server.web.conftest import Site, shot, sign_in
from tests.server.web.test_browser import LEAD
from tests.server.web.test_pages import _as

EVIL = '=HYPERLINK("http://evil.example","点我")<script>window.pwned=1</script>'


@pytest.mark.parametrize(
    ("cell", "shown"),
    [
        ("=1+1", "'=1+1"),
        ("+cmd", "'+cmd"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("-5", "-5"),
        ("+1.5", "+1.5"),
        ("丢单", "丢单"),
        (None, ""),
        (3, "3"),
    ],
    ids=["equals", "plus", "minus-formula", "at", "tab", "negative-number", "signed-number", "chinese", "none", "int"],
)
def test_a_cell_a_spreadsheet_would_run_is_made_inert(cell: Any, shown: str) -> None:
    assert inert(cell) == shown


def test_csv_bytes_are_utf8_with_a_bom_and_quoted() -> None:
    raw = csv_bytes([["a,b", 'say "hi"', "line\nbreak", "王"]])
    assert raw.startswith(BOM.encode("utf-8"))
    assert list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""))) == [
        ["a,b", 'say "hi"', "line\nbreak", "王"]
    ]


@pytest.fixture
def reviewed(site: Site) -> Site:
    """Two leads started on 2026-03-02 (Shanghai) by bea and by the person EVIL, who reports to mara; one on
    2026-03-04 by ben (nobody's report)."""
    evil = Actor(EVIL, "bd_specialist")
    seat(site.engine, evil, Actor("ben", "bd_specialist"))
    drafts = [Draft("reports_to", {"person": p, "manager": "mara"}) for p in ("bea", EVIL)]
    site.engine.team.change(CAST_ADMIN, drafts, site.clock.now())
    site.engine.start("sales", Actor("bea", "bd_specialist"), case_id="r-1")
    site.engine.submit(site.engine.start("sales", evil, case_id="r-2"), "lead_record", LEAD, evil)
    site.clock.advance(timedelta(days=2))
    site.engine.start("sales", Actor("ben", "bd_specialist"), case_id="r-3")
    return site


def test_the_review_counts_the_period_and_the_team_it_is_asked_for(reviewed: Site) -> None:
    mara = _as(reviewed, "mara")  # the manager sees her team's cases
    both = mara.get("/app/processes/sales/review?from=2026-03-01&to=2026-03-31&team=mara")
    assert both.status_code == 200 and '<p id="review-total">2 ' in both.text
    assert "<script>window.pwned" not in both.text and "&lt;script&gt;window.pwned" in both.text  # workload
    day = mara.get("/app/processes/sales/review?from=2026-03-02&to=2026-03-02&team=mara").text
    assert '<p id="review-total">2 ' in day  # 09:00 in Shanghai on the 2nd: inside the day
    none = mara.get("/app/processes/sales/review?from=2026-03-03&to=2026-03-31&team=mara").text
    assert '<p id="review-total">0 ' in none  # ben's lead is not in her team


@pytest.mark.parametrize(
    "query",
    ["from=2026-13-01", "from=2026-03-05&to=2026-03-01", "team=nobody", "to=yesterday"],
    ids=["bad-month", "backwards", "unknown-team", "words"],
)
def test_a_review_asked_for_nonsense_says_why(reviewed: Site, query: str) -> None:
    answer = _as(reviewed, "mara").get(f"/app/processes/sales/review?{query}")
    assert answer.status_code == 400 and "Traceback" not in answer.text


def test_the_csv_export_opens_in_a_spreadsheet_and_runs_nothing(reviewed: Site) -> None:
    answer = _as(reviewed, "mara").get("/app/processes/sales/review.csv?from=2026-03-01&to=2026-03-31&team=mara")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    assert "attachment" in answer.headers["content-disposition"]
    assert answer.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["version", "section", "item", "measure", "value"]
    people = [r[2] for r in rows if r[1] == "workload_person"]
    assert "'" + EVIL in people and EVIL not in people
    assert not any(cell.startswith(("=", "+", "@")) for row in rows for cell in row)


def test_the_review_page_in_the_browser(page: Any, reviewed: Site, tmp_path: Path) -> None:
    from procflow.server import accounts
    from tests.server.conftest import PASSWORD

    accounts.set_password(reviewed.store, "mara", PASSWORD, reviewed.clock.now())
    sign_in(page, "mara")
    page.goto("/app/processes/sales/review")
    page.fill("#review-from", "2026-03-01")
    page.fill("#review-to", "2026-03-31")
    page.select_option("#review-team", "mara")
    page.click(".review-form button")
    page.wait_for_url("**team=mara**")
    assert page.evaluate("window.pwned") is None
    assert "2 " in page.inner_text("#review-total")
    assert page.locator(".review-version svg").count() >= 2
    shot(page, tmp_path, "review")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, tmp_path, "review-390")
