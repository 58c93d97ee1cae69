"""When a message may go out: immediately, or at the person's daily digest hour; never in their quiet hours;
never on a non-working day of the process's calendar — unless the process marks the message urgent.

Pure functions of the event time, the person's choices and the calendar, so a test can ask about any day.
A digest slot is "HH:MM local on a working day": on a make-up working Saturday (调休) it is sent, on a public
holiday it waits for the next working day. Urgent messages skip all three rules.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ..calendars import CalendarError, WorkingCalendar
from .recipients import Recipient

DAY_STARTS = time(9, 0)  # a message held over a non-working day goes out at this local time, or at quiet end
MAX_DAYS = 400  # a calendar with no working day in a year is broken; stop looking


def _working(calendar: WorkingCalendar | None, at: datetime) -> bool:
    if calendar is None:
        return True
    try:
        return calendar.is_working_day(at.astimezone(calendar.zone).date())
    except CalendarError:  # a year the calendar has no data for: do not hold messages hostage to it
        return True


def _local(day: date, at: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=zone)


def in_quiet_hours(at: datetime, quiet: tuple[time, time] | None, zone: ZoneInfo) -> bool:
    if quiet is None:
        return False
    start, end = quiet
    local = at.astimezone(zone).time()
    return start <= local < end if start < end else (local >= start or local < end)


def _after_quiet(at: datetime, quiet: tuple[time, time], zone: ZoneInfo) -> datetime:
    """The first instant after `at` (in quiet hours) when quiet hours end."""
    local = at.astimezone(zone)
    end = _local(local.date(), quiet[1], zone)
    return end if end > at else _local(local.date() + timedelta(days=1), quiet[1], zone)


def digest_slot(after: datetime, hour: time, zone: ZoneInfo, calendar: WorkingCalendar | None) -> datetime:
    """The first `hour` (local) at or after `after` on a working day of `calendar`."""
    day = after.astimezone(zone).date()
    if _local(day, hour, zone) < after:
        day += timedelta(days=1)
    for _ in range(MAX_DAYS):
        slot = _local(day, hour, zone)
        if _working(calendar, slot):
            return slot
        day += timedelta(days=1)
    return _local(day, hour, zone)


def deliver_at(
    at: datetime, person: Recipient, kind: str, calendar: WorkingCalendar | None, *, urgent: bool = False
) -> tuple[datetime, bool]:
    """When a `kind` message caused at `at` may reach `person`, and whether it goes in their digest."""
    choices = person.preferences
    if urgent or (calendar is None and choices.quiet_hours is None and kind not in choices.digest):
        return at, False  # nothing can hold it
    zone = ZoneInfo(person.time_zone)
    if kind in choices.digest:
        return digest_slot(at, choices.digest[kind], zone, calendar), True
    quiet = choices.quiet_hours
    start_of_day = quiet[1] if quiet else DAY_STARTS
    when = at
    for _ in range(MAX_DAYS):
        if not _working(calendar, when):
            when = _local(when.astimezone(zone).date() + timedelta(days=1), start_of_day, zone)
        elif quiet is not None and in_quiet_hours(when, quiet, zone):
            when = _after_quiet(when, quiet, zone)
        else:
            return when, False
    return when, False
