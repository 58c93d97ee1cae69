"""The calendar as data: the working-day table a deadline is judged on, its hash, and what a new release moves.

A table lists, per year, the exceptions to a Monday–Friday week: weekdays that are not working days
(holidays) and weekend days that are (China's make-up days, 调休). With the time zone and cut-off it is
everything a working-day deadline depends on, so its hash can sit on the record and its content in an
evidence pack, and a new `holidays` release shows up as a changed table, never as a silent shift.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from engine.calendars import Declaration, WorkingCalendar, official
from engine.canonical import digest


def source_version() -> str:
    try:
        return version("holidays")
    except PackageNotFoundError:  # pragma: no cover - the package is a dependency
        return "unknown"


def year_exceptions(calendar: WorkingCalendar, year: int) -> dict[str, list[str]]:
    """{"off": weekdays that are not working days, "on": weekend days that are}, ISO dates, ascending."""
    off, on = [], []
    day = date(year, 1, 1)
    while day.year == year:
        working = calendar.is_working_day(day)
        if day.weekday() < 5 and not working:
            off.append(day.isoformat())
        elif day.weekday() >= 5 and working:
            on.append(day.isoformat())
        day += timedelta(days=1)
    return {"off": off, "on": on}


def table(declared: Declaration, years: Iterable[int], calendar: WorkingCalendar | None = None) -> dict[str, Any]:
    """The working-day table of `declared` for `years` (from the installed holidays data unless given)."""
    calendar = calendar or official(declared.country, declared.timezone, declared.cutoff)
    return {
        "format": "procflow-working-days/1",
        "country": declared.country,
        "timezone": declared.timezone,
        "cutoff": declared.cutoff,
        "source": f"holidays {source_version()}",
        "years": {str(y): year_exceptions(calendar, y) for y in sorted(set(years))},
    }


def table_hash(data: dict[str, Any]) -> str:
    """The hash of a table's content, without the line naming the package release it came from."""
    return digest({k: v for k, v in data.items() if k != "source"})
