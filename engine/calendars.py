"""Working days on official calendars, and duration arithmetic in a process's time zone.

The holiday data comes from the `holidays` package (never a hand-kept list):
for China that includes the make-up working days (调休) on Saturdays and
Sundays. Semantics, precisely:

* `N hours` is elapsed time: N × 3600 seconds after the anchor instant.
* `N days` / `N weeks` keep the local wall-clock time: the same local time N
  (or 7·N) calendar days later, across daylight-saving changes.
* `N working days` after an instant T: the N-th working day after T's local
  date (T's own date never counts, working or not), at the same local time as
  T — or at the calendar's cut-off time when one is set.
* A date-only anchor stands for the end of that local day.

Years outside the package's range are an error; years whose official
working-day arrangement is not yet published (China announces make-up days a
year ahead) are computed from holidays and weekends alone and flagged
`provisional`.
"""

from __future__ import annotations

import bisect
import hashlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from . import disk_cache
from .errors import ProcflowError
from .suggest import did_you_mean

if TYPE_CHECKING:  # imported when a calendar's year is first computed: importing every country costs ~80 ms
    import holidays


class CalendarError(ProcflowError):
    """A calendar cannot be built or asked about a date it has no data for."""


class WorkingCalendar(Protocol):
    zone: ZoneInfo
    cutoff: time | None

    def is_working_day(self, day: date) -> bool: ...

    def nth_working_day_after(self, day: date, n: int) -> date: ...

    def provisional(self, day: date) -> bool: ...


@dataclass
class OfficialCalendar:
    """Working days from the `holidays` package for one country, in one time zone.

    Each year's working days are computed once from the package and kept on disk (`disk_cache`, kind
    `calendars`), in an entry named by the country, the package's version and this module's code, so a command
    that needs a deadline does not import the package again; an entry that is missing, corrupt or of another
    country is recomputed."""

    country: str
    zone: ZoneInfo
    cutoff: time | None = None
    _days: dict[int, list[int]] = field(default_factory=dict, repr=False)  # year → ordinals of working days
    _loaded: holidays.HolidayBase | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self._entry = _entry_name(self.country)
        known = disk_cache.read_json("calendars", self._entry) if self._entry else None
        facts = _checked(known, self.country)
        if facts is None:
            source = self._source
            self._range = (getattr(source, "start_year", 1), getattr(source, "end_year", 9999))
            self.arranged_until = _arranged_until(source)
            self._save()
        else:
            self._range, self.arranged_until, self._days = facts

    @property
    def _source(self) -> holidays.HolidayBase:
        if self._loaded is None:
            import holidays

            self._loaded = holidays.country_holidays(self.country)
        return self._loaded

    def _save(self) -> None:
        if self._entry:
            entry = {
                "country": self.country,
                "range": list(self._range),
                "arranged_until": self.arranged_until,
                "years": {str(year): days for year, days in self._days.items()},
            }
            disk_cache.write_json("calendars", self._entry, entry)

    def _year(self, year: int) -> list[int]:
        if year not in self._days:
            first, last = self._range
            if not first <= year <= last:
                raise CalendarError(
                    f"the holidays package has no {self.country} calendar for {year} (it covers {first}–{last})"
                )
            start = date(year, 1, 1).toordinal()
            end = date(year + 1, 1, 1).toordinal()
            self._days[year] = [o for o in range(start, end) if self._source.is_working_day(date.fromordinal(o))]
            self._save()
        return self._days[year]

    def is_working_day(self, day: date) -> bool:
        days = self._year(day.year)
        i = bisect.bisect_left(days, day.toordinal())
        return i < len(days) and days[i] == day.toordinal()

    def nth_working_day_after(self, day: date, n: int) -> date:
        if n < 1:
            raise ValueError("n must be at least 1")
        year, ordinal = day.year, day.toordinal()
        while True:
            days = self._year(year)
            i = bisect.bisect_right(days, ordinal)
            if i + n - 1 < len(days):
                return date.fromordinal(days[i + n - 1])
            n -= len(days) - i
            year += 1
            ordinal = date(year, 1, 1).toordinal() - 1

    def provisional(self, day: date) -> bool:
        """True when the official arrangement for `day`'s year is not in the data yet."""
        return self.arranged_until is not None and day.year > self.arranged_until


def _arranged_until(source: holidays.HolidayBase) -> int | None:
    """The last year whose official arrangement is published, for a country with yearly arrangements: the
    latest year of special holidays if it has a weekend make-up day; else None (nothing is provisional)."""
    special = getattr(source, "special_public_holidays", None) or {}
    if not special:
        return None
    latest = max(special)
    source.is_working_day(date(latest, 1, 1))  # loads that year
    return latest if any(d.year == latest for d in getattr(source, "weekend_workdays", ())) else None


def _entry_name(country: str) -> str | None:
    """The cache entry of a country's calendar under the installed `holidays` and this code; None when the
    package's version cannot be told without importing it (then nothing is cached)."""
    version = _holidays_version()
    if version is None:
        return None
    code = disk_cache.code_fingerprint(Path(__file__))
    return hashlib.sha256(f"{country}\0{version}\0{code}".encode()).hexdigest()[:40] + ".json"


