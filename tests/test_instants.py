"""Instants spelled once per object: the memo must answer exactly what `isoformat` would, for every object."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from procflow import instants

ZONES = st.sampled_from([UTC, ZoneInfo("Asia/Shanghai"), ZoneInfo("Europe/Berlin"), timezone(timedelta(hours=-3))])
AWARE = st.datetimes(timezones=ZONES, allow_imaginary=False)


@given(AWARE)
def test_an_instant_reads_as_isoformat_first_and_again(at: datetime) -> None:
    assert instants.iso(at) == at.isoformat()
    assert instants.iso(at) == at.isoformat()  # answered from the memo
    utc = (at if at.tzinfo is UTC else at.astimezone(UTC)).isoformat(timespec="microseconds")
    assert instants.utc_text(at) == utc
    assert instants.utc_text(at) == utc


def test_equal_instants_in_other_zones_keep_their_own_spelling() -> None:
    """A memo keyed by value would answer the second with the first's text: they are equal datetimes."""
    first = datetime(2026, 3, 2, 1, tzinfo=UTC)
    second = first.astimezone(ZoneInfo("Asia/Shanghai"))
    assert first == second
    assert instants.iso(first) == "2026-03-02T01:00:00+00:00"
    assert instants.iso(second) == "2026-03-02T09:00:00+08:00"
    assert instants.utc_text(second) == "2026-03-02T01:00:00.000000+00:00"


def test_the_two_readings_of_a_folded_hour_are_told_apart() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    early, late = datetime(2026, 10, 25, 2, 30, tzinfo=berlin), datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=berlin)
    assert instants.iso(early) == "2026-10-25T02:30:00+02:00"
    assert instants.iso(late) == "2026-10-25T02:30:00+01:00"
    assert instants.utc_text(early) != instants.utc_text(late)


def test_many_instants_in_turn_each_read_right_and_the_memo_stays_small() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    held = [start + timedelta(minutes=n) for n in range(200)]
    for _ in range(2):
        assert [instants.iso(at) for at in held] == [at.isoformat() for at in held]
    assert len(instants._ISO) <= instants._LIMIT


def test_an_object_freed_and_its_id_reused_is_spelled_anew() -> None:
    """The memo holds the objects it answers for, so an id in it is never another object's; were it to hold
    only ids, a new datetime at a freed one's address would read as the old one."""
    for minute in range(50):
        at = datetime(2026, 1, 1, 0, minute, tzinfo=UTC)
        assert instants.iso(at) == at.isoformat()
        del at
