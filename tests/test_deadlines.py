"""Deadlines on real cases: status from history, lead-time rules, overdue, tick — on every store.

Two processes: the sales process (China's calendar, T1–T8, driven through the
prefix of its 'won' scenario) and tests/fixtures/timed (Germany's calendar:
daylight saving and Easter; one deadline of each kind).
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from procflow import Actor, Case, Engine, Event, FixedClock, ProcessDefinition, Refusal, load
from procflow.cli import main
from procflow.deadlines import Obligation
from procflow.demo import DEAL_SCENARIOS as DEMO_ORDER
from procflow.runtime.timekeeping import LeadTimeViolation
from procflow.scenario import read_scenario, run_scenario
from procflow.store import open_store
from tests.conftest import PROCESSES, ROOT, seat

TIMED = ROOT / "tests" / "fixtures" / "timed" / "processes" / "timed.yaml"
SCENARIO_DIR = PROCESSES / "sales" / "scenarios"
SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")

CLERK = Actor("kim", "clerk")
BD = Actor("zhao_lei", "bd_specialist")
AM = Actor("li_na", "account_manager")
LEGAL = Actor("qian_li", "legal")
IMPLEMENTER = Actor("he_jun", "implementation_manager")


def sh(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=SHANGHAI)  # type: ignore[misc]


def ber(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=BERLIN)  # type: ignore[misc]


def utc(at: datetime | None) -> datetime | None:
    """Aware datetimes sharing a tzinfo compare by wall time; compare instants in UTC."""
    return at.astimezone(UTC) if at else None


def of(engine: Engine, case: Case, deadline: str, now: datetime) -> list[Obligation]:
    return [o for o in engine.deadlines(case.id, now) if o.deadline.id == deadline]


def last(engine: Engine, case: Case, deadline: str, now: datetime) -> Obligation:
    found = of(engine, case, deadline, now)
    assert found, f"no obligation of {deadline}"
    return found[-1]


# --- fixtures: the timed process --------------------------------------------------------------


@pytest.fixture(scope="session")
def timed_process() -> ProcessDefinition:
    return load(TIMED)


@pytest.fixture
def timed(engine: Engine, timed_process: ProcessDefinition) -> Engine:
    engine.register(timed_process)
    return seat(engine, CLERK)


def timed_case(engine: Engine, clock: FixedClock, at: datetime, state: str = "triage", **start: Any) -> Case:
    """A timed case started at `at` and walked (at the same instant) to `state`."""
    clock.set(at)
    case = engine.start("timed", CLERK, **start)
    booking = {"room": "A1", "starts_at": (at + timedelta(days=30)).isoformat()}
    order = {"item": "chairs", "ordered_on": at.astimezone(BERLIN).date().isoformat()}
    moves: dict[str, Callable[[Case], Case]] = {
        "triage": lambda c: engine.fire(c, "answer", CLERK),
        "booking": lambda c: engine.fire(engine.submit(c, "booking", booking, CLERK), "book", CLERK),
        "ordering": lambda c: engine.fire(engine.submit(c, "order", order, CLERK), "confirm", CLERK),
    }
    while case.state != state:
        case = moves[case.state](case)
    return case


def at(clock: FixedClock, when: datetime, action: Callable[[], Case]) -> Case:
    clock.set(when)
    return action()


# --- fixtures: the sales process, through its 'won' scenario -------------------------------------


@pytest.fixture(scope="session")
def won() -> dict[str, Any]:
    return read_scenario(SCENARIO_DIR / "won.yaml")


@pytest.fixture
def selling(engine: Engine, sales: ProcessDefinition) -> Engine:
    engine.register(sales)
    cast = {
        Actor.parse(step["as"])
        for path in SCENARIO_DIR.glob("*.yaml")
        for step in read_scenario(path)["steps"]
        if "as" in step
    }
    return seat(engine, BD, AM, LEGAL, IMPLEMENTER, *sorted(cast, key=str))


def play_until(engine: Engine, clock: FixedClock, scenario: dict[str, Any], state: str) -> Case:
    """Run the scenario's steps up to the first one that brings the case into `state`."""
    steps = []
    for step in scenario["steps"]:
        steps.append(step)
        expect = step.get("expect", {})
        if expect.get("state") == state and "refused" not in expect:
            break
    else:
        raise AssertionError(f"the scenario never reaches {state}")
    result = run_scenario({**scenario, "steps": steps}, engine, clock, "sales")
    assert result.failures == []
    assert result.case is not None
    return result.case


