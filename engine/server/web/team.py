"""Team admin in the browser, for holders of the directory-admin grant: people, grants (role and scope),
covers, integrations.

Every change is drafted and recorded by the same library calls `procflow team …` and `procflow integration …`
make (`people/admin.py`, `server/integrations.py`), as the signed-in person, so the directory's chain says who
did it and its checks refuse what makes no sense, whole. To anyone else these pages do not exist (404). A new
or rotated integration secret is shown once, on the page that answers the change, and never again.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from starlette.responses import Response

from ...errors import InputError, ProcflowError
from ...people.admin import Draft, add_person, grant, substitute
from ...people.roles import held_roles
from ...people_records import ADMIN_ROLE, Person
from .. import integrations
from ..problems import ApiProblem, status_of
from .common import PREFIX, Web, redirect


def is_admin(web: Web) -> bool:
    """Whether the signed-in person holds the directory-admin grant now."""
    roster = web.engine.directory.roster()
    return web.person in roster.people and any(
        h.role == ADMIN_ROLE for h in held_roles(roster, web.person, None, web.engine.clock.now())
    )


def _admin(web: Web) -> None:
    if not is_admin(web):
        raise ApiProblem(404, "no such page")  # the admin pages are not there for anyone else


def _field(web: Web, name: str, what: str) -> str:
    value = web.form.get(name, "").strip()
    if not value:
        raise InputError(f"give the {what}")
    return value


def _day(web: Web, name: str, what: str, required: bool = False) -> date | None:
    text = web.form.get(name, "").strip()
    if not text and not required:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"the {what} {text!r} is not a date like 2026-10-01") from None


def _number(web: Web, what: str) -> int:
    text = str(web.request.path_params.get("number", ""))
    if not text.isdigit():
        raise ApiProblem(404, f"no {what} #{text}")
    return int(text)


def show(web: Web, message: str = "", secret: tuple[str, str] | None = None, status: int = 200) -> Response:
    _admin(web)
    roster = web.engine.directory.roster()
    people = [
        {
            "person": p,
            "grants": roster.grants_of(p.id),
            "manager": roster.managers.get(p.id) or "",
        }
        for p in sorted(roster.people.values(), key=lambda p: p.id)
    ]
    covers = [s for s in roster.substitutes.values() if not s.ended]
    return web.page(
        "team.html",
        status,
        people=people,
        covers=sorted(covers, key=lambda s: s.id),
        roles=sorted(web.engine.team.roles or ()),
        processes=sorted({p for _, p, _ in web.engine.store.definitions()}),
        integrations=web.engine.store.integrations(),
        message=message,
        secret=secret,
    )


def _change(web: Web, drafts: list[Draft]) -> Response:
    _admin(web)
    try:
        web.engine.team.change(web.person, drafts, web.engine.clock.now())
    except ProcflowError as refused:
        return show(web, refused.message, status=status_of(refused))
    return redirect(f"{PREFIX}/team")


def _refusing(web: Web, draft: Callable[[], list[Draft]]) -> Response:
    """Build the drafts (their own checks may refuse bad input) and record them, or show why not."""
    _admin(web)
    try:
        drafts = draft()
    except ProcflowError as refused:
        return show(web, refused.message, status=status_of(refused))
    return _change(web, drafts)


def new_person(web: Web) -> Response:
    def drafts() -> list[Draft]:
        person_id = _field(web, "id", "person's id")
        person = Person(
            person_id,
            web.form.get("name", "").strip() or person_id,
            web.form.get("email", "").strip(),
            {},
            web.form.get("locale", "") or "zh-CN",
            web.form.get("timezone", "").strip() or "Asia/Shanghai",
        )
        made = [add_person(person)]
        if web.form.get("reports_to", "").strip():
            made.append(Draft("reports_to", {"person": person_id, "manager": web.form["reports_to"].strip()}))
        return made

    return _refusing(web, drafts)


def add_grant(web: Web) -> Response:
    def drafts() -> list[Draft]:
        person, role = _field(web, "person", "person"), _field(web, "role", "role")
        process = web.form.get("process", "").strip() or None
        return [grant(person, role, process, _day(web, "from", "first day"), _day(web, "to", "last day"))]

    return _refusing(web, drafts)


def revoke(web: Web) -> Response:
    return _change(web, [Draft("revoked", {"grant": _number(web, "grant")})])


def add_cover(web: Web) -> Response:
    def drafts() -> list[Draft]:
        start = _day(web, "start", "first day", required=True)
        end = _day(web, "end", "last day", required=True)
        assert start is not None and end is not None
        return [substitute(_field(web, "substitute", "substitute"), _field(web, "absent", "absent person"), start, end)]

    return _refusing(web, drafts)


def end_cover(web: Web) -> Response:
    number = _number(web, "cover")
    _admin(web)
    standing = web.engine.directory.roster().substitutes.get(number)
    if standing is None or standing.ended:
        return show(web, f"there is no standing cover #{number}", status=409)
    return _change(web, [Draft("substituted", {"ends": number})])


def add_integration(web: Web) -> Response:
    _admin(web)
    try:
        name = _field(web, "name", "integration's name")
        secret, _ = integrations.add(web.engine, name, web.person)
    except ProcflowError as refused:
        return show(web, refused.message, status=status_of(refused))
    return show(web, secret=(name, secret))


def rotate_integration(web: Web) -> Response:
    _admin(web)
    name = str(web.request.path_params["name"])
    try:
        secret = integrations.rotate(web.engine.store, name, web.engine.clock.now())
    except ProcflowError as refused:
        return show(web, refused.message, status=status_of(refused))
    return show(web, secret=(name, secret))
