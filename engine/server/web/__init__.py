"""The team's web app: server-rendered pages under /app, over the same library calls as the JSON API.

Templates and the small script and style sheet ship in the package (no build step, nothing from a CDN);
the session cookie of `POST /api/login` (or of the sign-in page) is the authentication.
"""

from __future__ import annotations

from pathlib import Path

from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from ..endpoint import Context
from . import case, inbox, overview, preferences, processes, review, signin, team
from .common import HOME, PREFIX, Handler, redirect, web_page

STATIC = Path(__file__).with_name("static")

_PAGES: tuple[tuple[str, str, Handler, bool], ...] = (
    ("GET", "/login", signin.form, False),
    ("POST", "/login", signin.sign_in, False),
    ("POST", "/logout", signin.sign_out, True),
    ("GET", "/board", overview.board, True),
    ("GET", "/processes/{process}", overview.process_page, True),
    ("GET", "/processes/{process}/handbook", overview.handbook_page, True),
    ("GET", "/processes/{process}/diff", processes.diff_page, True),
    ("GET", "/processes/{process}/scenarios", processes.scenarios_page, True),
    ("GET", "/processes/{process}/review", review.page, True),
    ("GET", "/processes/{process}/review.csv", review.csv_download, True),
    ("GET", "/team", team.show, True),
    ("POST", "/team/people", team.new_person, True),
    ("POST", "/team/grants", team.add_grant, True),
    ("POST", "/team/grants/{number}/revoke", team.revoke, True),
    ("POST", "/team/covers", team.add_cover, True),
    ("POST", "/team/covers/{number}/end", team.end_cover, True),
    ("POST", "/team/integrations", team.add_integration, True),
    ("POST", "/team/integrations/{name}/rotate", team.rotate_integration, True),
    ("POST", "/processes/{process}/cases", case.start, True),
    ("GET", "/cases/{case}", case.show, True),
    ("GET", "/cases/{case}/audit", overview.audit_page, True),
    ("POST", "/cases/{case}/fire", case.fire, True),
    ("POST", "/cases/{case}/documents/{document}", case.submit, True),
    ("GET", "/cases/{case}/documents/{document}", case.document_view, True),
    ("GET", "/inbox", inbox.page, True),
    ("GET", "/settings", preferences.form, True),
    ("POST", "/settings", preferences.save, True),
    ("POST", "/cases/{case}/sign", case.sign, True),
    ("POST", "/cases/{case}/work", case.people_op, True),
    ("GET", "/cases/{case}/attachments/{sha256}", case.attachment, True),
)


def routes(context: Context) -> list[BaseRoute]:
    """The web app's routes, to add beside the API's."""
    pages: list[BaseRoute] = [
        Route(PREFIX + path, web_page(context, handler, signed_in), methods=[method])
        for method, path, handler, signed_in in _PAGES
    ]
    home = Route(PREFIX, web_page(context, lambda web: redirect(HOME)), methods=["GET"])
    return [*pages, home, Mount(PREFIX + "/static", StaticFiles(directory=STATIC), name="web-static")]