def data_of(scenario: dict[str, Any], document: str, **changes: Any) -> dict[str, Any]:
    """The data of the scenario's first submission of `document`, with `changes`."""
    found = next(step["data"] for step in scenario["steps"] if step.get("submit") == document)
    return {**found, **changes}


# --- within: entered anchor, met by leaving --------------------------------------------------------

DST = {
    # entered, answered, (due 1 day, status), (due 24h, status)
    "spring": (
        ber(2026, 3, 28, 20),
        ber(2026, 3, 29, 20, 30),
        (ber(2026, 3, 29, 20), "late"),
        (ber(2026, 3, 29, 21), "met"),
    ),
    "autumn": (
        ber(2026, 10, 24, 20),
        ber(2026, 10, 25, 19, 30),
        (ber(2026, 10, 25, 20), "met"),
        (ber(2026, 10, 25, 19), "late"),
    ),
}


@pytest.mark.parametrize("change", DST, ids=list(DST))
def test_a_day_keeps_the_local_time_and_24_hours_do_not_across_dst(
    timed: Engine, clock: FixedClock, change: str
) -> None:
    entered, answered, (due_day, day_status), (due_24h, hours_status) = DST[change]
    case = timed_case(timed, clock, entered)
    day, hours = last(timed, case, "answer_1d", entered), last(timed, case, "answer_24h", entered)
    assert (utc(day.due_at), utc(hours.due_at)) == (utc(due_day), utc(due_24h))
    assert day.due_at.astimezone(BERLIN).time() == entered.time()  # type: ignore[union-attr]
    case = at(clock, answered, lambda: timed.fire(case, "answer", CLERK))
    statuses = {
        o.deadline.id: (o.status, o.met_by) for o in timed.deadlines(case, answered) if o.scope == "state:triage"
    }
    assert statuses == {"answer_1d": (day_status, "kim"), "answer_24h": (hours_status, "kim")}


def test_an_unmet_obligation_is_open_then_overdue(timed: Engine, clock: FixedClock) -> None:
    case = timed_case(timed, clock, ber(2026, 5, 4, 9))
    before = last(timed, case, "answer_1d", ber(2026, 5, 5, 8))
    assert (before.status, before.remaining(ber(2026, 5, 5, 8)), before.lateness(ber(2026, 5, 5, 8))) == (
        "open",
        timedelta(hours=1),
        None,
    )
    after = last(timed, case, "answer_1d", ber(2026, 5, 5, 10))
    assert (after.status, after.remaining(ber(2026, 5, 5, 10)), after.lateness(ber(2026, 5, 5, 10))) == (
        "overdue",
        None,
        timedelta(hours=1),
    )
    assert (after.met_at, after.met_by, after.owner, after.scope) == (None, None, "clerk", "state:triage")


@pytest.mark.parametrize(
    ("answered", "status", "lateness"),
    [(ber(2026, 5, 5, 8, 59), "met", None), (ber(2026, 5, 5, 10, 30), "late", timedelta(hours=1, minutes=30))],
    ids=["a minute early", "90 minutes late"],
)
def test_leaving_meets_the_obligation_on_time_or_late(
    timed: Engine, clock: FixedClock, answered: datetime, status: str, lateness: timedelta | None
) -> None:
    case = timed_case(timed, clock, ber(2026, 5, 4, 9))
    case = at(clock, answered, lambda: timed.fire(case, "answer", CLERK))
    later = ber(2026, 6, 1)
    found = last(timed, case, "answer_1d", later)
    assert (found.status, utc(found.met_at), found.met_by, found.lateness(later)) == (
        status,
        utc(answered),
        "kim",
        lateness,
    )


