"""What every page shares: the templates, who is asking (the session cookie), the CSRF check on every POST,
and turning the library's refusals into a page that says them."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from ...errors import ProcflowError
from ...people import settings
from ...runtime.engine import Engine
from .. import csrf
from ..api_auth import SESSION_COOKIE
from ..bodies import read_body
from ..endpoint import Context
from ..problems import ApiProblem, status_of
from . import uploads
from .labels import labels, locale_of

LOG = logging.getLogger("procflow.web")
UTC_ZONE = ZoneInfo("UTC")
PREFIX = "/app"
HOME = f"{PREFIX}/inbox"  # where signing in leads: my work now
TEMPLATES = Environment(
    loader=PackageLoader("procflow.server.web", "templates"),
    autoescape=True,  # every value typed by anyone is text on every page
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
# Pages load nothing from elsewhere and run only our own static script.
CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'"
# A rendered document or handbook is a whole page of its own: its inline styles, and no script at all.
DOCUMENT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


@dataclass(frozen=True)
class Web:
    """One request to a page: who asks (empty before sign-in), in which language, with the form it posted."""

    request: Request
    context: Context
    person: str
    session: str | None
    lang: str
    form: Mapping[str, str]
    zone: ZoneInfo = UTC_ZONE  # the person's time zone (their setting, else the directory's)
    files: Mapping[str, uploads.Upload] = field(default_factory=dict)  # uploads, by input name

    @property
    def engine(self) -> Engine:
        return self.context.engine

    @property
    def t(self) -> Mapping[str, str]:
        """The page's words in the reader's language."""
        return labels(self.lang)

    def page(self, template: str, status: int = 200, **values: Any) -> HTMLResponse:
        secret = self.session or csrf.pre_session(self.request) or ""
        html = TEMPLATES.get_template(template).render(
            t=labels(self.lang),
            lang=self.lang,
            person=self.person,
            csrf_field=csrf.FIELD,
            csrf_token=csrf.token_for(secret) if secret else "",
            prefix=PREFIX,
            **values,
        )
        return HTMLResponse(html, status, headers={"Content-Security-Policy": CSP, "Cache-Control": "no-store"})


Handler = Callable[[Web], Response]


def redirect(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def _person(context: Context, request: Request) -> tuple[str, str | None]:
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        raise ApiProblem(401, "sign in first")
    principal = context.authenticate(request)
    return principal.person, cookie


def _reader(context: Context, person: str) -> tuple[str | None, ZoneInfo]:
    """The language the person chose (None: not chosen) and their time zone, from their settings over the
    directory (engine/people/settings.py); UTC for someone the directory does not know."""
    chosen = settings.load(context.engine.store, person)
    found = context.engine.directory.roster().people.get(person)
    if found is None:
        return chosen.get("locale"), ZoneInfo(str(chosen["timezone"])) if chosen.get("timezone") else UTC_ZONE
    return chosen.get("locale"), settings.effective(found, chosen).zone


def _run(
    handler: Handler,
    context: Context,
    request: Request,
    form: Mapping[str, str],
    signed_in: bool,
    files: Mapping[str, uploads.Upload],
) -> Response:
    person, session = _person(context, request) if signed_in else ("", request.cookies.get(SESSION_COOKIE))
    chosen, zone = _reader(context, person) if person else (None, UTC_ZONE)
    if request.method == "POST":
        csrf.check(session if signed_in else csrf.pre_session(request), form.get(csrf.FIELD))
    return handler(Web(request, context, person, session, locale_of(request, chosen), form, zone, files))


def web_page(context: Context, handler: Handler, signed_in: bool = True) -> Callable[[Request], Awaitable[Response]]:
    """The Starlette endpoint for a page: sign-in required (else to the sign-in page), CSRF on POST, errors shown."""
    limit = context.settings.max_body

    async def run(request: Request) -> Response:
        try:
            form: dict[str, str] = {}
            files: dict[str, uploads.Upload] = {}
            if request.method == "POST":  # url-encoded, or multipart when a document form has a file field
                kind = request.headers.get("content-type", "")
                most = context.settings.max_upload if uploads.is_multipart(kind) else limit
                body = await read_body(request, most, context.settings.body_timeout)
                form, files = uploads.parse(kind, body)
            response: Response = await run_in_threadpool(_run, handler, context, request, form, signed_in, files)
            return response
        except csrf.CsrfRefused as exc:
            return _error(request, 403, str(exc))
        except ApiProblem as exc:
            if exc.status == 401:
                return redirect(f"{PREFIX}/login?next={quote(request.url.path)}")
            return _error(request, exc.status, exc.message)
        except ProcflowError as exc:
            return _error(request, status_of(exc), exc.message)
        except Exception:
            LOG.exception("%s %s failed", request.method, request.url.path)
            return _error(request, 500, "something went wrong on the server; it is in the server's log")

    return run


def _error(request: Request, status: int, message: str) -> HTMLResponse:
    lang = locale_of(request)
    html = TEMPLATES.get_template("error.html").render(
        t=labels(lang), lang=lang, person="", prefix=PREFIX, status=status, message=message, csrf_token=""
    )
    return HTMLResponse(html, status, headers={"Content-Security-Policy": CSP})
