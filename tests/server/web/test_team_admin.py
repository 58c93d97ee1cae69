"""Team admin in the browser: only directory admins see it; every change goes through the directory's own
checks, is recorded as the admin's, needs the session's CSRF token; secrets are shown once."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from procflow import Actor
from procflow.people_records import ADMIN_ROLE
from procflow.server import accounts
from tests.conftest import seat
from tests.server.conftest import PASSWORD
from tests.server.web.conftest import Site, shot, sign_in
from tests.server.web.test_browser import UNLABELLED
from tests.server.web.test_pages import _as, _token

SCRIPT = "<script>window.pwned=1</script>"


@pytest.fixture
def admin(site: Site) -> tuple[httpx.Client, str]:
    """mara, holding the directory-admin grant, signed in; and her form token."""
    seat(site.engine, Actor("mara", ADMIN_ROLE))
    client = _as(site, "mara")
    return client, _token(client.get("/app/team").text)


def _seq(site: Site) -> int:
    return site.engine.directory.roster().seq


def test_the_team_pages_are_not_there_for_anyone_else(site: Site) -> None:
    bea = _as(site, "bea")
    assert bea.get("/app/team").status_code == 404
    token = _token(bea.get("/app/board").text)
    before = _seq(site)
    for path, form in [
        ("/app/team/grants", {"person": "bea", "role": ADMIN_ROLE}),
        ("/app/team/people", {"id": "mallory"}),
        ("/app/team/integrations", {"name": "erp"}),
    ]:
        assert bea.post(path, data={**form, "csrf": token}).status_code == 404
    assert _seq(site) == before and site.store.integration("erp") is None


def test_an_admin_adds_grants_revokes_and_covers_each_recorded_as_theirs(
    site: Site, admin: tuple[httpx.Client, str]
) -> None:
    client, token = admin
    added = client.post(
        "/app/team/people", data={"csrf": token, "id": "zoe", "name": f"Zoe {SCRIPT}", "reports_to": "bea"}
    )
    assert added.status_code == 303
    roster = site.engine.directory.roster()
    assert roster.people["zoe"].name == f"Zoe {SCRIPT}" and roster.managers["zoe"] == "bea"
    assert site.engine.directory.roster().seq == _seq(site)
    granted = client.post(
        "/app/team/grants",
        data={"csrf": token, "person": "zoe", "role": "legal", "process": "sales", "from": "2026-03-01", "to": ""},
    )
    assert granted.status_code == 303
    grant = next(g for g in site.engine.directory.roster().grants_of("zoe"))
    assert (grant.role, grant.process, str(grant.valid_from)) == ("legal", "sales", "2026-03-01")
    events = site.store.directory_events()
    assert {e.actor for e in events[-3:]} == {"mara"}  # the chain says who
    page = client.get("/app/team").text
    assert SCRIPT not in page and "Zoe &lt;script&gt;" in page
    assert client.post(f"/app/team/grants/{grant.id}/revoke", data={"csrf": token}).status_code == 303
    assert site.engine.directory.roster().grants_of("zoe") == []
    covered = client.post(
        "/app/team/covers",
        data={"csrf": token, "substitute": "zoe", "absent": "bea", "start": "2026-03-02", "end": "2026-03-06"},
    )
    assert covered.status_code == 303
    cover = next(s for s in site.engine.directory.roster().substitutes.values() if s.substitute == "zoe")
    assert client.post(f"/app/team/covers/{cover.id}/end", data={"csrf": token}).status_code == 303
    assert site.engine.directory.roster().substitutes[cover.id].ended


@pytest.mark.parametrize(
    ("path", "form", "said"),
    [
        ("/app/team/grants", {"person": "nobody", "role": "legal"}, "no person 'nobody'"),
        ("/app/team/grants", {"person": "bea", "role": "boss"}, "no registered process has a role 'boss'"),
        ("/app/team/grants", {"person": "bea", "role": "legal", "from": "someday"}, "not a date"),
        ("/app/team/grants", {"person": "bea", "role": "legal", "from": "2026-03-05", "to": "2026-03-01"}, "ends"),
        ("/app/team/people", {"id": "bea"}, "already in the team directory"),
        ("/app/team/people", {"id": ""}, "give the person"),
        ("/app/team/people", {"id": "x1", "timezone": "Mars/Olympus"}, "not a time zone"),
        (
            "/app/team/covers",
            {"substitute": "bea", "absent": "bea", "start": "2026-03-02", "end": "2026-03-03"},
            "themselves",
        ),
        ("/app/team/covers", {"substitute": "bea", "absent": "lou", "start": "", "end": ""}, "not a date"),
        ("/app/team/grants/999/revoke", {}, "no standing grant #999"),
        ("/app/team/grants/x/revoke", {}, "no grant #x"),
        ("/app/team/covers/999/end", {}, "no standing cover #999"),
        ("/app/team/integrations/nope/rotate", {}, "no integration 'nope'"),
    ],
    ids=[
        "unknown-person",
        "unknown-role",
        "bad-date",
        "backwards-grant",
        "twice",
        "no-id",
        "bad-zone",
        "self-cover",
        "cover-without-dates",
        "unknown-grant",
        "not-a-number",
        "unknown-cover",
        "unknown-integration",
    ],
)
def test_a_change_that_makes_no_sense_is_said_and_writes_nothing(
    site: Site, admin: tuple[httpx.Client, str], path: str, form: dict[str, str], said: str
) -> None:
    client, token = admin
    before = _seq(site)
    answer = client.post(path, data={**form, "csrf": token})
    assert 400 <= answer.status_code < 500 and said in answer.text.replace("&#39;", "'")
    assert "Traceback" not in answer.text
    assert _seq(site) == before


def test_a_change_without_the_sessions_token_is_refused(site: Site, admin: tuple[httpx.Client, str]) -> None:
    client, _ = admin
    before = _seq(site)
    assert client.post("/app/team/people", data={"id": "zoe"}).status_code == 403
    assert client.post("/app/team/integrations", data={"name": "erp", "csrf": "0" * 64}).status_code == 403
    assert _seq(site) == before and site.store.integration("erp") is None


def test_an_integration_secret_is_shown_once_and_rotating_shows_the_new_one_once(
    site: Site, admin: tuple[httpx.Client, str]
) -> None:
    client, token = admin
    made = client.post("/app/team/integrations", data={"csrf": token, "name": "erp"})
    record = site.store.integration("erp")
    assert made.status_code == 200 and record is not None and record.secret in made.text
    assert made.headers["cache-control"] == "no-store"
    assert record.secret not in client.get("/app/team").text  # never again
    assert client.post("/app/team/integrations", data={"csrf": token, "name": "erp"}).status_code == 409
    rotated = client.post("/app/team/integrations/erp/rotate", data={"csrf": token})
    fresh = site.store.integration("erp")
    assert fresh is not None and fresh.secret != record.secret and fresh.previous_secret == record.secret
    assert fresh.secret in rotated.text and record.secret not in rotated.text


def test_team_admin_in_the_browser(page: Any, site: Site, tmp_path: Path) -> None:
    seat(site.engine, Actor("mara", ADMIN_ROLE))
    accounts.set_password(site.store, "mara", PASSWORD, site.clock.now())
    sign_in(page, "mara")
    page.goto("/app/team")
    page.fill("#p-id", "zoe")
    page.fill("#p-name", f"Zoe {SCRIPT}")
    page.select_option("#p-manager", "bea")
    page.click("#add-person button[type=submit]")
    page.wait_for_selector("[data-person=zoe]")
    page.select_option("#g-person", "zoe")
    page.select_option("#g-role", "legal")
    page.click("#add-grant button[type=submit]")
    page.wait_for_selector("[data-person=zoe] [data-grant]")
    assert "as legal" in page.inner_text("[data-person=zoe]")
    assert page.evaluate("window.pwned") is None and SCRIPT in page.inner_text("[data-person=zoe]")
    page.fill("#i-name", "erp")
    page.click("#add-integration button[type=submit]")
    secret = page.inner_text("#secret .secret")
    assert re.fullmatch(r"whsec_\S+", secret)
    assert page.evaluate(UNLABELLED) == []
    shot(page, tmp_path, "team-admin")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/app/team")
    assert page.evaluate("document.body.scrollWidth") <= 390
    shot(page, tmp_path, "team-admin-390")


def test_the_board_links_to_team_admin_for_admins_only(site: Site, admin: tuple[httpx.Client, str]) -> None:
    client, _ = admin
    assert 'id="team-link"' in client.get("/app/board").text
    assert 'id="team-link"' not in _as(site, "bea").get("/app/board").text