# --- within: document anchors --------------------------------------------------------------------------


def test_a_date_only_anchor_waits_for_its_document_then_falls_due_at_the_end_of_the_next_working_day(
    timed: Engine, clock: FixedClock
) -> None:
    case = timed_case(timed, clock, ber(2026, 4, 1, 10), "ordering")
    waiting = last(timed, case, "confirm_order", ber(2026, 4, 1, 11))
    assert (waiting.status, waiting.due_at) == ("waiting", None)
    # Maundy Thursday: Good Friday and Easter Monday are German holidays.
    case = at(
        clock,
        ber(2026, 4, 1, 11),
        lambda: timed.submit(case, "order", {"item": "desk", "ordered_on": "2026-04-02"}, CLERK),
    )
    due = last(timed, case, "confirm_order", ber(2026, 4, 7, 23))
    assert (due.status, utc(due.due_at), due.provisional) == ("open", utc(ber(2026, 4, 7, 23, 59, 59)), False)
    assert last(timed, case, "confirm_order", ber(2026, 4, 8)).status == "overdue"


@pytest.mark.parametrize(
    ("trigger", "status", "met_by"),
    [("confirm", "met", "kim"), ("cancel", "missed", None)],
    ids=["left by the met_by trigger", "left by another trigger"],
)
def test_firing_the_met_by_trigger_meets_the_obligation(
    timed: Engine, clock: FixedClock, trigger: str, status: str, met_by: str | None
) -> None:
    case = timed_case(timed, clock, ber(2026, 4, 1, 10), "ordering")
    case = at(
        clock,
        ber(2026, 4, 1, 11),
        lambda: timed.submit(case, "order", {"item": "desk", "ordered_on": "2026-04-02"}, CLERK),
    )
    case = at(clock, ber(2026, 4, 7, 12), lambda: timed.fire(case, trigger, CLERK))
    found = last(timed, case, "confirm_order", ber(2026, 4, 8))
    assert (found.status, found.met_by) == (status, met_by)


@pytest.mark.parametrize(
    ("acquired_at", "status", "due", "lateness"),
    [
        ("2026-03-01T21:15:00+08:00", "met", sh(2026, 3, 2, 21, 15), None),
        ("2026-02-28T09:00:00+08:00", "late", sh(2026, 3, 1, 9), timedelta(days=1, minutes=55)),
    ],
    ids=["recorded the next morning", "recorded two days later"],
)
def test_t1_a_lead_is_recorded_within_24_hours_of_acquisition(
    selling: Engine,
    clock: FixedClock,
    won: dict[str, Any],
    acquired_at: str,
    status: str,
    due: datetime,
    lateness: timedelta | None,
) -> None:
    case = at(clock, sh(2026, 3, 2, 9, 30), lambda: selling.start("sales", BD))
    assert [(o.status, o.due_at) for o in of(selling, case, "record_lead", sh(2026, 3, 2, 9, 30))] == [
        ("waiting", None)
    ]
    data = data_of(won, "lead_record", acquired_at=acquired_at)
    case = at(clock, sh(2026, 3, 2, 9, 55), lambda: selling.submit(case, "lead_record", data, BD))
    found = last(selling, case, "record_lead", sh(2026, 3, 5))
    assert (found.status, utc(found.due_at), found.met_by, found.lateness(sh(2026, 3, 5))) == (
        status,
        utc(due),
        "zhao_lei",
        lateness,
    )


@pytest.mark.parametrize(
    ("filed", "status", "lateness"),
    [(sh(2026, 10, 8, 10), "met", None), (sh(2026, 10, 8, 16), "late", timedelta(minutes=30))],
    ids=["filed the morning after the holiday", "filed after 15:30"],
)
def test_t6_one_working_day_from_a_signing_on_national_day(
    selling: Engine, clock: FixedClock, won: dict[str, Any], filed: datetime, status: str, lateness: timedelta | None
) -> None:
    case = play_until(selling, clock, won, "signing")
    data = data_of(won, "signed_contract", signed_at="2026-10-03T15:30:00+08:00")
    case = at(clock, filed, lambda: selling.submit(case, "signed_contract", data, AM))
    found = last(selling, case, "record_signed_contract", filed)
    assert (found.status, utc(found.due_at), utc(found.met_at), found.met_by) == (
        status,
        utc(sh(2026, 10, 8, 15, 30)),
        utc(filed),
        "li_na",
    )
    assert found.lateness(filed + timedelta(days=1)) == lateness


