"""The review page (复盘): the review report (`procflow.reports.review`) for a period and a team, with its charts,
and the same figures as a CSV download for spreadsheets.

The period's dates are days in the process's time zone (from the first day's midnight to the midnight after
the last); a team is a manager and everyone who reports to them, and the review keeps the cases one of them
is involved in. Either way the person sees only the cases their visibility shows.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import quote

from starlette.responses import Response

from ...definition.model import ProcessDefinition
from ...errors import InputError
from ...i18n import translator
from ...presentation import zone_of
from ...records import Case
from ...reports import review, review_page
from ...store.board import involved
from .common import Web
from .processes import known_process
from .spreadsheet import rewritten

DEFAULT_DAYS = 30


def _day(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"the review's {what} date {text!r} is not a date like 2026-03-01") from None


def _period(web: Web, definition: ProcessDefinition) -> tuple[date, date, review.Period]:
    zone, query = zone_of(definition), web.request.query_params
    today = web.engine.clock.now().astimezone(zone).date()
    first = _day(query["from"], "first") if query.get("from") else today - timedelta(days=DEFAULT_DAYS - 1)
    last = _day(query["to"], "last") if query.get("to") else today
    if last < first:
        raise InputError(f"the review's last day ({last}) is before its first ({first})")
    start = datetime.combine(first, time(), zone)
    end = datetime.combine(last + timedelta(days=1), time(), zone)
    return first, last, review.Period(start, end)


def _teams(web: Web) -> list[str]:
    roster = web.engine.directory.roster()
    return sorted(p for p in roster.people if roster.reports(p))


def _figures(web: Web) -> tuple[ProcessDefinition, dict[str, Any], dict[str, Any]]:
    process = known_process(web)
    definition = web.engine.definition(process)
    first, last, period = _period(web, definition)
    team = web.request.query_params.get("team", "")
    keep = None
    if team:
        if team not in _teams(web):
            raise InputError(f"{team!r} manages no team in the directory; pick one of the list")
        members = {team} | web.engine.directory.roster().reports(team)

        def keep(case: Case) -> bool:
            return bool(involved(case) & members)

    now = web.engine.clock.now()
    data = review.figures(web.engine, process, period, now, web.lang, viewer=web.person, keep=keep)
    chosen = {"from": first.isoformat(), "to": last.isoformat(), "team": team}
    return definition, data, chosen


def page(web: Web) -> Response:
    definition, data, chosen = _figures(web)
    words = translator(web.lang)
    query = "&".join(f"{k}={quote(v)}" for k, v in chosen.items())
    return web.page(
        "review.html",
        definition=definition,
        title=definition.title.get(web.lang),
        data=data,
        chosen=chosen,
        teams=_teams(web),
        csv_query=query,
        funnel_svg=lambda funnel: review_page.funnel_svg(funnel, words),
        stages_svg=lambda stages: review_page.stages_svg(stages, words),
    )


def csv_download(web: Web) -> Response:
    definition, data, chosen = _figures(web)
    name = f"{definition.id}-review-{chosen['from']}-{chosen['to']}.csv"
    return Response(
        rewritten(review_page.csv_text(data)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )
