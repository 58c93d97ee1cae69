"""The people's work in a real browser, with the demo's own team: a lead from capture to the account manager's
inbox and their first move, a 会签 review collecting three sign-offs, the settings page, the people verbs,
the inbox's groups and due times, and script typed anywhere shown as text. Screenshots: paths printed."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from procflow import Actor
from procflow.people import settings
from procflow.records import current_assignment
from procflow.scenario import read_scenario, run_scenario
from procflow.shipped import process_file
from tests.server.web.conftest import Site, shot, weight
from tests.server.web.test_browser import SCRIPT, UNLABELLED, _fill_lead

ACCOUNT_MANAGERS = {"li_na", "huang_chen", "chen_siyuan", "anna"}
ZHAO = Actor("zhao_lei", "bd_specialist")


def _part(page: Any, selector: str, tmp_path: Path, name: str) -> None:
    """A screenshot of one part of the page (a long case page's form or panel), its path printed."""
    path = tmp_path / f"{name}.png"
    page.locator(selector).first.screenshot(path=str(path))
    print(f"screenshot: {path}")


def _case_of(page: Any) -> str:
    return str(page.url.split("/app/cases/")[1].split("?")[0].split("#")[0])


def _fill(page: Any, form: str, values: dict[str, str]) -> None:
    """Type or pick each value into the form's field of that JSON path (below `$.`)."""
    for path, value in values.items():
        field = f"{form} [name='$.{path}']"
        if page.locator(field).evaluate("e => e.tagName") == "SELECT":
            page.select_option(field, value)
        else:
            page.fill(field, value)


def _fill_contact(page: Any, interest: str = "clear", note: str = "Chen wants an on-site needs interview") -> None:
    contact = {
        "contacted_at": "2026-03-02T13:45",
        "method": "phone",
        "contact_person": "Chen Jianguo",
        "value_presented": "Scheduling from orders and machine capacity",
        "basic_need": note,
        "interest": interest,
    }
    _fill(page, "#form-contact_record", contact)


def test_a_specialist_captures_a_lead_and_the_right_account_manager_works_it(
    visit: Any, demo_site: Site, tmp_path: Path
) -> None:
    bd = visit("zhao_lei")
    assert bd.locator(".inbox-row").count() == 0
    shot(bd, tmp_path, "1-empty-inbox")
    bd.click("form.start button")  # the inbox's start button: a new lead
    bd.wait_for_url("**/app/cases/sales-*")
    case_id = _case_of(bd)
    assert bd.evaluate(UNLABELLED) == []

    _fill_lead(bd, phone="call me maybe!")
    bd.click("#form-lead_record button[type=submit]")
    error = bd.locator("[data-error-for='$.phone']")
    assert error.count() == 1 and "does not match" in error.inner_text()  # at its field
    assert bd.input_value("#form-lead_record [name='$.company_name']") == "Acme Gears"  # typed values kept
    assert bd.input_value("#form-lead_record [name='$.phone']") == "call me maybe!"
    shot(bd, tmp_path, "2-wrong-phone")
    bd.fill("#form-lead_record [name='$.phone']", "+86 21 5555 0101")
    bd.click("#form-lead_record button[type=submit]")
    bd.wait_for_selector("#doc-lead_grading")
    grading = demo_site.engine.get(case_id).latest("lead_grading")
    assert grading is not None and grading.data["grade"] == "A"  # computed by the engine

    bd.click(".move.allowed[data-trigger=qualify] button")
    bd.wait_for_selector(".move[data-trigger=hand_over]")
    blocked = bd.locator(".move.blocked[data-trigger=hand_over]")
    assert "contact_record" in blocked.inner_text()  # why the hand-over is not possible yet
    _fill_contact(bd)
    bd.click("#form-contact_record button[type=submit]")
    bd.wait_for_selector(".move.allowed[data-trigger=hand_over]")
    shot(bd, tmp_path, "3-first-contact")
    with bd.expect_navigation():  # the POST answers with a redirect to the next page
        bd.click(".move.allowed[data-trigger=hand_over] button")

    case = demo_site.engine.get(case_id)
    assert case.state == "research_planning"
    held = current_assignment(case)
    assert held is not None and held.person in ACCOUNT_MANAGERS  # least loaded, by the process's rule
    manager = visit(held.person)
    row = manager.locator(f".inbox-row[data-case='{case_id}']")
    assert row.count() == 1
    assert "research plan" in row.inner_text().lower()  # what is asked: the document to write
    assert "working day" in row.locator(".due").inner_text() or "today" in row.locator(".due").inner_text()
    shot(manager, tmp_path, "4-manager-inbox")
    row.locator("a.case-link").click()
    manager.wait_for_url(f"**/app/cases/{case_id}**")
    reasons = manager.locator(".move.blocked[data-trigger=schedule_interview] .reasons").inner_text()
    assert "research_plan" in reasons
    assert manager.inner_text("#holder").strip() != ""  # who holds the work, by name
    shot(manager, tmp_path, "5-manager-blocked")
    _part(manager, "#moves", tmp_path, "5-manager-blocked-moves")

    form = "#form-research_plan"
    _fill(
        manager,
        form,
        {
            "pain_points[0]": "manual scheduling",
            "decision_process": "The production VP proposes, the GM decides",
            "budget_expectation": "800k incl. hardware",
            "timeline": "Live by the end of May",
            "meeting_at": "2026-03-09T14:00",
            "meeting_mode": "in_person",
        },
    )
    manager.click(f"{form} button[type=submit]")
    manager.wait_for_selector(".move.allowed[data-trigger=schedule_interview]")
    with manager.expect_navigation():  # the POST answers with a redirect to the next page
        manager.click(".move.allowed[data-trigger=schedule_interview] button")
    assert demo_site.engine.get(case_id).state == "needs_interview"
    shot(manager, tmp_path, "6-interview-booked")


def _played(site: Site, stop: Callable[[dict[str, Any]], bool], author: str | None = None) -> str:
    """The won scenario played up to the first step `stop` picks (without it); the solution written by `author`
    (None: the product expert, as the scenario has it)."""
    scenario = dict(read_scenario(process_file("sales").parent / "sales" / "scenarios" / "won.yaml"))
    steps = [{**s, "as": author} if author and s.get("submit") == "solution" else s for s in scenario["steps"]]
    scenario["steps"] = steps[: next(i for i, step in enumerate(steps) if stop(step))]
    result = run_scenario(scenario, site.engine, site.clock, "sales")
    assert result.case is not None and not result.failures, result
    return result.case.id


def _to_review(site: Site, author: str = "li_na:account_manager") -> str:
    """Played up to the solution submitted for review: the case waits for three sign-offs."""
    case_id = _played(site, lambda step: "sign" in step, author)
    assert site.engine.get(case_id).state == "internal_review"
    return case_id


def test_a_review_collects_three_sign_offs_in_the_browser(visit: Any, demo_site: Site, tmp_path: Path) -> None:
    case_id = _to_review(demo_site)
    for number, person in enumerate(("sun_hao", "qian_li", "zhou_qiang"), 1):
        page = visit(person)
        row = page.locator(f".inbox-row[data-case='{case_id}']")
        assert row.count() == 1, person  # a sign-off waiting for them is in their inbox
        row.locator("a.case-link").click()
        page.wait_for_selector(".signoff")
        awaited = page.locator(".signoff .signers li.awaited").count()
        assert awaited == 4 - number  # who is still awaited
        if number == 1:
            assert page.locator(".signoff .signers li.signed").count() == 0
            shot(page, tmp_path, "review-1-awaited")
        if number == 2:  # the first signer's comment, script and all, is text on the page
            assert page.evaluate("window.pwned") is None
            assert SCRIPT in page.inner_text(".signoff li.signed")
        page.fill(".signoff textarea[name=comment]", f"fine by {person}" if number > 1 else SCRIPT)
        with page.expect_navigation():  # the POST answers with a redirect to the next page
            page.click(".signoff button.verdict-approve")
    case = demo_site.engine.get(case_id)
    signed = [e for e in case.history if e.kind == "signed"]
    assert {e.actor for e in signed} == {"sun_hao", "qian_li", "zhou_qiang"}
    assert case.state == "presentation"  # the third approval decided the round, and its move followed
    page.goto(f"/app/cases/{case_id}")
    assert "Presentation" in page.inner_text("#state")
    assert page.inner_text(".timeline").count(" approved on ") == 3  # each verdict a sentence of the page's language
    assert "钱丽" in page.inner_text(".timeline")  # actors by their names in the directory
    shot(page, tmp_path, "review-2-approved")


def test_a_separation_rule_is_shown_and_a_stranger_gets_404(visit: Any, demo_site: Site, tmp_path: Path) -> None:
    case_id = _to_review(demo_site, author="sun_hao:product_expert")  # the product expert wrote the solution
    expert = visit("sun_hao")
    expert.goto(f"/app/cases/{case_id}")
    assert expert.locator(".signoff button.verdict-approve").count() == 0
    assert expert.locator(".signoff button.verdict-reject").count() == 1  # declining stays open to them
    assert "author_not_approver" in expert.inner_text(".signoff .blocked-sign[data-verdict=approve] + .reasons")
    shot(expert, tmp_path, "review-separation")
    _part(expert, ".signoff", tmp_path, "review-separation-panel")
    account = visit("li_na")  # acted in the case, signs nothing: no buttons
    account.goto(f"/app/cases/{case_id}")
    assert account.locator(".signoff").count() == 1
    assert account.locator(".signoff form.sign").count() == 0
    stranger = visit("huang_chen")  # another account manager, not involved: the case is not there for them
    for path in (f"/app/cases/{case_id}", f"/app/cases/{case_id}/audit", f"/app/cases/{case_id}/documents/solution"):
        answer = stranger.goto(path)
        assert answer is not None and answer.status == 404, path
        assert "Acme" not in stranger.content() and "恒锐" not in stranger.content()


def test_claim_and_release_from_a_queue_and_a_refusal_shown(visit: Any, demo_site: Site, tmp_path: Path) -> None:
    case_id = _to_review(demo_site)  # the review waits in the sales supervisor's queue
    supervisor = visit("zhou_qiang")
    supervisor.goto(f"/app/cases/{case_id}")
    assert "sales_supervisor" in supervisor.inner_text("#work")
    supervisor.click("#work .op-claim button")
    supervisor.wait_for_selector("#work .op-release")
    held = demo_site.engine.assignee(case_id)
    assert held is not None and held.person == "zhou_qiang"
    assert "周强" in supervisor.inner_text("#holder")  # by display name
    shot(supervisor, tmp_path, "claimed")
    supervisor.click("#work .op-release button")
    supervisor.wait_for_selector("#work .op-claim")
    held = demo_site.engine.assignee(case_id)
    assert held is not None and held.person is None
    manager = visit("li_na")
    manager.goto(f"/app/cases/{case_id}")
    manager.click("#work .op-claim button")  # li_na holds no sales_supervisor grant: the engine refuses
    assert manager.locator(".refusal").count() == 1
    assert "sales_supervisor" in manager.inner_text(".refusal")
    held = demo_site.engine.assignee(case_id)
    assert held is not None and held.person is None


def test_settings_change_language_zone_and_notifications_everywhere(
    visit: Any, demo_site: Site, tmp_path: Path
) -> None:
    case = demo_site.engine.start("sales", ZHAO, case_id="deal-1")
    page = visit("zhao_lei")
    page.goto("/app/settings")
    assert page.evaluate(UNLABELLED) == []
    page.fill("#timezone", "Mars/Olympus")
    page.click("form.settings button[type=submit]")
    assert "not a time zone" in page.inner_text("[data-error-for=timezone]")
    assert page.input_value("#timezone") == "Mars/Olympus"  # kept as typed
    assert settings.load(demo_site.store, "zhao_lei") == {}  # nothing kept
    page.select_option("#locale", "zh-CN")
    page.fill("#timezone", "Europe/Berlin")
    page.select_option("#channel-reminder", "none")
    page.select_option("#digest-assignment", "08:00")
    page.fill("#quiet-from", "22:00")
    page.fill("#quiet-to", "07:00")
    page.click("form.settings button[type=submit]")
    page.wait_for_selector("#saved")
    assert "设置已保存" in page.inner_text("#saved")  # the page now speaks the person's language
    shot(page, tmp_path, "settings-zh")
    assert settings.load(demo_site.store, "zhao_lei") == {
        "locale": "zh-CN",
        "timezone": "Europe/Berlin",
        "channels": {"reminder": []},
        "digest": {"assignment": "08:00"},
        "quiet_hours": "22:00-07:00",
    }
    page.goto("/app/cases/deal-1")
    started = case.history[0].at.astimezone(ZoneInfo("Europe/Berlin"))
    assert started.strftime("%Y-%m-%d %H:%M") in page.inner_text(".timeline")  # the person's zone
    assert "时间线" in page.inner_text("body")
    page.goto("/app/inbox")
    assert "待办" in page.inner_text("h1")


def _qualified(site: Site, case_id: str, at: datetime) -> None:
    """A lead recorded and qualified at `at`: its first contact is due 48 hours later (T2)."""
    site.clock.set(at)
    case = site.engine.start("sales", ZHAO, case_id=case_id)
    data = {
        "company_name": f"Company {case_id}",
        "contact_name": "Li Lei",
        "phone": "+86 21 5555 0101",
        "channel": "industry_summit",
        "acquired_at": (at - timedelta(hours=1)).isoformat(),
        "industry": "manufacturing",
        "pain_points": ["manual scheduling"],
        "expressed_need": "explicit",
    }
    site.engine.submit(case, "lead_record", data, ZHAO)
    site.engine.fire(case_id, "qualify", ZHAO)


def test_the_inbox_groups_overdue_today_and_later_with_working_day_due_times(
    visit: Any, demo_site: Site, tmp_path: Path
) -> None:
    shanghai = ZoneInfo("Asia/Shanghai")
    _qualified(demo_site, "late-1", datetime(2026, 3, 2, 9, 0, tzinfo=shanghai))  # due Wed 09:00
    _qualified(demo_site, "today-1", datetime(2026, 3, 2, 18, 0, tzinfo=shanghai))  # due Wed 18:00
    _qualified(demo_site, "soon-1", datetime(2026, 3, 3, 9, 0, tzinfo=shanghai))  # due Thu 09:00
    _qualified(demo_site, "later-1", datetime(2026, 3, 4, 10, 0, tzinfo=shanghai))  # due Fri 10:00
    page = visit("zhao_lei")  # Wednesday 4 March, 10:00 in Shanghai
    groups = [g.get_attribute("data-group") for g in page.locator(".inbox-group").all()]
    assert groups == ["overdue", "today", "later"]
    dues = {r.get_attribute("data-case"): r.locator(".due").inner_text() for r in page.locator(".inbox-row").all()}
    print("inbox due times:", dues)
    assert dues == {
        "late-1": "overdue since Wed 09:00",
        "today-1": "today (Wed 18:00)",
        "soon-1": "in 1 working day (Thu 09:00)",
        "later-1": "in 2 working days (Fri 10:00)",
    }
    rows = [r.get_attribute("data-case") for r in page.locator(".inbox-row").all()]
    assert rows == ["late-1", "today-1", "soon-1", "later-1"]  # overdue first, then today, then the rest
    assert "First contact" in page.inner_text(".inbox-row[data-case='late-1'] .stage")
    shot(page, tmp_path, "inbox")
    phone = visit("zhao_lei", width=390)
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the inbox is {width}px wide on a 390px phone"
    shot(phone, tmp_path, "inbox-phone")
    chinese = visit("zhao_lei", locale="zh-CN")  # the browser's language, as the person chose none
    assert chinese.inner_text(".inbox-row[data-case='later-1'] .due") == "2 个工作日后（周五 10:00）"
    shot(chinese, tmp_path, "inbox-zh")
    settings.save(demo_site.store, "zhao_lei", {"timezone": "Europe/Berlin"}, demo_site.clock.now())
    page.reload()
    assert page.inner_text(".inbox-row[data-case='later-1'] .due") == "in 2 working days (Fri 03:00)"


def test_script_typed_anywhere_is_text_on_the_inbox_case_page_and_timeline(
    visit: Any, demo_site: Site, tmp_path: Path
) -> None:
    engine = demo_site.engine
    case = engine.start("sales", ZHAO, case_id="xss-1")
    page = visit("zhao_lei")
    page.goto(f"/app/cases/{case.id}")
    _fill_lead(page, phone="+86 21 5555 0101", company=f"Evil{SCRIPT}")
    page.fill("#form-lead_record [name='$.notes']", f"**bold** <b>html</b> {SCRIPT}")
    page.click("#form-lead_record button[type=submit]")
    page.wait_for_selector("#doc-lead_grading")
    page.click(".move.allowed[data-trigger=qualify] button")
    page.wait_for_selector(".move[data-trigger=hand_over]")
    _fill_contact(page, note=SCRIPT)
    page.fill("#form-contact_record [name='$.contact_person']", "<img src=x onerror=window.pwned=1>")
    page.click("#form-contact_record button[type=submit]")
    page.wait_for_selector("#doc-contact_record")
    assert page.evaluate("window.pwned") is None
    assert page.input_value("#form-contact_record [name='$.basic_need']") == SCRIPT
    page.goto("/app/settings")
    page.fill("#timezone", SCRIPT)
    page.click("form.settings button[type=submit]")
    assert SCRIPT in page.inner_text("[data-error-for=timezone]")  # the refusal quotes it, as text
    page.goto("/app/inbox")
    assert page.evaluate("window.pwned") is None
    assert page.locator(f".inbox-row[data-case='{case.id}']").count() == 1
    shot(page, tmp_path, "xss-inbox")


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def test_a_file_field_uploads_the_scan_and_only_viewers_may_download_it(
    visit: Any, demo_site: Site, tmp_path: Path
) -> None:
    case_id = _played(demo_site, lambda step: step.get("submit") == "signed_contract")
    manager = visit("li_na")
    manager.goto(f"/app/cases/{case_id}")
    form = "#form-signed_contract"
    assert manager.locator(f"{form} input[type=file][name='file:$.scan']").count() == 1
    assert manager.evaluate(UNLABELLED) == []
    contract = {
        "contract_no": "SHZN-2026-SZ-0041",
        "signed_at": "2026-04-02T15:30",
        "customer_signatory": "Lin Zhiyuan",
        "our_signatory": "Wang Min",
        "sealed_by_both": "true",
        "scan_ref": "CRM/contracts/0041.pdf",
        "order_status": "已签约",
    }
    _fill(manager, form, contract)
    manager.set_input_files(
        f"{form} [name='file:$.scan']", {"name": "a.txt", "mimeType": "text/plain", "buffer": b"hi"}
    )
    manager.click(f"{form} button[type=submit]")
    assert "text/plain" in manager.inner_text("[data-error-for='$.scan']")  # a file the field does not take
    assert manager.input_value(f"{form} [name='$.contract_no']") == "SHZN-2026-SZ-0041"  # kept
    assert demo_site.engine.get(case_id).latest("signed_contract") is None
    manager.set_input_files(
        f"{form} [name='file:$.scan']", {"name": "scan.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    manager.click(f"{form} button[type=submit]")
    manager.wait_for_selector("#doc-signed_contract")
    version = demo_site.engine.get(case_id).latest("signed_contract")
    assert version is not None and version.data["scan"] == f"sha256:{hashlib.sha256(PDF).hexdigest()}"
    link = manager.locator(f"{form} .attached a")  # the resubmission form, prefilled: the file already attached
    assert link.count() == 1
    href = str(link.get_attribute("href"))
    shot(manager, tmp_path, "file-field")
    _part(manager, form, tmp_path, "file-field-form")
    got = manager.request.get(demo_site.url + href)
    assert got.status == 200 and got.body() == PDF and got.headers["content-type"] == "application/pdf"
    stranger = visit("huang_chen")
    assert stranger.request.get(demo_site.url + href).status == 404  # not a viewer of the case: not there


def test_a_blocked_move_says_which_guard_and_the_value_that_failed(visit: Any, demo_site: Site) -> None:
    case = demo_site.engine.start("sales", ZHAO, case_id="low-1")
    lead = {
        "company_name": "Bank of Nowhere",
        "contact_name": "Li Lei",
        "phone": "+86 21 5555 0101",
        "channel": "industry_summit",
        "acquired_at": "2026-03-02T08:30:00+08:00",
        "industry": "banking",
        "pain_points": ["none of ours"],
        "expressed_need": "unknown",
    }
    demo_site.engine.submit(case, "lead_record", lead, ZHAO)
    page = visit("zhao_lei")
    page.goto("/app/cases/low-1")
    reason = page.inner_text(".move.blocked[data-trigger=qualify] .reasons")
    assert "documents.lead_grading.grade was 'C'" in reason and "['A', 'B']" in reason
    assert page.locator(".move.allowed[data-trigger=park_low_match]").count() == 1


def _tab_to(page: Any, selector: str, presses: int = 80) -> None:
    """Press Tab until the element `selector` has the focus (the keyboard alone, as a person without a mouse)."""
    for _ in range(presses):
        if page.evaluate(f"document.activeElement === document.querySelector({selector!r})"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def test_settings_and_a_sign_off_with_the_keyboard_alone(visit: Any, demo_site: Site) -> None:
    page = visit("zhao_lei")
    page.goto("/app/settings")
    _tab_to(page, "#locale")
    page.keyboard.press("ArrowDown")  # the first language after "—"
    _tab_to(page, "#timezone")
    page.keyboard.type("Europe/Berlin")
    _tab_to(page, "form.settings button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_selector("#saved")
    assert settings.load(demo_site.store, "zhao_lei")["timezone"] == "Europe/Berlin"

    case_id = _to_review(demo_site)
    legal = visit("qian_li")
    legal.goto(f"/app/cases/{case_id}")
    _tab_to(legal, ".signoff textarea[name=comment]", 200)
    legal.keyboard.type("clauses checked")
    _tab_to(legal, ".signoff button.verdict-approve")
    with legal.expect_navigation():  # the POST answers with a redirect to the next page
        legal.keyboard.press("Enter")
    signed = [e for e in demo_site.engine.get(case_id).history if e.kind == "signed"]
    assert [(e.actor, (e.data or {}).get("comment")) for e in signed] == [("qian_li", "clauses checked")]


def test_new_pages_fit_a_phone_and_weigh_under_300_kb(visit: Any, demo_site: Site, tmp_path: Path) -> None:
    case_id = _to_review(demo_site)
    phone = visit("qian_li", width=390)
    weights: dict[str, int] = {}
    for path in ("/app/inbox", "/app/settings", f"/app/cases/{case_id}"):
        weights[path] = weight(phone, path)
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} is {width}px wide on a 390px phone"
        shot(phone, tmp_path, "phone-" + path.strip("/").replace("/", "-"))
    print("page weights (bytes):", weights)
    assert all(0 < size < 300_000 for size in weights.values()), weights