def test_t6_a_signing_visit_left_before_anything_was_signed_is_not_missed(
    selling: Engine, clock: FixedClock, won: dict[str, Any]
) -> None:
    case = play_until(selling, clock, won, "signing")
    case = selling.fire(case, "amend_contract", AM)  # a clause is questioned: back to legal, nothing signed
    case = selling.submit(case, "contract", data_of(won, "contract", amount=700000), LEGAL)
    case = selling.fire(case, "confirm_contract", AM)
    data = data_of(won, "signed_contract", signed_at="2026-10-03T15:30:00+08:00", amount=700000)
    case = at(clock, sh(2026, 10, 8, 10), lambda: selling.submit(case, "signed_contract", data, AM))
    first, second = of(selling, case, "record_signed_contract", sh(2026, 10, 9))
    assert (first.status, first.due_at) == ("waiting", None)
    assert (second.status, utc(second.due_at)) == ("met", utc(sh(2026, 10, 8, 15, 30)))


def surveying(engine: Engine, clock: FixedClock, won: dict[str, Any], accepted: datetime) -> Case:
    """A won deal accepted at `accepted`, now in the satisfaction survey (T8: 3 working days)."""
    case = play_until(engine, clock, won, "acceptance")
    report = data_of(won, "acceptance_report", accepted_at=accepted.isoformat())
    case = at(clock, accepted + timedelta(hours=1), lambda: engine.submit(case, "acceptance_report", report, AM))
    return engine.fire(case, "accept", AM)


@pytest.mark.parametrize(
    ("accepted", "due", "provisional"),
    [
        (sh(2026, 9, 29, 10), sh(2026, 10, 9, 10), False),
        (sh(2026, 9, 18, 16), sh(2026, 9, 22, 16), False),
        (sh(2026, 12, 30, 10), sh(2027, 1, 5, 10), True),
    ],
    ids=["across National Day", "over a make-up Sunday", "into 2027 (not yet published)"],
)
def test_t8_survey_is_due_three_working_days_after_acceptance(
    selling: Engine, clock: FixedClock, won: dict[str, Any], accepted: datetime, due: datetime, provisional: bool
) -> None:
    case = surveying(selling, clock, won, accepted)
    found = last(selling, case, "satisfaction_survey_3wd", accepted + timedelta(hours=2))
    assert (found.status, utc(found.due_at), found.provisional, found.owner) == (
        "open",
        utc(due),
        provisional,
        "account_manager",
    )


# --- lead time ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "starts_at",
    ["2026-04-07T09:59:00+02:00", "2026-04-06T12:00:00+02:00", "2026-04-07T07:59:00Z"],
    ids=["a minute short", "on Easter Monday", "a minute short, in UTC"],
)
def test_a_hard_lead_time_rule_refuses_naming_the_field_and_the_earliest_time_and_changes_nothing(
    timed: Engine, clock: FixedClock, starts_at: str
) -> None:
    # Recorded on Wednesday 1 April: Thursday is one working day, Good Friday and Easter Monday are holidays.
    case = timed_case(timed, clock, ber(2026, 4, 1, 10), "booking")
    due_before = timed.store.due(ber(2027, 1, 1))
    with pytest.raises(LeadTimeViolation) as refused:
        timed.submit(case, "booking", {"room": "A1", "starts_at": starts_at}, CLERK)
    error = refused.value
    assert isinstance(error, Refusal)
    assert (error.document, error.field, error.value, utc(error.earliest)) == (
        "booking",
        "starts_at",
        starts_at,
        utc(ber(2026, 4, 7, 10)),
    )
    assert "$.starts_at" in str(error) and "the earliest allowed is 2026-04-07T10:00+02:00" in str(error)
    assert timed.get(case.id) == case
    assert timed.store.due(ber(2027, 1, 1)) == due_before


