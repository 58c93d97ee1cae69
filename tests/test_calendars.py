"""Working days on official calendars and duration arithmetic (procflow.calendars).

The China dates are the State Council's published arrangements for 2025
(国办发明电〔2024〕12号) and 2026 (国办发明电〔2025〕7号); each is also checked
against the `holidays` package, so a change in either shows up here.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from procflow.calendars import CalendarError, add, calendar_problems, official, working_days_between
from procflow.definition.values import Duration

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
CN = official("CN", "Asia/Shanghai")
CN_1800 = official("CN", "Asia/Shanghai", "18:00")
DE = official("DE", "Europe/Berlin")
CALENDARS = {"CN": CN, "CN cut-off 18:00": CN_1800, "DE": DE}


def sh(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=SHANGHAI)  # type: ignore[misc]


def ber(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=BERLIN)  # type: ignore[misc]


def utc(at: datetime) -> datetime:
    """Aware datetimes that share a tzinfo compare and subtract by wall time; compare instants in UTC."""
    return at.astimezone(UTC)


def wd(n: int) -> Duration:
    return Duration(n, "working_days")


# --- China: which days are working days ------------------------------------------------

# (day, working?, why) — every make-up day, the edges of every holiday block, and plain weekends.
CN_DAYS = [
    (date(2025, 1, 24), True, "Fri before Spring Festival"),
    (date(2025, 1, 25), False, "Sat, ordinary weekend"),
    (date(2025, 1, 26), True, "Sun, make-up day for Spring Festival"),
    (date(2025, 1, 27), True, "Mon, last day before Spring Festival"),
    (date(2025, 1, 28), False, "Tue, New Year's Eve: first day off"),
    (date(2025, 1, 29), False, "Wed, Spring Festival"),
    (date(2025, 2, 1), False, "Sat inside Spring Festival"),
    (date(2025, 2, 3), False, "Mon, day off in lieu of Jan 26"),
    (date(2025, 2, 4), False, "Tue, last day off of Spring Festival"),
    (date(2025, 2, 5), True, "Wed, back to work"),
    (date(2025, 2, 8), True, "Sat, make-up day for Spring Festival"),
    (date(2025, 2, 9), False, "Sun after the make-up Saturday"),
    (date(2025, 9, 27), False, "Sat, ordinary weekend"),
    (date(2025, 9, 28), True, "Sun, make-up day for National Day"),
    (date(2025, 9, 30), True, "Tue, last day before National Day"),
    (date(2025, 10, 1), False, "Wed, National Day"),
    (date(2025, 10, 6), False, "Mon, Mid-Autumn Festival"),
    (date(2025, 10, 8), False, "Wed, last day off of National Day"),
    (date(2025, 10, 9), True, "Thu, back to work"),
    (date(2025, 10, 11), True, "Sat, make-up day for National Day"),
    (date(2025, 10, 12), False, "Sun after the make-up Saturday"),
    (date(2026, 2, 13), True, "Fri before Spring Festival"),
    (date(2026, 2, 14), True, "Sat, make-up day for Spring Festival"),
    (date(2026, 2, 15), False, "Sun, first day off of Spring Festival"),
    (date(2026, 2, 17), False, "Tue, Spring Festival"),
    (date(2026, 2, 20), False, "Fri, day off in lieu of Feb 14"),
    (date(2026, 2, 23), False, "Mon, last day off of Spring Festival"),
    (date(2026, 2, 24), True, "Tue, back to work"),
    (date(2026, 2, 28), True, "Sat, make-up day for Spring Festival"),
    (date(2026, 3, 1), False, "Sun, ordinary weekend"),
    (date(2026, 3, 7), False, "Sat, ordinary weekend"),
    (date(2026, 3, 9), True, "Mon, ordinary working day"),
    (date(2026, 9, 19), False, "Sat, ordinary weekend"),
    (date(2026, 9, 20), True, "Sun, make-up day for National Day"),
    (date(2026, 9, 30), True, "Wed, last day before National Day"),
    (date(2026, 10, 1), False, "Thu, National Day"),
    (date(2026, 10, 3), False, "Sat inside National Day"),
    (date(2026, 10, 7), False, "Wed, last day off of National Day"),
    (date(2026, 10, 8), True, "Thu, back to work"),
    (date(2026, 10, 10), True, "Sat, make-up day for National Day"),
    (date(2026, 10, 11), False, "Sun after the make-up Saturday"),
]

# (first day off, last day off, make-up working days)
CN_BLOCKS = {
    "Spring Festival 2025": (date(2025, 1, 28), date(2025, 2, 4), (date(2025, 1, 26), date(2025, 2, 8))),
    "National Day 2025": (date(2025, 10, 1), date(2025, 10, 8), (date(2025, 9, 28), date(2025, 10, 11))),
    "Spring Festival 2026": (date(2026, 2, 15), date(2026, 2, 23), (date(2026, 2, 14), date(2026, 2, 28))),
    "National Day 2026": (date(2026, 10, 1), date(2026, 10, 7), (date(2026, 9, 20), date(2026, 10, 10))),
}


@pytest.mark.parametrize(("day", "working"), [d[:2] for d in CN_DAYS], ids=[f"{d[0]} {d[2]}" for d in CN_DAYS])
def test_china_working_days_follow_the_state_council_arrangement(day: date, working: bool) -> None:
    assert CN.is_working_day(day) is working
    assert holidays.country_holidays("CN").is_working_day(day) is working  # the data source agrees


@pytest.mark.parametrize("block", CN_BLOCKS, ids=list(CN_BLOCKS))
def test_a_whole_holiday_block_is_off_and_its_weekend_make_up_days_are_on(block: str) -> None:
    first, last, make_up = CN_BLOCKS[block]
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    assert [d for d in days if CN.is_working_day(d)] == []
    assert all(d.weekday() >= 5 and CN.is_working_day(d) for d in make_up)
    assert CN.is_working_day(last + timedelta(days=1))


# --- adding durations ----------------------------------------------------------------------

ADD_CASES = [
    # (start, duration, calendar, date_only, expected, id)
    (sh(2026, 10, 3, 15, 30), wd(1), CN, False, sh(2026, 10, 8, 15, 30), "signed on a National Day holiday"),
    (sh(2026, 10, 3, 15, 30), wd(1), CN_1800, False, sh(2026, 10, 8, 18), "holiday anchor, cut-off 18:00"),
    (sh(2026, 3, 6, 22), wd(1), CN, False, sh(2026, 3, 9, 22), "late Friday: Monday, same time"),
    (sh(2026, 3, 6, 22), wd(1), CN_1800, False, sh(2026, 3, 9, 18), "late Friday, cut-off: Monday 18:00"),
    (sh(2026, 3, 7, 1), wd(1), CN, False, sh(2026, 3, 9, 1), "early Saturday: Monday, same time"),
    (sh(2026, 10, 9, 22), wd(1), CN, False, sh(2026, 10, 10, 22), "late Friday before a make-up Saturday"),
    (sh(2026, 2, 13, 22), wd(1), CN, False, sh(2026, 2, 14, 22), "Friday before Spring Festival: make-up Sat"),
    (sh(2026, 2, 13, 10), wd(3), CN, False, sh(2026, 2, 25, 10), "3 across Spring Festival 2026"),
    (sh(2026, 2, 13, 10), wd(3), CN_1800, False, sh(2026, 2, 25, 18), "3 across Spring Festival 2026, cut-off"),
    (sh(2025, 1, 27, 9), wd(3), CN, False, sh(2025, 2, 7, 9), "3 across Spring Festival 2025"),
    (sh(2025, 1, 23, 9), wd(3), CN, False, sh(2025, 1, 27, 9), "3 over a make-up Sunday"),
    (sh(2026, 9, 30, 10), wd(2), CN, False, sh(2026, 10, 9, 10), "2 across National Day 2026"),
    (datetime(2026, 10, 8, 17, tzinfo=UTC), wd(1), CN, False, sh(2026, 10, 10, 1), "UTC start: local date counts"),
    (sh(2026, 10, 3), wd(1), CN, True, sh(2026, 10, 8, 23, 59, 59), "date-only: end of the working day"),
    (sh(2026, 10, 3), wd(1), CN_1800, True, sh(2026, 10, 8, 18), "date-only, cut-off"),
    (sh(2026, 10, 9), wd(1), CN, True, sh(2026, 10, 10, 23, 59, 59), "date-only Friday: make-up Saturday"),
    (sh(2026, 10, 3), Duration(24, "hours"), CN, True, sh(2026, 10, 5), "date-only + 24h from the day's end"),
    (sh(2026, 10, 3), Duration(1, "days"), CN, True, sh(2026, 10, 5), "date-only + 1 day from the day's end"),
    (sh(2026, 10, 3, 15, 30), Duration(2, "weeks"), CN, False, sh(2026, 10, 17, 15, 30), "weeks ignore holidays"),
    (
        datetime(2026, 1, 1, 12, tzinfo=UTC),
        Duration(3, "days"),
        None,
        False,
        datetime(2026, 1, 4, 12, tzinfo=UTC),
        "no calendar: UTC",
    ),
]


@pytest.mark.parametrize(
    ("start", "duration", "calendar", "date_only", "expected"),
    [c[:5] for c in ADD_CASES],
    ids=[c[5] for c in ADD_CASES],
)
def test_add(start: datetime, duration: Duration, calendar, date_only: bool, expected: datetime) -> None:
    due = add(start, duration, calendar, date_only=date_only)
    assert utc(due) == utc(expected)
    assert due.utcoffset() == expected.utcoffset()  # reported in the calendar's zone


def test_working_days_without_a_calendar_are_an_error() -> None:
    with pytest.raises(CalendarError, match="needs a calendar"):
        add(sh(2026, 3, 2, 9), wd(1), None)


# (start, duration, expected, elapsed) around Berlin's 2026 changes: Mar 29 (23 h day) and Oct 25 (25 h day).
DST_CASES = {
    "spring: 1 day keeps 20:00": (ber(2026, 3, 28, 20), Duration(1, "days"), ber(2026, 3, 29, 20), 23),
    "spring: 24h is 21:00 summer time": (ber(2026, 3, 28, 20), Duration(24, "hours"), ber(2026, 3, 29, 21), 24),
    "spring: 1 week keeps 09:00": (ber(2026, 3, 25, 9), Duration(1, "weeks"), ber(2026, 4, 1, 9), 167),
    "spring: 1 working day keeps 09:00": (ber(2026, 3, 27, 9), wd(1), ber(2026, 3, 30, 9), 71),
    "autumn: 1 day keeps 20:00": (ber(2026, 10, 24, 20), Duration(1, "days"), ber(2026, 10, 25, 20), 25),
    "autumn: 24h is 19:00 winter time": (ber(2026, 10, 24, 20), Duration(24, "hours"), ber(2026, 10, 25, 19), 24),
    "autumn: 48h": (ber(2026, 10, 24, 20), Duration(48, "hours"), ber(2026, 10, 26, 19), 48),
}


@pytest.mark.parametrize("case", DST_CASES, ids=list(DST_CASES))
def test_hours_are_elapsed_time_and_days_keep_the_local_time_across_dst(case: str) -> None:
    start, duration, expected, elapsed = DST_CASES[case]
    due = add(start, duration, DE)
    assert utc(due) == utc(expected)
    assert due.astimezone(BERLIN).time() == expected.time()
    assert utc(due) - utc(start) == timedelta(hours=elapsed)


@pytest.mark.parametrize("start", [ber(2026, 3, 28, 20), ber(2026, 10, 24, 20)], ids=["spring", "autumn"])
def test_24_hours_and_1_day_differ_by_one_hour_only_across_a_change(start: datetime) -> None:
    day, hours = utc(add(start, Duration(1, "days"), DE)), utc(add(start, Duration(24, "hours"), DE))
    assert abs(day - hours) == timedelta(hours=1)
    week_before = start - timedelta(days=7)
    assert utc(add(week_before, Duration(1, "days"), DE)) == utc(add(week_before, Duration(24, "hours"), DE))


# --- years without data, provisional years -------------------------------------------------


@pytest.mark.parametrize("calendar", [CN, DE], ids=["CN", "DE"])
def test_a_year_the_package_has_no_data_for_is_an_error(calendar) -> None:
    with pytest.raises(CalendarError, match="2200"):
        calendar.is_working_day(date(2200, 1, 1))
    with pytest.raises(CalendarError, match="2101"):
        calendar.nth_working_day_after(date(2100, 12, 30), 5)  # runs into 2101


@pytest.mark.parametrize(
    ("day", "provisional"),
    [(date(2025, 6, 1), False), (date(2026, 12, 31), False), (date(2027, 1, 1), True), (date(2030, 5, 1), True)],
    ids=["2025", "2026 (published)", "2027 (make-up days not published)", "2030"],
)
def test_china_years_without_a_published_arrangement_are_provisional(day: date, provisional: bool) -> None:
    assert CN.provisional(day) is provisional
    assert CN_1800.provisional(day) is provisional


def test_a_provisional_year_still_knows_its_fixed_holidays() -> None:
    assert not CN.is_working_day(date(2027, 10, 1))  # National Day
    assert CN.is_working_day(date(2027, 10, 11))  # an ordinary Monday


@pytest.mark.parametrize("year", [2025, 2026, 2027, 2050, 2100])
def test_germany_has_no_provisional_years(year: int) -> None:
    assert not DE.provisional(date(year, 6, 1))


# --- declarations ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("country", "timezone", "expected"),
    [
        ("XX", "Mars/Base", {"country": "unknown country code 'XX'", "timezone": "unknown time zone 'Mars/Base'"}),
        ("CNN", "Asia/Shangai", {"country": "did you mean 'CN'?", "timezone": "did you mean 'Asia/Shanghai'?"}),
        ("DE", "Europe/Berln", {"timezone": "did you mean 'Europe/Berlin'?"}),
        ("CN", "Asia/Shanghai", {}),
        ("DE", "Europe/Berlin", {}),
        ("US", "America/New_York", {}),
    ],
    ids=["both unknown", "both misspelt", "time zone misspelt", "CN", "DE", "US"],
)
def test_calendar_problems(country: str, timezone: str, expected: dict[str, str]) -> None:
    problems = dict(calendar_problems(country, timezone))
    assert set(problems) == set(expected)
    for key, text in expected.items():
        assert text in problems[key]


def test_official_refuses_an_unknown_zone_or_provider_and_is_cached() -> None:
    with pytest.raises(CalendarError, match="Mars/Base"):
        official("CN", "Mars/Base")
    with pytest.raises(CalendarError, match="provider 'company'"):
        official("CN", "Asia/Shanghai", provider="company")
    assert official("CN", "Asia/Shanghai") is CN
    assert CN_1800.cutoff == time(18) and CN.cutoff is None


# --- properties ------------------------------------------------------------------------------

starts = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 1), timezones=st.just(UTC))
amounts = st.integers(min_value=1, max_value=40)
calendars = st.sampled_from(sorted(CALENDARS)).map(CALENDARS.__getitem__)
PROPERTY = settings(max_examples=150, deadline=None)


@PROPERTY
@given(start=starts, n=amounts, calendar=calendars, date_only=st.booleans())
def test_a_working_day_deadline_never_falls_on_a_non_working_day(start, n, calendar, date_only) -> None:
    due = add(start, wd(n), calendar, date_only=date_only)
    assert calendar.is_working_day(due.astimezone(calendar.zone).date())


@PROPERTY
@given(start=starts, n=amounts, calendar=calendars)
def test_more_working_days_is_always_later(start, n, calendar) -> None:
    assert utc(add(start, wd(n), calendar)) < utc(add(start, wd(n + 1), calendar))


@PROPERTY
@given(first=starts, gap=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=60)), n=amounts)
def test_with_a_cut_off_a_later_start_is_never_due_earlier(first, gap, n) -> None:
    assert utc(add(first, wd(n), CN_1800)) <= utc(add(first + gap, wd(n), CN_1800))


@PROPERTY
@given(first=starts, days=st.integers(min_value=0, max_value=60), n=amounts, calendar=calendars)
def test_a_start_on_a_later_day_at_the_same_local_time_is_never_due_earlier(first, days, n, calendar) -> None:
    local = first.astimezone(calendar.zone).replace(hour=12, minute=0)  # noon exists on every day
    later = (local.replace(tzinfo=None) + timedelta(days=days)).replace(tzinfo=calendar.zone)
    assert utc(add(local, wd(n), calendar)) <= utc(add(later, wd(n), calendar))


@PROPERTY
@given(
    start=starts,
    amount=st.integers(min_value=1, max_value=400),
    unit=st.sampled_from(["hours", "days", "weeks", "working_days"]),
    calendar=calendars,
    date_only=st.booleans(),
)
def test_a_deadline_is_never_before_its_anchor(start, amount, unit, calendar, date_only) -> None:
    assert utc(add(start, Duration(amount, unit), calendar, date_only=date_only)) > utc(start)


@PROPERTY
@given(
    day=st.dates(min_value=date(2024, 11, 1), max_value=date(2027, 11, 30)),
    n=st.integers(min_value=1, max_value=60),
    country=st.sampled_from(["CN", "DE"]),
)
def test_nth_working_day_after_agrees_with_a_naive_loop_over_holidays(day, n, country) -> None:
    source = holidays.country_holidays(country)
    found, left = day, n
    while left:
        found += timedelta(days=1)
        left -= source.is_working_day(found)
    calendar = CN if country == "CN" else DE
    assert calendar.nth_working_day_after(day, n) == found


@pytest.mark.parametrize(
    ("start", "end", "days"),
    [
        ((2026, 3, 2, 9), (2026, 3, 4, 9), 2),  # Monday to Wednesday
        ((2026, 3, 2, 9), (2026, 3, 2, 18), 0),  # the same day: "today"
        ((2026, 4, 3, 9), (2026, 4, 7, 9), 1),  # over 清明 (4–6 April, Saturday to Monday): Tuesday only
        ((2026, 5, 8, 9), (2026, 5, 11, 9), 2),  # the make-up Saturday 9 May counts, the Sunday does not
        ((2026, 3, 4, 9), (2026, 3, 2, 9), 0),  # an end before the start: none
    ],
    ids=["two-days", "same-day", "qingming", "make-up-saturday", "backwards"],
)
def test_working_days_between_counts_the_calendars_dates_after_the_start(
    start: tuple[int, ...], end: tuple[int, ...], days: int
) -> None:
    zone = ZoneInfo("Asia/Shanghai")
    assert working_days_between(CN, datetime(*start, tzinfo=zone), datetime(*end, tzinfo=zone)) == days  # type: ignore[misc]
    assert working_days_between(None, datetime(*start, tzinfo=zone), datetime(*end, tzinfo=zone)) >= days  # type: ignore[misc]
