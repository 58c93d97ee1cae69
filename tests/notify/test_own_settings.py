"""The notify worker reads each person's own settings (the web app's settings page) over the directory and the
notify file: their language and time zone for the words and the clock, their channels, digests and quiet hours."""

from __future__ import annotations

import io
from datetime import datetime, time
from zoneinfo import ZoneInfo

from procflow import Engine, FixedClock, load
from procflow.demo import import_team
from procflow.notify import DirectoryRecipients, Preferences
from procflow.notify.schedule import deliver_at
from procflow.people import settings
from procflow.store import open_store
from tests.conftest import PROCESSES
from tests.store.test_faults import T0

BERLIN = ZoneInfo("Europe/Berlin")


def test_a_persons_own_settings_come_before_the_notify_files_choices() -> None:
    store = open_store("memory:")
    engine = Engine(store, clock=FixedClock(T0))
    engine.register(load(PROCESSES / "sales.yaml"))
    import_team(engine, PROCESSES / "sales" / "team.yaml", io.StringIO())
    configured = {"zhao_lei": Preferences(channels={"*": ("wecom",)}), "li_na": Preferences(channels={"*": ("wecom",)})}
    recipients = DirectoryRecipients(engine.directory, configured, store=store)
    before = recipients.person("zhao_lei")
    assert before is not None and (before.locale, before.time_zone) == ("zh-CN", "Asia/Shanghai")
    assert before.preferences.channels_for("reminder", ["mail"]) == ("wecom",)

    chosen = {"locale": "en", "timezone": "Europe/Berlin", "channels": {"reminder": []}, "quiet_hours": "22:00-07:00"}
    settings.save(store, "zhao_lei", chosen, T0)
    settings.save(store, "li_na", {"timezone": "Europe/Berlin"}, T0)  # a zone only: the file's channels stay
    mine = recipients.person("zhao_lei")
    assert mine is not None and (mine.locale, mine.time_zone) == ("en", "Europe/Berlin")
    assert mine.preferences.channels_for("reminder", ["mail"]) == ()  # he asked not to be reminded
    assert mine.preferences.channels_for("escalation", ["mail"]) == ("mail",)  # the configuration's default
    late = datetime(2026, 3, 4, 23, 30, tzinfo=BERLIN)
    assert deliver_at(late, mine, "escalation", None) == (datetime(2026, 3, 5, 7, 0, tzinfo=BERLIN), False)
    assert mine.preferences.quiet_hours == (time(22, 0), time(7, 0))
    other = recipients.person("li_na")
    assert other is not None and other.time_zone == "Europe/Berlin"
    assert other.preferences.channels_for("reminder", ["mail"]) == ("wecom",)
    without = DirectoryRecipients(engine.directory, configured)  # no store: only the configuration counts
    plain = without.person("zhao_lei")
    assert plain is not None and plain.time_zone == "Asia/Shanghai"


def test_the_holders_of_a_role_are_told_with_one_read_of_their_settings() -> None:
    """An escalation to a role its whole team holds reads their settings once, not once per person."""
    store = open_store("memory:")
    engine = Engine(store, clock=FixedClock(T0))
    definition = engine.register(load(PROCESSES / "sales.yaml"))
    import_team(engine, PROCESSES / "sales" / "team.yaml", io.StringIO())
    role = max(definition.roles, key=lambda r: len(DirectoryRecipients(engine.directory).holding("sales", r, T0)))
    holders = [r.id for r in DirectoryRecipients(engine.directory).holding("sales", role, T0)]
    assert len(holders) >= 2, "the sales team should have a role held by several people"
    settings.save(store, holders[-1], {"locale": "en"}, T0)
    reads: list[object] = []
    counted = CountingStore(store, reads)
    told = DirectoryRecipients(engine.directory, store=counted).holding("sales", role, T0)
    assert [r.id for r in told] == holders and told[-1].locale == "en"
    assert reads == [tuple(holders)], f"{len(reads)} reads of settings for {len(holders)} people"


class CountingStore:
    """The memory store, noting each read of people's settings (one entry a read, with whom it asked for)."""

    def __init__(self, store: object, reads: list[object]) -> None:
        self._store, self._reads = store, reads

    def person_settings(self, person: str) -> object:
        self._reads.append((person,))
        return self._store.person_settings(person)  # type: ignore[attr-defined]

    def people_settings(self, people: list[str]) -> object:
        self._reads.append(tuple(people))
        return self._store.people_settings(people)  # type: ignore[attr-defined]