def test_a_hard_lead_time_rule_accepts_the_earliest_allowed_time(timed: Engine, clock: FixedClock) -> None:
    case = timed_case(timed, clock, ber(2026, 4, 1, 10), "booking")
    case = timed.submit(case, "booking", {"room": "A1", "starts_at": "2026-04-07T10:00:00+02:00"}, CLERK)
    found = last(timed, case, "book_ahead", ber(2026, 4, 1, 10))
    assert (found.status, utc(found.due_at), found.met_by) == ("met", utc(ber(2026, 4, 7, 10)), "kim")
    assert [e.kind for e in case.history].count("breach") == 0


@pytest.mark.parametrize(
    ("meeting_at", "status", "breaches"),
    [("2026-03-05T14:00:00+08:00", "breach", 1), ("2026-03-06T09:20:00+08:00", "met", 0)],
    ids=["two days ahead (soft: accepted)", "exactly three days ahead"],
)
def test_t4_a_soft_lead_time_rule_accepts_and_records_a_breach(
    selling: Engine, clock: FixedClock, won: dict[str, Any], meeting_at: str, status: str, breaches: int
) -> None:
    seen: list[Event] = []
    selling.hooks.on("breach", lambda event, case: seen.append(event))
    case = play_until(selling, clock, won, "research_planning")
    plan = data_of(won, "research_plan", meeting_at=meeting_at)
    case = at(clock, sh(2026, 3, 3, 9, 20), lambda: selling.submit(case, "research_plan", plan, AM))
    assert case.latest("research_plan").data["meeting_at"] == meeting_at  # accepted either way
    recorded = [e for e in selling.get(case.id).history if e.kind == "breach"]
    assert len(recorded) == len(seen) == breaches
    if breaches:
        assert dict(recorded[0].data) == {
            "deadline": "book_research_meeting",
            "ref": "T4",
            "field": "meeting_at",
            "value": meeting_at,
            "earliest": "2026-03-06T09:20:00+08:00",
        }
    found = last(selling, case, "book_research_meeting", sh(2026, 3, 3, 10))
    assert (found.status, utc(found.due_at), found.met_by) == (status, utc(sh(2026, 3, 6, 9, 20)), "li_na")


# --- recurring ------------------------------------------------------------------------------------------


def periods(engine: Engine, case: Case, now: datetime) -> list[tuple[str, str, int | None]]:
    return [(o.key.split("#")[1], o.status, o.count) for o in of(engine, case, "reports", now)]


def report(engine: Engine, clock: FixedClock, case: Case, when: datetime) -> Case:
    return at(clock, when, lambda: engine.submit(case, "report", {"summary": f"at {when:%d %H:%M}"}, CLERK))


def test_recurring_periods_are_judged_as_they_end_and_the_partial_last_one_is_not(
    timed: Engine, clock: FixedClock
) -> None:
    case = timed_case(timed, clock, ber(2026, 5, 4, 9), "reporting")  # twice a day, from Monday 09:00
    assert periods(timed, case, ber(2026, 5, 4, 9, 30)) == [("1", "open", 0)]
    case = report(timed, clock, case, ber(2026, 5, 4, 10))
    case = report(timed, clock, case, ber(2026, 5, 4, 17))
    assert periods(timed, case, ber(2026, 5, 4, 18)) == [("1", "met", 2)]  # met before the period ends
    case = report(timed, clock, case, ber(2026, 5, 5, 12))
    assert periods(timed, case, ber(2026, 5, 5, 13)) == [("1", "met", 2), ("2", "open", 1)]
    case = report(timed, clock, case, ber(2026, 5, 6, 10))
    assert periods(timed, case, ber(2026, 5, 6, 10)) == [("1", "met", 2), ("2", "missed", 1), ("3", "open", 1)]
    case = report(timed, clock, case, ber(2026, 5, 6, 11))
    assert periods(timed, case, ber(2026, 5, 6, 12)) == [("1", "met", 2), ("2", "missed", 1), ("3", "met", 2)]
    case = at(clock, ber(2026, 5, 7, 8), lambda: timed.fire(case, "finish", CLERK))  # an hour before period 3 ends
    after = ber(2026, 6, 1)
    assert periods(timed, case, after) == [("1", "met", 2), ("2", "missed", 1)]  # the part-period is not judged
    ends = [utc(o.due_at) for o in of(timed, case, "reports", after)]
    assert ends == [utc(ber(2026, 5, d, 9)) for d in (5, 6)]


