"""The overview pages at a phone's width (390px) and their weight, in the real browser; screenshots saved."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from procflow import Actor
from tests.server.web.conftest import Site, shot, sign_in
from tests.server.web.test_browser import LEAD, UNLABELLED

BEA = Actor("bea", "bd_specialist")
PAGES = ("/app/board", "/app/processes/sales", "/app/processes/sales/scenarios", "/app/processes/sales/review")


def test_the_overview_pages_fit_a_phone_and_weigh_under_300_kb(page: Any, site: Site, tmp_path: Path) -> None:
    for n in range(3):
        case = site.engine.start("sales", BEA, case_id=f"deal-{n}")
        site.engine.submit(case, "lead_record", {**LEAD, "company_name": f"Acme **{n}** <i>x</i>"}, BEA)
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page)
    weights: dict[str, int] = {}
    for path in PAGES:
        sizes: list[int] = []

        def count(response: Any, into: list[int] = sizes) -> None:
            into.append(len(response.body()))

        page.on("response", count)
        page.goto(path)
        page.wait_for_load_state("networkidle")
        page.remove_listener("response", count)
        weights[path] = sum(sizes)
        assert page.evaluate("document.body.scrollWidth") <= 390, path  # nothing sticks out sideways
        assert page.evaluate(UNLABELLED) == [], path  # every field has a label
        shot(page, tmp_path, "390-" + path.strip("/").replace("/", "-"))
    print("page weights (bytes):", weights)
    assert all(0 < size < 300_000 for size in weights.values()), weights
    page.goto("/app/board")
    assert "Acme **0** <i>x</i>" in page.inner_text(".column[data-column=lead]")  # Markdown and HTML as text


def test_the_audit_page_says_when_the_history_does_not_verify(page: Any, site: Site, tmp_path: Path) -> None:
    import sqlite3

    case = site.engine.start("sales", BEA, case_id="deal-9")
    site.engine.submit(case, "lead_record", LEAD, BEA)
    sign_in(page)
    page.goto("/app/cases/deal-9/audit")
    assert page.locator(".verify.ok").count() == 1
    with sqlite3.connect(tmp_path / "web.db") as db:  # someone edits the stored history behind procflow's back
        db.execute("UPDATE events SET data = replace(data, 'Acme Gears', 'Evil Gears') WHERE case_id = 'deal-9'")
    page.reload()
    assert page.locator(".verify.bad").count() == 1
    assert "does NOT verify" in page.inner_text("#verify")
    shot(page, tmp_path, "audit-tampered")
