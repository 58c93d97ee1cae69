"""A person's own settings: kept beside the directory on every store kind, refused whole when any part is
wrong, and read by the inbox (time zone of due times); sign-off rounds waiting for a person are in their inbox
and let them see the case."""

from __future__ import annotations

import io
from datetime import datetime

import pytest

from procflow import Actor, Engine, FixedClock, load
from procflow.demo import import_team
from procflow.errors import SettingsInvalid
from procflow.people import settings
from procflow.people_records import Person
from procflow.scenario import read_scenario
from procflow.store import Store
from tests.conftest import PROCESSES
from tests.people.conftest import sent
from tests.test_deadlines import play_until

CHOICES = {
    "locale": "en",
    "timezone": "Europe/Berlin",
    "channels": {"reminder": ["mail"], "assignment": []},
    "digest": {"escalation": "08:30"},
    "quiet_hours": "22:00-07:00",
}


def test_settings_are_kept_and_replaced_on_every_store(store: Store) -> None:
    at = datetime(2026, 3, 2, 9)
    assert settings.load(store, "bea") == {}
    settings.save(store, "bea", CHOICES, at)
    assert settings.load(store, "bea") == CHOICES
    settings.save(store, "bea", {"locale": "zh-CN", "timezone": ""}, at)  # empty: not chosen
    assert settings.load(store, "bea") == {"locale": "zh-CN"}
    assert settings.load(store, "alan") == {}


def test_many_peoples_settings_are_read_at_once_on_every_store(store: Store) -> None:
    at = datetime(2026, 3, 2, 9)
    settings.save(store, "bea", CHOICES, at)
    settings.save(store, "cai", {"locale": "zh-CN"}, at)
    assert store.people_settings([]) == {}
    assert dict(store.people_settings(["cai", "alan", "bea", "cai"])) == {"bea": CHOICES, "cai": {"locale": "zh-CN"}}
    crowd = [f"p{i:04d}" for i in range(1_234)]  # more than one statement's worth of names
    for person in crowd[::100]:
        settings.save(store, person, {"timezone": "Europe/Berlin"}, at)
    found = store.people_settings([*crowd, "bea"])
    assert sorted(found) == sorted([*crowd[::100], "bea"])
    assert settings.load_many(store, ["alan", "cai"]) == {"alan": {}, "cai": {"locale": "zh-CN"}}


@pytest.mark.parametrize(
    ("data", "problems"),
    [
        ({"locale": "fr"}, {"locale"}),
        ({"timezone": "Mars/Olympus"}, {"timezone"}),
        ({"timezone": "<script>x</script>"}, {"timezone"}),
        ({"quiet_hours": "22:00"}, {"quiet_hours"}),
        ({"digest": {"reminder": "25:00"}}, {"digest"}),
        ({"channels": {"gossip": ["mail"]}}, {"channels"}),
        ({"colour": "blue", "locale": "de"}, {"settings", "locale"}),
    ],
    ids=["locale", "zone", "script-zone", "quiet-half", "digest-hour", "unknown-kind", "unknown-key-and-locale"],
)
def test_wrong_settings_are_refused_whole_with_each_problem_named(
    store: Store, data: dict[str, object], problems: set[str]
) -> None:
    settings.save(store, "bea", {"locale": "en"}, datetime(2026, 3, 2, 9))
    with pytest.raises(SettingsInvalid) as refused:
        settings.save(
            store, "bea", {**data, "quiet_hours": data.get("quiet_hours", "22:00-07:00")}, datetime(2026, 3, 2)
        )
    assert set(refused.value.problems) == problems
    assert settings.load(store, "bea") == {"locale": "en"}  # nothing kept


def test_effective_overlays_only_what_the_person_chose() -> None:
    person = Person("bea", "Bea", locale="zh-CN", timezone="Asia/Shanghai")
    assert settings.effective(person, {}) is person
    mine = settings.effective(person, {"timezone": "Europe/Berlin"})
    assert (mine.locale, mine.timezone, mine.name) == ("zh-CN", "Europe/Berlin", "Bea")


def test_the_inbox_shows_due_times_in_the_zone_the_person_chose(office: Engine) -> None:
    case_id = sent(office)  # alan's, with its obligations in the process's zone
    before = [o.due_at for e in office.inbox("alan") if e.case_id == case_id for o in e.obligations]
    settings.save(office.store, "alan", {"timezone": "America/New_York"}, office.clock.now())
    after = [o.due_at for e in office.inbox("alan") if e.case_id == case_id for o in e.obligations]
    assert len(before) == len(after)
    assert all(datetime.fromisoformat(a) == datetime.fromisoformat(b) for a, b in zip(after, before, strict=True))
    assert all(a.endswith(("-05:00", "-04:00")) for a in after)


def test_a_sign_off_waiting_for_a_person_is_in_their_inbox_and_lets_them_see_the_case(
    store: Store, clock: FixedClock
) -> None:
    engine = Engine(store, clock=clock)
    engine.register(load(PROCESSES / "sales.yaml"))
    import_team(engine, PROCESSES / "sales" / "team.yaml", io.StringIO())
    case = play_until(engine, clock, read_scenario(PROCESSES / "sales" / "scenarios" / "won.yaml"), "internal_review")
    for person, held in (("qian_li", True), ("sun_hao", True), ("zhou_qiang", False)):  # his: in his queue too
        waiting = [e for e in engine.inbox(person) if e.case_id == case.id]
        assert [(e.signoff, e.held) for e in waiting] == [("internal_review", held)], person
        assert engine.sees(person, case), person
    assert not engine.sees("huang_chen", case)  # an account manager not involved: not a signer either
    engine.sign(case.id, "approve", Actor("qian_li"), comment="ok")
    assert [e for e in engine.inbox("qian_li") if e.case_id == case.id] == []  # signed: no longer waiting
    assert [e.signoff for e in engine.inbox("zhou_qiang") if e.case_id == case.id] == ["internal_review"]