def test_daily_periods_keep_the_local_time_across_dst(timed: Engine, clock: FixedClock) -> None:
    case = timed_case(timed, clock, ber(2026, 3, 27, 9), "reporting")
    ends = [utc(o.due_at) for o in of(timed, case, "reports", ber(2026, 3, 30, 10))]
    assert ends == [utc(ber(2026, 3, d, 9)) for d in (28, 29, 30, 31)]


# --- overdue ------------------------------------------------------------------------------------------


def test_overdue_lists_only_past_due_open_obligations_earliest_first(timed: Engine, clock: FixedClock) -> None:
    timed_case(timed, clock, ber(2026, 5, 4, 8), case_id="b")
    timed_case(timed, clock, ber(2026, 5, 4, 9), case_id="a")
    answered = timed_case(timed, clock, ber(2026, 5, 4, 10), case_id="answered")
    at(clock, ber(2026, 5, 4, 11), lambda: timed.fire(answered, "answer", CLERK))
    timed_case(timed, clock, ber(2026, 5, 5, 8), case_id="not-yet-due")
    now = ber(2026, 5, 5, 9, 30)
    listed = [(o.case.id, o.obligation.deadline.id, o.obligation.status, o.lateness) for o in timed.overdue(now)]
    assert listed == [
        ("b", "answer_1d", "overdue", timedelta(hours=1, minutes=30)),
        ("b", "answer_24h", "overdue", timedelta(hours=1, minutes=30)),
        ("a", "answer_1d", "overdue", timedelta(minutes=30)),
        ("a", "answer_24h", "overdue", timedelta(minutes=30)),
    ]
    assert timed.overdue(ber(2026, 5, 5, 7, 59)) == []


def test_missed_periods_of_one_visit_are_one_entry(timed: Engine, clock: FixedClock) -> None:
    case = timed_case(timed, clock, ber(2026, 5, 4, 9), "reporting")
    case = report(timed, clock, case, ber(2026, 5, 5, 10))  # one of two in period 2
    [entry] = timed.overdue(ber(2026, 5, 7, 10))
    assert (entry.case.id, entry.obligation.key.split("#")[1], entry.obligation.status) == (case.id, "3", "missed")
    assert (entry.missed_periods, entry.lateness) == (3, timedelta(hours=1))


@pytest.mark.parametrize(
    ("reports_in_week_1", "missed"), [(0, 2), (1, 1)], ids=["silent from the start", "reported in week 1 only"]
)
def test_t7_a_silent_week_is_overdue_however_the_previous_week_went(
    selling: Engine, clock: FixedClock, won: dict[str, Any], reports_in_week_1: int, missed: int
) -> None:
    case = play_until(selling, clock, won, "delivery")
    entered = case.history[-1].at
    clock.set(entered + timedelta(days=2))
    for _ in range(reports_in_week_1):
        case = selling.submit(case, "progress_report", data_of(won, "progress_report"), IMPLEMENTER)
    now = entered + timedelta(days=15)
    listed = [(o.case.id, o.obligation.deadline.ref, o.missed_periods) for o in selling.overdue(now)]
    assert listed == [(case.id, "T7", missed)]


