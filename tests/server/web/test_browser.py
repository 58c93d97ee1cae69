"""The web app in a real browser (Playwright driving Debian's Chromium): sign in, work a lead through its form,
the board, the audit page, and script typed anywhere shown as text. Each test saves screenshots (paths printed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from procflow import Actor
from procflow.server import accounts
from tests.conftest import seat
from tests.server.conftest import PASSWORD
from tests.server.web.conftest import Site, shot, sign_in, weight

BEA = Actor("bea", "bd_specialist")
LEAD = {
    "company_name": "Acme Gears",
    "contact_name": "Li Lei",
    "phone": "+86 21 5555 0101",
    "channel": "industry_summit",
    "acquired_at": "2026-03-02T08:30:00+08:00",
    "industry": "manufacturing",
    "pain_points": ["manual scheduling", "no traceability"],
    "expressed_need": "explicit",
}
SCRIPT = "<script>window.pwned=1</script>"
UNLABELLED = """[...document.querySelectorAll("input:not([type=hidden]), select, textarea")]
  .filter(e => e.labels.length === 0 && !e.getAttribute("aria-label")).map(e => e.name || e.id)"""


def _fill_lead(page: Any, phone: str, company: str = "Acme Gears") -> None:
    form = "#form-lead_record"
    page.fill(f"{form} [name='$.company_name']", company)
    page.fill(f"{form} [name='$.contact_name']", "Li Lei")
    page.fill(f"{form} [name='$.phone']", phone)
    page.select_option(f"{form} [name='$.channel']", "industry_summit")
    page.fill(f"{form} [name='$.acquired_at']", "2026-03-02T08:30")
    page.fill(f"{form} [name='$.industry']", "manufacturing")
    page.fill(f"{form} [name='$.pain_points[0]']", "manual scheduling")
    page.click(f"{form} .add-row")  # the page's script adds a second row
    page.fill(f"{form} [name='$.pain_points[1]']", "no traceability")
    page.select_option(f"{form} [name='$.expressed_need']", "explicit")
    page.fill(f"{form} [name='$.employees']", "800")


def test_a_specialist_works_a_lead_from_start_to_first_contact(page: Any, site: Site, tmp_path: Path) -> None:
    sign_in(page)
    page.click("form.start button")  # start a lead as bd_specialist
    page.wait_for_url("**/app/cases/sales-*")
    case_id = page.url.split("/app/cases/")[1].split("?")[0]
    blocked = page.locator(".move.blocked[data-trigger=qualify]")
    assert "lead_record" in blocked.inner_text()  # the reason why not, from engine.available
    shot(page, tmp_path, "1-new-lead")
    assert page.evaluate(UNLABELLED) == []  # every field a person can fill has a label

    _fill_lead(page, phone="call me maybe!")
    page.click("#form-lead_record button[type=submit]")
    error = page.locator("[data-error-for='$.phone']")
    assert error.count() == 1 and "does not match" in error.inner_text()
    assert page.input_value("#form-lead_record [name='$.company_name']") == "Acme Gears"  # typed values kept
    assert page.input_value("#form-lead_record [name='$.phone']") == "call me maybe!"
    assert page.input_value("#form-lead_record [name='$.pain_points[1]']") == "no traceability"
    assert page.input_value("#form-lead_record [name='$.employees']") == "800"
    assert site.engine.get(case_id).latest("lead_record") is None  # nothing was written
    shot(page, tmp_path, "2-phone-error")

    page.fill("#form-lead_record [name='$.phone']", "+86 21 5555 0101")
    page.click("#form-lead_record button[type=submit]")
    page.wait_for_selector("#doc-lead_grading")
    record, grading = (site.engine.get(case_id).latest(name) for name in ("lead_record", "lead_grading"))
    assert record is not None and record.data["acquired_at"] == "2026-03-02T08:30:00+08:00"  # the process zone
    assert grading is not None and grading.data["grade"] == "A"  # computed by the engine
    assert page.input_value("#form-lead_record [name='$.company_name']") == "Acme Gears"  # prefilled
    shot(page, tmp_path, "3-graded")

    page.click(".move.allowed[data-trigger=qualify] button")
    page.wait_for_selector("#state")
    assert site.engine.get(case_id).state == "first_contact"
    assert "First contact" in page.inner_text("#state")
    assert "qualify" in page.inner_text(".timeline")
    shot(page, tmp_path, "4-first-contact")


def test_board_shows_the_card_and_the_audit_page_the_verify_result(page: Any, site: Site, tmp_path: Path) -> None:
    case = site.engine.start("sales", BEA, case_id="deal-7")
    site.engine.submit(case, "lead_record", LEAD, BEA)
    sign_in(page)
    page.goto("/app/board")
    column = page.locator(".column[data-column=lead]")
    assert column.locator(".count").inner_text() == "1"
    assert "Acme Gears" in column.locator("[data-case='deal-7']").inner_text()
    shot(page, tmp_path, "board")
    page.click("[data-case='deal-7']")  # a card opens the case's moves, not a shortcut around them
    page.wait_for_url("**/app/cases/deal-7#moves")
    page.click("text=Audit")
    assert "The history verifies" in page.inner_text("#verify")
    assert page.locator(".verify.ok").count() == 1
    shot(page, tmp_path, "audit")
    page.goto("/app/processes/sales")
    assert "1 cases" in page.inner_text("td.cases")
    assert page.locator(".diagram svg, .diagram pre").count() == 1
    shot(page, tmp_path, "process")


def test_script_typed_anywhere_is_shown_as_text(page: Any, site: Site, tmp_path: Path) -> None:
    """A person id, a document's fields: on the case page, its timeline and the board, never run."""
    person = f"eve{SCRIPT}"
    seat(site.engine, Actor(person, "bd_specialist"))
    accounts.set_password(site.store, person, PASSWORD, site.clock.now())
    sign_in(page, person)
    page.click("form.start button")
    page.wait_for_url("**/app/cases/sales-*")
    _fill_lead(page, phone="+86 21 5555 0101", company=f"Evil{SCRIPT}")
    page.fill("#form-lead_record [name='$.notes']", f"**bold** <b>html</b> {SCRIPT}")
    page.click("#form-lead_record button[type=submit]")
    page.wait_for_selector("#doc-lead_grading")
    assert page.evaluate("window.pwned") is None
    assert SCRIPT in page.inner_text(".timeline")  # the person's id, as text
    assert page.input_value("#form-lead_record [name='$.company_name']") == f"Evil{SCRIPT}"
    shot(page, tmp_path, "xss-case")
    page.goto("/app/board")
    assert page.evaluate("window.pwned") is None
    assert f"Evil{SCRIPT}" in page.inner_text(".column[data-column=lead]")
    shot(page, tmp_path, "xss-board")
    page.click(".column[data-column=lead] .case-card")
    page.click("#doc-lead_record a")  # the rendered HTML view of the document
    assert page.evaluate("window.pwned") is None
    assert page.locator("script").count() == 0


def test_every_page_weighs_under_300_kb(page: Any, site: Site) -> None:
    case = site.engine.start("sales", BEA, case_id="deal-8")
    site.engine.submit(case, "lead_record", LEAD, BEA)
    sign_in(page)
    paths = ("/app/login", "/app/board", "/app/cases/deal-8", "/app/cases/deal-8/audit", "/app/processes/sales")
    weights = {path: weight(page, path) for path in paths}
    print("page weights (bytes):", weights)
    assert all(0 < size < 300_000 for size in weights.values()), weights


def test_signing_in_and_starting_a_case_with_the_keyboard_alone(page: Any, site: Site) -> None:
    page.goto("/app/login")
    for _ in range(5):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "person":
            break
    assert page.evaluate("document.activeElement.id") == "person"
    page.keyboard.type("bea")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/app/inbox**")
    page.focus("form.start button")  # the inbox's start button
    page.keyboard.press("Enter")
    page.wait_for_url("**/app/cases/sales-*")
    assert len(site.engine.cases("sales")) == 1
