"""Working-day tables kept on disk: the same answers as the holidays package, never trusted when wrong or foreign,
safe with concurrent writers, and off when caching is off."""

from __future__ import annotations

import json
import threading
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from procflow import disk_cache
from procflow.calendars import OfficialCalendar, _entry_name

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAYS = [date(2026, 1, 1), date(2026, 2, 14), date(2026, 2, 15), date(2026, 10, 1), date(2026, 10, 10)]


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PROCFLOW_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache" / "calendars" / str(_entry_name("CN"))


def answers(calendar: OfficialCalendar) -> list[object]:
    return [
        *(calendar.is_working_day(d) for d in DAYS),
        calendar.nth_working_day_after(date(2026, 9, 30), 3),
        calendar.provisional(date(2030, 1, 1)),
    ]


def test_a_second_calendar_answers_from_the_cache_without_the_holidays_package(cache: Path) -> None:
    first = OfficialCalendar("CN", SHANGHAI)
    expected = answers(first)
    assert first._loaded is not None and cache.is_file()
    second = OfficialCalendar("CN", SHANGHAI)
    assert answers(second) == expected
    assert second._loaded is None, "a cached year must not load the holidays package"
    assert expected[:5] == [False, True, False, False, True]  # New Year, a make-up Saturday (调休), National Day


@pytest.mark.parametrize(
    "written",
    [
        "{not json",
        '{"country": "CN"}',
        json.dumps({"country": "JP", "range": [1, 9], "arranged_until": None, "years": {"2026": []}}),
        json.dumps({"country": "CN", "range": [1949, 2100], "arranged_until": None, "years": {"2026": [3, 2, 1]}}),
    ],
    ids=["corrupt", "incomplete", "another-country", "unsorted"],
)
def test_a_bad_entry_is_ignored_and_rebuilt(cache: Path, written: str) -> None:
    expected = answers(OfficialCalendar("CN", SHANGHAI))
    cache.write_text(written)
    rebuilt = OfficialCalendar("CN", SHANGHAI)
    assert answers(rebuilt) == expected and rebuilt._loaded is not None
    assert json.loads(cache.read_text())["country"] == "CN"


def test_the_entry_is_named_by_country_package_version_and_code(monkeypatch: pytest.MonkeyPatch) -> None:
    names = {_entry_name("CN"), _entry_name("DE")}
    monkeypatch.setattr(disk_cache, "code_fingerprint", lambda *files: "other code")
    names.add(_entry_name("CN"))
    assert len(names) == 3 and None not in names


def test_concurrent_writers_never_leave_half_an_entry(cache: Path) -> None:
    OfficialCalendar("CN", SHANGHAI).is_working_day(date(2026, 1, 1))
    seen: list[object] = []

    def write(year: int) -> None:
        for _ in range(20):
            OfficialCalendar("CN", SHANGHAI).is_working_day(date(year, 3, 1))

    def read() -> None:
        for _ in range(200):
            seen.append(disk_cache.read_json("calendars", cache.name))

    threads = [threading.Thread(target=write, args=(y,)) for y in (2024, 2025, 2027)] + [threading.Thread(target=read)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(isinstance(entry, dict) and entry["country"] == "CN" for entry in seen)
    assert not list(cache.parent.glob("*.tmp"))


def test_nothing_is_written_when_caching_is_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROCFLOW_CACHE_DIR", "off")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert OfficialCalendar("CN", SHANGHAI).is_working_day(date(2026, 1, 5))
    assert list(tmp_path.iterdir()) == []
