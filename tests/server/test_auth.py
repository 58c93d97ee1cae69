"""Authentication attacks, each against the real server: no token, a bad/expired/revoked token, a token without
the scope, 20 guessed passwords (locked out, then allowed after the window), the proxy header off by default."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from procflow.server import accounts, csrf
from tests.server.conftest import PASSWORD, Served

PROBLEM = "application/problem+json"
START = ("/api/processes/mini/cases", {"role": "requester"})


def _refused(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    assert "Traceback" not in response.text
    body: dict[str, object] = response.json()
    return body


def test_no_token_is_401_and_nothing_is_written(served: Served) -> None:
    with served.client() as client:
        assert _refused(client.post(*START[:1], json=START[1]), 401)["detail"]
        assert client.get("/api/cases").headers["www-authenticate"].startswith("Bearer")
    assert served.engine.cases("mini") == []


@pytest.mark.parametrize("header", ["Bearer pf_made_up", "Bearer", "Basic cml0YTpwdw==", "Bearer notours"])
def test_a_token_we_never_gave_is_401(served: Served, header: str) -> None:
    with httpx.Client(base_url=served.url, headers={"Authorization": header}) as client:
        _refused(client.get("/api/cases"), 401)


def test_an_expired_token_is_401(served: Served) -> None:
    token = served.token("rita", days=1)
    with served.client(token) as client:
        assert client.get("/api/cases").status_code == 200
        served.clock.advance(timedelta(days=1, seconds=1))
        assert "expired" in str(_refused(client.post(START[0], json=START[1]), 401)["detail"])
    assert served.engine.cases("mini") == []


def test_a_revoked_token_is_401(served: Served) -> None:
    token = served.token("rita")
    with served.client(token) as client:
        mine = client.get("/api/tokens").json()["items"]
        assert [t["person"] for t in mine] == ["rita"] and "token" not in mine[0]
        assert client.delete(f"/api/tokens/{mine[0]['id']}").status_code == 204
        assert "revoked" in str(_refused(client.get("/api/cases"), 401)["detail"])


def test_a_read_token_cannot_write(served: Served) -> None:
    with served.client(served.token("rita", scope="read")) as client:
        assert client.get("/api/cases").status_code == 200
        problem = _refused(client.post(START[0], json=START[1]), 403)
        assert problem["type"] == "urn:procflow:problem:scope-missing"
        _refused(client.post("/api/tokens", json={"scope": "write"}), 403)
        _refused(client.get("/api/verify"), 403)
    assert served.engine.cases("mini") == []


def test_a_token_is_stored_only_as_its_hash(served: Served) -> None:
    token = served.token("rita")
    stored = served.store.tokens("rita")
    assert stored[0].digest == accounts.token_digest(token) and token not in repr(stored)


def _login(client: httpx.Client, password: str) -> httpx.Response:
    return client.post("/api/login", json={"person": "alan", "password": password})


def test_login_gives_a_session_that_works(served: Served) -> None:
    accounts.set_password(served.store, "alan", PASSWORD, served.clock.now())
    with served.client() as client:
        response = _login(client, PASSWORD)
        assert response.status_code == 200 and response.json()["person"] == "alan"
        assert "procflow_session" in response.headers["set-cookie"] and "HttpOnly" in response.headers["set-cookie"]
        assert client.get("/api/cases").status_code == 200  # by the cookie
        csrf = {"X-CSRF-Token": response.json()["csrf_token"]}
        assert client.post("/api/logout", headers=csrf).status_code == 204
    with served.client(response.json()["token"]) as client:
        _refused(client.get("/api/cases"), 401)


def test_twenty_wrong_passwords_lock_the_account_until_the_window_passes(served: Served) -> None:
    accounts.set_password(served.store, "alan", PASSWORD, served.clock.now())
    with served.client() as client:
        for guess in range(20):
            assert _refused(_login(client, f"guess number {guess}"), 401)["type"].endswith("login-failed")
        locked = _refused(_login(client, PASSWORD), 429)  # even the right one, while locked
        assert locked["type"].endswith("login-locked")
        assert int(client.post("/api/login", json={"person": "alan", "password": "x"}).headers["retry-after"]) > 0
        served.clock.advance(timedelta(minutes=16))
        assert _login(client, PASSWORD).status_code == 200


def test_guessing_across_accounts_locks_the_address(served: Served) -> None:
    with served.client() as client:
        for number in range(20):
            client.post("/api/login", json={"person": f"p{number}", "password": "wrong password"})
        accounts.set_password(served.store, "alan", PASSWORD, served.clock.now())
        _refused(_login(client, PASSWORD), 429)


def test_an_unknown_person_gets_the_same_answer_as_a_wrong_password(served: Served) -> None:
    accounts.set_password(served.store, "alan", PASSWORD, served.clock.now())
    with served.client() as client:
        a = client.post("/api/login", json={"person": "nobody", "password": "wrong password"}).json()
        b = _login(client, "wrong password").json()
    assert a == b


def test_the_proxy_header_is_ignored_unless_configured(served: Served) -> None:
    with httpx.Client(base_url=served.url, headers={"X-Forwarded-User": "rita"}) as client:
        _refused(client.get("/api/cases"), 401)


def test_a_write_with_the_session_cookie_needs_the_csrf_token(served: Served) -> None:
    """A browser sends the cookie to any site's form on its own; only the token proves the write is ours."""
    accounts.set_password(served.store, "rita", PASSWORD, served.clock.now())
    with served.client() as client:
        login = client.post("/api/login", json={"person": "rita", "password": PASSWORD}).json()
        before = len(served.engine.cases("mini"))
        for headers in ({}, {"X-CSRF-Token": "0" * 64}, {"X-CSRF-Token": csrf.token_for("pf_another_session")}):
            refused = client.post("/api/processes/mini/cases", json={}, headers=headers)
            assert _refused(refused, 403)["type"].endswith("csrf-token-missing")
        assert len(served.engine.cases("mini")) == before  # nothing was started
        assert client.get("/api/cases").status_code == 200  # reads need no token
        started = client.post("/api/processes/mini/cases", json={}, headers={"X-CSRF-Token": login["csrf_token"]})
        assert started.status_code == 201, started.text


def test_a_bearer_token_write_needs_no_csrf_token(served: Served, rita: httpx.Client) -> None:
    assert rita.post("/api/processes/mini/cases", json={}).status_code == 201


def test_the_web_pages_token_is_the_apis_token(served: Served) -> None:
    """One CSRF token per session, whichever face made the session: the web app's pages can call the API."""
    accounts.set_password(served.store, "rita", PASSWORD, served.clock.now())
    with served.client() as client:
        session = client.post("/api/login", json={"person": "rita", "password": PASSWORD}).json()
        page = client.get("/app/board").text
    assert csrf.token_for(session["token"]) == session["csrf_token"] and session["csrf_token"] in page
