"""When messages go out: digests at the person's hour on working days (调休 Saturdays too), quiet hours,
non-working days, urgency — on the real Chinese calendar."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from types import MappingProxyType
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from procflow.calendars import official
from procflow.notify import Preferences, Recipient
from procflow.notify.schedule import deliver_at, in_quiet_hours

SHANGHAI = ZoneInfo("Asia/Shanghai")
CN = official("CN", "Asia/Shanghai")


def sh(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=SHANGHAI)  # type: ignore[misc]


def person(**choices: object) -> Recipient:
    return Recipient(
        "wang", "王敏", "w@x.cn", locale="zh-CN", time_zone="Asia/Shanghai", preferences=Preferences(**choices)
    )  # type: ignore[arg-type]


DIGEST_8 = person(digest=MappingProxyType({"reminder": time(8, 0)}))


def test_a_digest_at_eight_on_a_make_up_working_saturday_is_sent() -> None:
    assert not CN.is_working_day(sh(2026, 10, 3).date()) and CN.is_working_day(sh(2026, 10, 10).date())
    at, digest = deliver_at(sh(2026, 10, 9, 20, 0), DIGEST_8, "reminder", CN)  # Friday evening
    assert (at, digest) == (sh(2026, 10, 10, 8, 0), True)  # Saturday 10 October 2026 is a working day (调休)


def test_a_digest_on_a_holiday_waits_for_the_next_working_day() -> None:
    at, _ = deliver_at(sh(2026, 9, 30, 20, 0), DIGEST_8, "reminder", CN)  # the eve of National Day
    assert at.date() > sh(2026, 10, 7).date() and at.time() == time(8, 0)
    assert CN.is_working_day(at.date())
    assert all(
        not CN.is_working_day((sh(2026, 10, 1) + timedelta(days=d)).date()) for d in range((at - sh(2026, 10, 1)).days)
    )


def test_an_ordinary_saturday_digest_waits_for_monday_and_one_before_eight_goes_the_same_day() -> None:
    assert deliver_at(sh(2026, 10, 16, 9, 0), DIGEST_8, "reminder", CN)[0] == sh(2026, 10, 19, 8, 0)
    assert deliver_at(sh(2026, 10, 19, 7, 59), DIGEST_8, "reminder", CN)[0] == sh(2026, 10, 19, 8, 0)
    assert deliver_at(sh(2026, 10, 19, 7, 59), DIGEST_8, "escalation", CN) == (sh(2026, 10, 19, 7, 59), False)


QUIET = person(quiet_hours=(time(21, 0), time(7, 30)))


def test_quiet_hours_hold_a_message_until_they_end_and_a_weekend_until_the_working_morning() -> None:
    assert deliver_at(sh(2026, 10, 19, 22, 15), QUIET, "escalation", CN)[0] == sh(2026, 10, 20, 7, 30)
    assert deliver_at(sh(2026, 10, 20, 3, 0), QUIET, "escalation", CN)[0] == sh(2026, 10, 20, 7, 30)
    assert deliver_at(sh(2026, 10, 20, 12, 0), QUIET, "escalation", CN)[0] == sh(2026, 10, 20, 12, 0)
    assert deliver_at(sh(2026, 10, 17, 12, 0), QUIET, "escalation", CN)[0] == sh(2026, 10, 19, 7, 30)  # Saturday
    assert deliver_at(sh(2026, 10, 17, 12, 0), person(), "escalation", CN)[0] == sh(2026, 10, 19, 9, 0)


def test_an_urgent_message_goes_at_once_whatever_the_day_or_hour() -> None:
    saturday_night = sh(2026, 10, 17, 23, 0)
    assert deliver_at(saturday_night, QUIET, "escalation", CN, urgent=True) == (saturday_night, False)


@given(
    at=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 1), timezones=st.just(SHANGHAI)),
    start=st.times(),
    end=st.times(),
)
def test_a_held_message_never_lands_in_quiet_hours_or_on_a_day_off_and_never_early(
    at: datetime, start: time, end: time
) -> None:
    start, end = start.replace(second=0, microsecond=0), end.replace(second=0, microsecond=0)
    if start == end:
        return
    who = person(quiet_hours=(start, end))
    when, _ = deliver_at(at, who, "reminder", CN)
    assert when >= at
    assert CN.is_working_day(when.astimezone(SHANGHAI).date())
    assert not in_quiet_hours(when, (start, end), SHANGHAI)


@pytest.mark.parametrize("zone", ["Europe/Berlin", "America/New_York"])
def test_the_digest_hour_is_the_persons_own(zone: str) -> None:
    who = Recipient(
        "a", "A", time_zone=zone, preferences=Preferences(digest=MappingProxyType({"reminder": time(8, 0)}))
    )
    at, _ = deliver_at(sh(2026, 10, 19, 12, 0), who, "reminder", None)
    assert at.astimezone(ZoneInfo(zone)).time() == time(8, 0) and at > sh(2026, 10, 19, 12, 0)