@cache
def _holidays_version() -> str | None:
    spec = importlib.util.find_spec("holidays")
    if spec is None or spec.origin is None:
        return None
    found = list(Path(spec.origin).parent.parent.glob("holidays-*.dist-info"))
    return found[0].name.removeprefix("holidays-").removesuffix(".dist-info") if len(found) == 1 else None


def _checked(entry: Any, country: str) -> tuple[tuple[int, int], int | None, dict[int, list[int]]] | None:
    """A cache entry's facts if it is a well-formed entry for `country`; None for anything else."""
    try:
        first, last = (int(x) for x in entry["range"])
        arranged = entry["arranged_until"]
        years = {int(year): [int(o) for o in days] for year, days in entry["years"].items()}
        if entry["country"] != country or not (arranged is None or isinstance(arranged, int)):
            return None
        if any(days != sorted(days) for days in years.values()):
            return None
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    return (first, last), arranged, years


Factory = Callable[[str, ZoneInfo, time | None], WorkingCalendar]
_PROVIDERS: dict[str, Factory] = {"holidays": lambda country, zone, cutoff: OfficialCalendar(country, zone, cutoff)}


def register_calendar(name: str, factory: Factory) -> None:
    """Add a calendar provider (e.g. a company calendar) next to the official one."""
    _PROVIDERS[name] = factory


def known_countries() -> list[str]:
    import holidays

    return sorted(holidays.list_supported_countries())


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise CalendarError(f"unknown time zone {name!r}{did_you_mean(name, _zones())}") from None


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def calendar_problems(country: str, timezone: str) -> list[tuple[str, str]]:
    """(key, message) for an unusable calendar declaration; empty when fine."""
    import holidays

    problems = []
    if country not in holidays.list_supported_countries():
        problems.append(("country", f"unknown country code {country!r}{did_you_mean(country, known_countries())}"))
    try:
        zone(timezone)
    except CalendarError as exc:
        problems.append(("timezone", exc.message))
    return problems


@cache
def official(country: str, timezone: str, cutoff: str | None = None, provider: str = "holidays") -> WorkingCalendar:
    """The (cached) calendar for a process's `calendar:` declaration."""
    if provider not in _PROVIDERS:
        raise CalendarError(f"unknown calendar provider {provider!r}; known: {', '.join(sorted(_PROVIDERS))}")
    at = time.fromisoformat(cutoff) if cutoff else None
    return _PROVIDERS[provider](country, zone(timezone), at)


class Declaration(Protocol):
    """A process's `calendar:` block, as the definition model holds it (this module sits below the model)."""

    @property
    def country(self) -> str: ...
    @property
    def timezone(self) -> str: ...
    @property
    def cutoff(self) -> str | None: ...


class Span(Protocol):
    """A duration as the definition model holds it: an amount of hours, days, working days or weeks."""

    @property
    def amount(self) -> int: ...
    @property
    def unit(self) -> str: ...


def for_declaration(declared: Declaration | None) -> WorkingCalendar | None:
    """The calendar a process declares, or None (then time is UTC and working days are unavailable)."""
    return official(declared.country, declared.timezone, declared.cutoff) if declared else None


UTC_CALENDAR_ZONE = ZoneInfo("UTC")


def working_days_between(calendar: WorkingCalendar | None, start: datetime, end: datetime, limit: int = 400) -> int:
    """How many working days lie after `start`'s local date up to and including `end`'s (0 when `end` is not
    on a later date; every day counts without a calendar), counted at most to `limit`. "Due in 2 working days"
    is this count from now to the due instant."""
    zone_ = calendar.zone if calendar else UTC_CALENDAR_ZONE
    day, last, count = start.astimezone(zone_).date(), end.astimezone(zone_).date(), 0
    while day < last and count < limit:
        day += timedelta(days=1)
        try:
            count += 1 if calendar is None or calendar.is_working_day(day) else 0
        except CalendarError:  # a year the calendar has no data for: count the day
            count += 1
    return count


def add(start: datetime, duration: Span, calendar: WorkingCalendar | None, *, date_only: bool = False) -> datetime:
    """The instant `duration` after `start` (aware), under the semantics in this module's docstring."""
    zone_ = calendar.zone if calendar else UTC_CALENDAR_ZONE
    if date_only:  # the anchor is a whole day: count from its end
        start = datetime.combine(start.astimezone(zone_).date() + timedelta(days=1), time(0), zone_)
    if duration.unit == "hours":  # elapsed time: from the instant, no wall clock needed
        return (start.astimezone(UTC) + timedelta(hours=duration.amount)).astimezone(zone_)
    local = start.astimezone(zone_)
    if duration.unit in ("days", "weeks"):
        days = duration.amount * (7 if duration.unit == "weeks" else 1)
        wall = local.replace(tzinfo=None) + timedelta(days=days)
        return wall.replace(tzinfo=zone_)
    if calendar is None:
        raise CalendarError("a working-day duration needs a calendar: add calendar: {country: …, timezone: …}")
    anchor_day = local.date() - timedelta(days=1) if date_only else local.date()
    day = calendar.nth_working_day_after(anchor_day, duration.amount)
    at = calendar.cutoff or (time(23, 59, 59) if date_only else local.time())  # `time()` is naive
    return datetime.combine(day, at, zone_)
