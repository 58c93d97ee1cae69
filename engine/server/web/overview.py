"""The pages that look across cases or at a process: the pipeline board, the process page, a case's audit."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from markupsafe import Markup
from starlette.responses import Response

from ... import graph, handbook
from ...calendars import for_declaration
from ...definition.model import ProcessDefinition
from ...errors import ProcflowError
from ...people import visibility
from ...presentation import zone_of
from ...reports import case_audit
from ...store.board import BOARD_PAGE
from .. import acting
from ..problems import ApiProblem
from . import team
from .case import visible_case
from .common import DOCUMENT_CSP, Web
from .processes import known_process

STALE_AFTER = 5  # working days since a case's last event before its card is marked stale


def _processes(web: Web) -> list[str]:
    return sorted({process for _, process, _ in web.engine.store.definitions()})


def _has_amount(definition: ProcessDefinition) -> bool:
    return any(
        d.schema.get("properties", {}).get("amount", {}).get("type") in ("number", "integer")
        for d in definition.documents.values()
    )


def working_days_since(definition: ProcessDefinition, since: datetime, now: datetime) -> int:
    """Whole working days (on the process's calendar; every day without one) between two instants."""
    zone = zone_of(definition)
    calendar = for_declaration(definition.calendar)
    day, end, count = since.astimezone(zone).date(), now.astimezone(zone).date(), 0
    while day < end and count <= STALE_AFTER:  # only "stale or not" matters: stop counting there
        day = day + timedelta(days=1)
        count += 1 if calendar is None or calendar.is_working_day(day) else 0
    return count


def board(web: Web) -> Response:
    """The pipeline board: per column one store query (count, amount, the first page of cards), filtered in
    the query by the scope the person picked among those their visibility allows."""
    processes = _processes(web)
    process = web.request.query_params.get("process") or (processes[0] if processes else "")
    if not process:
        return web.page("board.html", process="", processes=[], columns=[], roles=[], has_amount=False, **_no_scope())
    if process not in processes:
        raise ApiProblem(404, f"no process {process!r} in the store")
    definition = web.engine.definition(process)
    now, roster = web.engine.clock.now(), web.engine.directory.roster()
    allowed = visibility.scopes(definition, roster, web.person, now)
    if not allowed:
        raise ApiProblem(404, f"no process {process!r} in the store")
    scope = web.request.query_params.get("scope") or allowed[-1]
    if scope not in allowed:
        raise ApiProblem(403, f"the board's {scope!r} filter is not open to you; you may pick {', '.join(allowed)}")
    only = visibility.board_filter(definition, roster, web.person, now, scope)
    columns = []
    for position in definition.pipeline:
        states = [s for s in definition.states if definition.pipeline_of(s) == position.id]
        found = web.engine.store.board_column(process, states, only=only, limit=BOARD_PAGE)
        cards = [
            {
                "id": card.case_id,
                "state": definition.states[card.state].title.get(web.lang)
                if card.state in definition.states
                else card.state,
                "amount": card.amount,
                "stale": working_days_since(definition, card.updated_at, now) >= STALE_AFTER,
                "company": _headline(definition, card.first_document),
            }
            for card in found.cards
        ]
        columns.append(
            {
                "id": position.id,
                "title": position.title.get(web.lang),
                "cards": cards,
                "amount": found.amount,
                "count": found.count,
                "more": found.count - len(cards),
            }
        )
    initial = definition.states[definition.initial]
    start_roles = [r for r in (initial.owner,) if r] + [r for r in initial.participants if r != initial.owner]
    held = acting.roles_held(web.engine, web.person, definition)
    return web.page(
        "board.html",
        process=process,
        processes=processes,
        columns=columns,
        roles=[r for r in start_roles if r in held] or start_roles,  # the ones the person holds, if any
        has_amount=_has_amount(definition),
        scope=scope,
        scopes=allowed,
        admin=team.is_admin(web),
    )


def _no_scope() -> dict[str, Any]:
    return {"scope": "", "scopes": (), "admin": False}


def _headline(definition: ProcessDefinition, first: tuple[str, Mapping[str, Any]] | None) -> str:
    """A card's line of text: the first short text field, in its schema's order, of the case's first document
    (for a sales lead, the company)."""
    spec = definition.documents.get(first[0]) if first else None
    if first is None or spec is None:
        return ""
    for key in spec.schema.get("properties", {}):
        value = first[1].get(key)
        if isinstance(value, str) and 0 < len(value) <= 80:
            return value
    return ""


def process_page(web: Web) -> Response:
    process = known_process(web)
    definition = web.engine.definition(process)
    try:
        diagram: Markup | str = Markup(graph.svg(definition, web.lang).split("?>", 1)[-1])
        mermaid = ""
    except ProcflowError:  # Graphviz is not installed: the Mermaid text, to paste into any Mermaid viewer
        diagram, mermaid = "", graph.mermaid(definition, web.lang)
    counts = web.engine.store.count_by_definition(process)
    versions = [(label, digest[:12], counts.get(digest, 0)) for digest, _, label in web.engine.versions(process)]
    return web.page(
        "process.html",
        definition=definition,
        title=definition.title.get(web.lang),
        description=definition.description.get(web.lang),
        stages=[(s.title.get(web.lang), s.goal.get(web.lang)) for s in definition.stages],
        diagram=diagram,
        mermaid=mermaid,
        versions=versions,
    )


def audit_page(web: Web) -> Response:
    case = visible_case(web)
    definition = web.engine.definition(case.process_id, case.definition_hash)
    data = case_audit.audit_data(web.engine, case.id, web.engine.clock.now(), zone_of(definition), web.lang)
    return web.page("audit.html", audit=data, case=case)


def handbook_page(web: Web) -> Response:
    """The process handbook (`procflow handbook`), as its own page: it is a complete HTML document."""
    process = known_process(web)
    html = handbook.build(web.engine.definition(process), lang=web.lang, now=web.engine.clock.now())
    return Response(html, media_type="text/html", headers={"Content-Security-Policy": DOCUMENT_CSP})
