"""The process pages: versions with their case counts, a diff between any two versions, the scenarios with
their results (run within a time budget); user text shown as text. Browser tests save screenshots."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from procflow import Actor, load
from procflow.server.web import processes
from tests.conftest import seat
from tests.server.web.conftest import Site, shot, sign_in
from tests.server.web.test_pages import _signed_in

SCRIPT = "<script>window.pwned=1</script>"


@pytest.fixture
def patient(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every scenario run to its end, however busy the machine (the budget itself has its own test)."""
    monkeypatch.setattr(processes, "SCENARIO_BUDGET", timedelta(minutes=5))


@pytest.fixture
def two_minis(site: Site, mini_copy: Callable[[str, str], Path]) -> tuple[str, str]:
    """mini version 1 with a case, then version 2 whose title carries a script and whose review lost its
    owner's title: the content hashes (12 digits) of both."""
    from tests.conftest import MINI

    first = load(MINI)
    site.engine.register(first)
    seat(site.engine, Actor("bea", "requester"))
    site.engine.start("mini", Actor("bea", "requester"))
    second = load(mini_copy("title: Purchase approval", f'title: "Purchase {SCRIPT} approval"'))
    site.engine.register(second)
    return first.content_hash[:12], second.content_hash[:12]


def test_the_diff_between_two_versions_lists_their_changes_as_text(site: Site, two_minis: tuple[str, str]) -> None:
    old, new = two_minis
    client, _ = _signed_in(site)
    page = client.get("/app/processes/mini").text
    assert "1 cases" in page and "0 cases" in page  # version 1 runs one case, version 2 none
    assert 'name="from"' in page and 'name="to"' in page
    diff = client.get(f"/app/processes/mini/diff?from={old}&to={new}")
    assert diff.status_code == 200
    assert "changed" in diff.text and SCRIPT not in diff.text and "&lt;script&gt;" in diff.text
    same = client.get(f"/app/processes/mini/diff?from={new}&to={new}").text
    assert 'id="no-change"' in same


@pytest.mark.parametrize(
    "query", ["from=nope&to=nope", "", "from=&to=", "from=0&to=1"], ids=["unknown", "none", "empty", "ambiguous-ish"]
)
def test_a_diff_of_versions_that_are_not_there_is_a_404(site: Site, two_minis: tuple[str, str], query: str) -> None:
    client, _ = _signed_in(site)
    assert client.get(f"/app/processes/mini/diff?{query}").status_code == 404
    assert client.get("/app/processes/nope/diff?from=a&to=b").status_code == 404


def test_the_scenarios_run_and_say_their_results(site: Site, patient: None) -> None:
    client, _ = _signed_in(site)
    page = client.get("/app/processes/sales/scenarios").text
    assert page.count('class="card scenario ok"') == len(list(Path("processes/sales/scenarios").glob("*.yaml")))
    assert 'data-scenario="won.yaml"' in page


def test_scenarios_past_the_time_budget_are_said_not_run(site: Site, monkeypatch: Any) -> None:
    monkeypatch.setattr(processes, "SCENARIO_BUDGET", timedelta(0))
    monkeypatch.setattr(processes, "_RESULTS", {})
    client, _ = _signed_in(site)
    page = client.get("/app/processes/sales/scenarios").text
    assert 'class="card scenario ok"' not in page and 'class="card scenario skipped"' in page
    assert "time budget" in page


def test_process_pages_in_the_browser(
    page: Any, site: Site, two_minis: tuple[str, str], tmp_path: Path, patient: None
) -> None:
    sign_in(page)
    page.goto("/app/processes/mini")
    shot(page, tmp_path, "process-versions")
    page.click(".diff-form button")
    page.wait_for_url("**/diff?**")
    assert page.evaluate("window.pwned") is None
    assert SCRIPT in page.inner_text("main")  # shown as text
    shot(page, tmp_path, "process-diff")
    page.goto("/app/processes/sales/scenarios")
    assert page.locator(".scenario.ok").count() >= 10
    shot(page, tmp_path, "process-scenarios")
    with httpx.Client(base_url=site.url) as anonymous:
        assert anonymous.get("/app/processes/sales/scenarios").status_code == 303  # sign in first


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_the_overview_pages_speak_both_languages_and_refuse_unknown_names(site: Site, lang: str) -> None:
    from procflow.people_records import ADMIN_ROLE

    seat(site.engine, Actor("bea", ADMIN_ROLE))
    client, _ = _signed_in(site)
    for path in (
        "/app/board",
        "/app/processes/sales",
        "/app/processes/sales/scenarios",
        "/app/processes/sales/review",
        "/app/team",
    ):
        answer = client.get(f"{path}?lang={lang}")
        assert answer.status_code == 200 and f'<html lang="{lang}">' in answer.text, path
    assert "销售漏斗看板" in client.get("/app/board?lang=zh-CN").text
    assert client.get("/app/board?process=nope").status_code == 404
    assert client.get("/app/board?scope=everything").status_code == 403
    assert client.get("/app/processes/nope/review").status_code == 404
