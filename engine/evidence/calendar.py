"""The calendar as data: the working-day table a deadline is judged on, its hash, and what a new release moves.

A table lists, per year, the exceptions to a Monday–Friday week: weekdays that are not working days
(holidays) and weekend days that are (China's make-up days, 调休). With the time zone and cut-off it is
everything a working-day deadline depends on, so its hash can sit on the record and its content in an
evidence pack, and a new `holidays` release shows up as a changed table, never as a silent shift.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from ..calendars import CalendarError, Declaration, WorkingCalendar, for_declaration, official, zone
from ..canonical import digest
from ..deadlines import obligations
from ..errors import InputError
from ..records import Actor
from ..runtime.engine import Engine


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


@dataclass
class TableCalendar:
    """A working calendar read from a table (a proposed or recorded arrangement), not from the package."""

    data: dict[str, Any]
    zone: ZoneInfo = field(init=False)
    cutoff: time | None = field(init=False)

    def __post_init__(self) -> None:
        self.zone = zone(self.data["timezone"])
        self.cutoff = time.fromisoformat(self.data["cutoff"]) if self.data.get("cutoff") else None
        self._off = {d for y in self.data["years"].values() for d in y["off"]}
        self._on = {d for y in self.data["years"].values() for d in y["on"]}
        self._years = {int(y) for y in self.data["years"]}

    def is_working_day(self, day: date) -> bool:
        if day.year not in self._years:
            raise CalendarError(f"the working-day table has no {day.year} (it covers {sorted(self._years)})")
        text = day.isoformat()
        return text in self._on if day.weekday() >= 5 else text not in self._off

    def nth_working_day_after(self, day: date, n: int) -> date:
        while n:
            day += timedelta(days=1)
            n -= self.is_working_day(day)
        return day

    def provisional(self, day: date) -> bool:
        return False


def read_table(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text("utf-8"))
        TableCalendar(data)
    except OSError as exc:
        raise InputError(f"{path}: cannot read the file: {exc.strerror or exc}") from None
    except (ValueError, KeyError, TypeError, AttributeError, CalendarError) as exc:
        raise InputError(f"{path}: not a working-day table ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != "procflow-working-days/1":
        raise InputError(f"{path}: not a procflow-working-days/1 table")
    return dict(data)


@dataclass(frozen=True)
class Move:
    case_id: str
    key: str
    deadline: str
    old: datetime
    new: datetime


def impact(engine: Engine, now: datetime, proposed: dict[str, Any] | None = None) -> list[Move]:
    """Open deadlines (as the store's due index holds them) whose due time moves under the installed holidays
    data — or under `proposed`, a table — grouped by case, earliest first."""
    moves: list[Move] = []
    by_case: dict[str, dict[str, datetime]] = {}
    for item in engine.store.due(datetime.max.replace(tzinfo=UTC)):
        by_case.setdefault(item.case_id, {})[item.key] = item.due_at
    for case_id, indexed in by_case.items():
        case = engine.get(case_id)
        definition = engine.definition(case.process_id, case.definition_hash)
        if definition.calendar is None:
            continue
        if proposed is not None and (proposed["country"], proposed["timezone"]) != (
            definition.calendar.country,
            definition.calendar.timezone,
        ):
            continue
        working: WorkingCalendar | None = TableCalendar(proposed) if proposed else for_declaration(definition.calendar)
        if working is None:
            continue
        for obligation in obligations(definition, case, working, now, current_only=True):
            old = indexed.get(obligation.key)
            if old is not None and obligation.due_at is not None and obligation.due_at != old:
                ref = obligation.deadline.ref or obligation.deadline.id
                moves.append(Move(case_id, obligation.key, ref, old.astimezone(working.zone), obligation.due_at))
    return sorted(moves, key=lambda m: (m.old, m.case_id, m.key))


def record(engine: Engine, moves: list[Move], actor: Actor) -> list[str]:
    """Note each moved case's new due times on its record, with the table now in force; returns the case ids."""
    noted = []
    for case_id in dict.fromkeys(m.case_id for m in moves):
        case = engine.get(case_id)
        declared = engine.definition(case.process_id, case.definition_hash).calendar
        assert declared is not None
        now = engine.clock.now()
        data = table(declared, range(now.year, now.year + 2))  # the years open deadlines fall in
        engine.note(
            case,
            "recalendared",
            {
                "calendar": table_hash(data),
                "source": data["source"],
                "moves": [
                    {"deadline": m.deadline, "key": m.key, "from": m.old.isoformat(), "to": m.new.isoformat()}
                    for m in moves
                    if m.case_id == case_id
                ],
                "table": data,
            },
            actor,
        )
        noted.append(case_id)
    return noted
