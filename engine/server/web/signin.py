"""Signing in and out in the browser: the same accounts, lock-out and session token as `POST /api/login`."""

from __future__ import annotations

from starlette.responses import Response

from .. import accounts, csrf
from ..api_auth import SESSION_COOKIE, set_session_cookie
from ..problems import ApiProblem
from .common import HOME, PREFIX, Web, redirect


def _next(web: Web) -> str:
    target = web.form.get("next") or web.request.query_params.get("next") or HOME
    return target if target.startswith(f"{PREFIX}/") else HOME  # never off this site


def form(web: Web, message: str = "", status: int = 200) -> Response:
    """The sign-in form, with a fresh pre-session cookie its CSRF token is bound to."""
    secret = csrf.pre_session(web.request) or csrf.new_pre_session()
    response = Web(web.request, web.context, "", secret, web.lang, web.form).page(
        "login.html", status, message=message, next=_next(web), typed=web.form.get("person", "")
    )
    response.set_cookie(
        csrf.PRE_SESSION, secret, httponly=True, samesite="strict", secure=web.context.settings.secure_cookies
    )
    return response


def sign_in(web: Web) -> Response:
    person, password = web.form.get("person", "").strip(), web.form.get("password", "")
    if not person or not password:
        return form(web, "give your person id and password", 400)
    settings, store, now = web.context.settings, web.engine.store, web.engine.clock.now()
    address = web.request.client.host if web.request.client else "-"
    try:
        accounts.check_login(store, person, password, address, now, settings)
    except ApiProblem as refused:
        return form(web, refused.message, refused.status)
    token, _ = accounts.create_token(store, person, "write", now, settings.session_lifetime, label="web session")
    response = redirect(_next(web))
    set_session_cookie(response, token, settings)
    response.delete_cookie(csrf.PRE_SESSION)
    return response


def sign_out(web: Web) -> Response:
    principal = web.context.authenticate(web.request)
    if principal.token_id is not None:
        web.engine.store.revoke_token(principal.token_id, web.engine.clock.now())
    response = redirect(f"{PREFIX}/login")
    response.delete_cookie(SESSION_COOKIE)
    return response