def test_overdue_reads_the_due_index_and_never_scans_the_cases(
    timed: Engine, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    late = timed_case(timed, clock, ber(2026, 5, 4, 9))
    for n in range(5):
        timed_case(timed, clock, ber(2026, 5, 4, 9), "reporting" if n % 2 else "booking")

    def scan(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("overdue and tick must not scan every case")

    monkeypatch.setattr(timed.store, "cases", scan)
    assert {o.case.id for o in timed.overdue(ber(2026, 5, 5, 10))} >= {late.id}
    # 12:00 is three hours past due: the reminder (07:00) is stale and skipped, the first escalation (10:00) is due.
    assert [(e.kind, e.data["rule"]) for e in timed.tick(ber(2026, 5, 5, 12)) if e.case_id == late.id] == [
        ("escalated", 0)
    ]


# --- tick: reminders and escalations --------------------------------------------------------------------

Tick = tuple[datetime, list[tuple[str, int, str, str]]]


def run_ticks(engine: Engine, case: Case, ticks: list[Tick]) -> list[tuple[str, int, str, str]]:
    """Tick at each time (twice: the second records nothing); returns what the hooks saw."""
    heard: list[tuple[str, int, str, str]] = []

    def hook(event: Event, seen: Case) -> None:
        assert event in seen.history  # a failure here lands in engine.hooks.failures
        heard.append((event.kind, event.data["rule"], event.data["notify"], event.data["action"]))

    engine.hooks.on("reminded", hook)
    engine.hooks.on("escalated", hook)
    for when, expected in ticks:
        fired = [e for e in engine.tick(when) if e.kind in ("reminded", "escalated")]  # not the reassignments
        assert [(e.kind, e.data["rule"], e.data["notify"], e.data["action"]) for e in fired] == expected, when
        assert all(e.case_id == case.id and e.at == when for e in fired)
        assert engine.tick(when) == []
    assert engine.hooks.failures == []
    alerts = [e for e in engine.get(case.id).history if e.kind in ("reminded", "escalated")]
    assert len(alerts) == sum(len(expected) for _, expected in ticks)
    return heard


def test_t2_tick_reminds_then_escalates_each_once_and_runs_the_hooks(
    selling: Engine, clock: FixedClock, won: dict[str, Any]
) -> None:
    case = play_until(selling, clock, won, "first_contact")  # entered Monday 10:10: due Wednesday 10:10
    ticks: list[Tick] = [
        (sh(2026, 3, 4, 2, 9), []),
        (sh(2026, 3, 4, 2, 10), [("reminded", 0, "bd_specialist", "remind")]),
        (sh(2026, 3, 4, 10, 30), []),
        (sh(2026, 3, 4, 14, 10), [("escalated", 0, "sales_manager", "notify")]),
        (sh(2026, 3, 5, 10, 10), [("escalated", 1, "sales_manager", "reassign")]),
    ]
    heard = run_ticks(selling, case, ticks)
    assert heard == [alert for _, expected in ticks for alert in expected]
    moved = selling.get(case.id).history[-1]  # 'action: reassign': another BD specialist, by the rule
    assert (moved.kind, moved.data["from"], moved.data["person"]) == ("reassigned", "zhao_lei", "zheng_xiao")
    reminder = next(e for e in selling.get(case.id).history if e.kind == "reminded")
    assert (reminder.data["ref"], reminder.data["due_at"]) == ("T2", "2026-03-04T10:10:00+08:00")


def test_t8_reminds_a_working_day_ahead_and_escalates_on_a_make_up_saturday(
    selling: Engine, clock: FixedClock, won: dict[str, Any]
) -> None:
    case = surveying(selling, clock, won, sh(2026, 9, 29, 10))  # due Friday 9 October 10:00
    run_ticks(
        selling,
        case,
        [
            (sh(2026, 10, 8, 9), []),
            (sh(2026, 10, 8, 10, 30), [("reminded", 0, "account_manager", "remind")]),
            (sh(2026, 10, 9, 11), []),
            (sh(2026, 10, 10, 9, 59), []),
            (sh(2026, 10, 10, 10), [("escalated", 0, "sales_supervisor", "notify")]),
        ],
    )
    [entry] = selling.overdue(sh(2026, 10, 9, 11))
    assert (entry.obligation.deadline.ref, entry.lateness) == ("T8", timedelta(hours=1))


def test_a_late_first_tick_escalates_skips_the_stale_reminder_and_leaves_nothing_pending(
    selling: Engine, clock: FixedClock, won: dict[str, Any]
) -> None:
    case = play_until(selling, clock, won, "first_contact")
    now = sh(2026, 3, 5, 11)
    fired = selling.tick(now)
    assert [(e.kind, e.data["rule"]) for e in fired if e.kind == "escalated"] == [("escalated", 0), ("escalated", 1)]
    assert fired[-1].kind == "reassigned"  # what the second escalation's action asks for
    assert [o.case.id for o in selling.overdue(now)] == [case.id]  # still overdue...
    assert [i.key for i in selling.store.due(sh(2027, 1, 1), alerts=True)] == []  # ...with no alert left to act on


def test_tick_escalates_every_missed_period_once_from_a_due_row_written_days_before(
    timed: Engine, clock: FixedClock
) -> None:
    case = timed_case(timed, clock, ber(2026, 5, 4, 9), "reporting")  # the due row names period 1 only
    fired = timed.tick(ber(2026, 5, 7, 12))
    assert [(e.kind, e.data["key"].split("#")[1]) for e in fired] == [
        ("escalated", "1"),
        ("escalated", "2"),
        ("escalated", "3"),
    ]
    assert timed.tick(ber(2026, 5, 7, 12)) == []
    assert [e.data["key"].split("#")[1] for e in timed.tick(ber(2026, 5, 8, 11))] == ["4"]
    assert len([e for e in timed.get(case.id).history if e.kind == "escalated"]) == 4


# --- the demo's store, a week into October ------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory, sales: ProcessDefinition) -> tuple[str, dict[str, Case]]:
    """The four deal scenarios run into one SQLite store, as `procflow demo` does; their last cases by name."""
    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}"
    store = open_store(url)
    clock = FixedClock(datetime(2026, 3, 2, tzinfo=UTC))
    engine = Engine(store, clock=clock)
    engine.register(sales)
    cases = {}
    for name in DEMO_ORDER:
        result = run_scenario(read_scenario(SCENARIO_DIR / name), engine, clock, "sales")
        assert result.failures == [] and result.case is not None
        cases[Path(name).stem] = result.case
    store.close()
    return url, cases


def overdue_cli(url: str, *extra: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    assert main(["overdue", "--now", "2026-10-08T09:00+08:00", "--db", url, *extra], out, err) == 0, err.getvalue()
    return out.getvalue()


def test_acceptance_after_the_demo_only_the_reactivated_lead_is_overdue(
    demo_store: tuple[str, dict[str, Case]],
) -> None:
    url, cases = demo_store
    assert {name: case.state for name, case in cases.items()} == {
        "won": "renewed",
        "nurture": "research_planning",
        "review_rejected": "presentation",
        "lost": "lost",
        "lost_in_development": "lost",
    }
    # The nurture lead was handed over on Thursday 2 April 15:00 and nobody has touched the customer since:
    # T5 asks for a touch every week, so by 8 October 26 whole weeks are missed (the 27th ends at 15:00).
    rows = json.loads(overdue_cli(url, "--json"))
    keys = ("case", "state", "owner", "ref", "status", "due_at", "missed_periods", "late_by_seconds")
    assert [{k: row[k] for k in keys} for row in rows] == [
        {
            "case": cases["nurture"].id,
            "state": "research_planning",
            "owner": "account_manager",
            "ref": "T5",
            "status": "missed",
            "due_at": "2026-10-01T15:00+08:00",
            "missed_periods": 26,
            "late_by_seconds": int(timedelta(days=6, hours=18).total_seconds()),
        }
    ]


def test_the_overdue_listing_says_how_late_a_grouped_recurring_miss_is(demo_store: tuple[str, dict[str, Case]]) -> None:
    url, cases = demo_store
    [line] = overdue_cli(url, "--lang", "en").splitlines()
    assert line.startswith(cases["nurture"].id)
    assert "T5" in line and "(26 periods missed)" in line
    assert "late 6d 18h" in line
    [line] = overdue_cli(url).splitlines()  # the sales process's own language
    assert "T5    未完成" in line and "逾期 6天 18小时（错过 26 个周期）" in line
