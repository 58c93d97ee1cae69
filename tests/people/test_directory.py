"""The team directory: people, grants, covers and reporting lines as a sealed chain of events in the store."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime

import pytest

from procflow import ConflictError, Engine, FixedClock, StoreError
from procflow.audit import verify
from procflow.errors import DirectoryRefused
from procflow.people import admin
from procflow.people.admin import Draft, Team
from procflow.people.directory import StoreDirectory, open_directory, register_directory
from procflow.people_records import ADMIN_ROLE, DirectoryEvent, Person, directory_digest, seal_directory
from procflow.store import Store, open_store

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


@pytest.fixture
def team(store: Store) -> Team:
    made = Team(StoreDirectory(store), {"bd_specialist", "account_manager"})
    made.init(Person("wang", "王经理"), T0)
    made.change("wang", [admin.add_person(Person("li", "李娜", "li@example.com", {"wecom": "li.na"}))], T0)
    return made


def test_every_change_is_a_sealed_event_with_who_made_it(team: Team, store: Store) -> None:
    team.change("wang", [admin.grant("li", "bd_specialist", "sales", date(2026, 1, 1), date(2026, 12, 31))], T0)
    events = store.directory_events()
    assert [e.kind for e in events] == ["person_added", "granted", "person_added", "granted"]
    assert {e.actor for e in events} == {"wang"}
    assert all(e.hash == directory_digest(e) for e in events)
    assert all(later.prev_hash == earlier.hash for earlier, later in itertools.pairwise(events))
    roster = StoreDirectory(store).roster()  # a fresh fold of the stored chain
    assert roster.people["li"].chat == {"wecom": "li.na"}
    grant = next(g for g in roster.grants.values() if g.person == "li")
    assert (grant.role, grant.process, grant.valid_to) == ("bd_specialist", "sales", date(2026, 12, 31))
    assert grant.id == 4  # its number is the seq of the event that made it


def test_only_a_directory_admin_may_change_it(team: Team) -> None:
    with pytest.raises(
        DirectoryRefused, match="li may not change the team directory: missing grant: li as 'directory_admin'"
    ):
        team.change("li", [admin.grant("li", "bd_specialist")], T0)
    team.change("wang", [admin.grant("li", ADMIN_ROLE)], T0)
    assert team.change("li", [admin.grant("li", "bd_specialist")], T0)


def test_init_only_on_an_empty_directory(team: Team) -> None:
    with pytest.raises(DirectoryRefused, match="already set up"):
        team.init(Person("eve", "Eve"), T0)


@pytest.mark.parametrize(
    ("draft", "message"),
    [
        (admin.grant("ghost", "bd_specialist"), "no person 'ghost'"),
        (admin.grant("li", "astronaut"), "no registered process has a role 'astronaut'"),
        (admin.grant("li", "bd_specialist", None, date(2026, 5, 1), date(2026, 4, 1)), "ends .* before it starts"),
        (admin.add_person(Person("li", "again")), "'li' is already in the team directory"),
        (admin.substitute("li", "li", date(2026, 5, 1), date(2026, 5, 9)), "cannot cover for themselves"),
        (Draft("reports_to", {"person": "wang", "manager": "wang"}), "would make a loop"),
    ],
)
def test_changes_that_make_no_sense_are_refused_and_nothing_is_written(
    team: Team, store: Store, draft: Draft, message: str
) -> None:
    before = len(store.directory_events())
    with pytest.raises(DirectoryRefused, match=message):
        team.change("wang", [admin.grant("li", "bd_specialist"), draft], T0)  # the good first change is not kept
    assert len(store.directory_events()) == before


def test_a_substitute_chain_that_loops_is_refused(team: Team, store: Store) -> None:
    team.change(
        "wang",
        [admin.add_person(Person("zhao", "赵")), admin.substitute("li", "zhao", date(2026, 5, 1), date(2026, 5, 9))],
        T0,
    )
    team.change("wang", [admin.substitute("zhao", "wang", date(2026, 5, 3), date(2026, 5, 4))], T0)
    with pytest.raises(DirectoryRefused, match="loop of substitutes: wang → li → zhao → wang"):
        team.change("wang", [admin.substitute("wang", "li", date(2026, 5, 4), date(2026, 5, 20))], T0)
    # the same arrangement on days that do not overlap is no loop
    assert team.change("wang", [admin.substitute("wang", "li", date(2026, 6, 1), date(2026, 6, 5))], T0)


def test_a_bad_time_zone_is_refused(team: Team) -> None:
    with pytest.raises(DirectoryRefused, match="'Mars/Olympus' is not a time zone"):
        team.change("wang", [admin.add_person(Person("x", "X", timezone="Mars/Olympus"))], T0)


def test_two_admins_writing_at_once_one_gets_a_conflict(store: Store) -> None:
    directory = StoreDirectory(store)
    Team(directory).init(Person("wang", "王"), T0)
    seen = directory.roster().head  # both admins read the directory at event 2 ...
    mine = seal_directory(DirectoryEvent(3, "person_added", T0, "wang", {"id": "a", "name": "A"}), seen)
    theirs = seal_directory(DirectoryEvent(3, "person_added", T0, "wang", {"id": "b", "name": "B"}), seen)
    store.append_directory([mine])
    with pytest.raises(ConflictError):  # ... and the second to write number 3 loses
        store.append_directory([theirs])
    assert set(StoreDirectory(store).roster().people) == {"wang", "a"}


def test_an_edited_directory_event_is_caught(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'd.db'}"
    store = open_store(url)
    Team(StoreDirectory(store)).init(Person("wang", "王"), T0)
    store._write("test", lambda tx: tx.execute("UPDATE directory_events SET actor = 'eve' WHERE seq = 2"))  # type: ignore[attr-defined]
    with pytest.raises(StoreError, match=r"directory event 2 \(granted\) was changed after it was recorded"):
        StoreDirectory(store).roster()
    verdict = verify(store)
    assert not verdict.ok and "team directory: directory event 2 (granted) was changed" in verdict.problems[0]


def test_an_application_can_plug_in_its_own_directory(clock: FixedClock) -> None:
    class Fixed(StoreDirectory):
        pass

    register_directory("fixed", Fixed)
    engine = Engine(clock=clock, directory="fixed")
    assert isinstance(engine.directory, Fixed)
    with pytest.raises(StoreError, match="unknown directory 'ldpa'"):
        open_directory("ldpa", engine.store)
