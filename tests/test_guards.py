"""Guards that say what they need: `now`, working days, `or` branches, the values that failed, instants."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from procflow import Actor, Engine, FixedClock, load
from procflow.calendars import official
from procflow.errors import DocumentsMissing, GuardFailed
from procflow.expressions import CALENDAR_KEY, Expression
from procflow.guards import explain, instants, needed_documents
from tests.conftest import ROOT, seat

PARALLEL = ROOT / "tests" / "fixtures" / "parallel" / "processes" / "parallel.yaml"
CLERK, WAREHOUSE, FINANCE = Actor("cleo", "clerk"), Actor("wes", "warehouse"), Actor("fay", "finance")
SETTLE_GUARD = "    guard: documents.invoice.amount > 0\n"


@pytest.mark.parametrize(
    ("guard", "needed"),
    [
        ("documents.a.x or documents.b.y", set()),
        ("documents.a.x and (documents.b.y or documents.c.z)", {"a"}),
        ("documents.a.x and documents.b.y", {"a", "b"}),
        ("documents.a.x is defined and documents.a.x > 1", {"a"}),
        ("documents.a.x is defined or documents.b.y", set()),
        ("(documents.a.x or documents.b.y) and documents.a.z", {"a"}),
        ("documents.a.x if documents.c.t else documents.a.y", {"a", "c"}),
        ("not documents.d.x", {"d"}),
    ],
)
def test_a_document_read_in_one_branch_of_or_is_not_needed_for_the_other(guard: str, needed: set[str]) -> None:
    assert needed_documents(guard) == needed


def test_instants_compare_as_instants_not_as_text() -> None:
    data = instants({"a": "2026-10-20T01:30:00Z", "b": "2026-10-20T09:30:00+08:00", "d": "2026-10-20", "n": 3})
    assert Expression("documents.x.a == documents.x.b").holds({"documents": {"x": data}})
    assert data["d"] == "2026-10-20" and data["n"] == 3  # dates and numbers stay what they are


@given(st.datetimes(timezones=st.just(UTC)), st.integers(-14 * 60, 14 * 60))
def test_any_instant_equals_itself_in_another_offset(at: datetime, minutes: int) -> None:
    elsewhere = at.astimezone(timezone(timedelta(minutes=minutes)))
    view = instants({"a": at.isoformat().replace("+00:00", "Z"), "b": elsewhere.isoformat()})
    assert isinstance(view["a"], datetime) and view["a"] == view["b"]


def test_working_days_between_two_instants_follow_the_official_calendar() -> None:
    calendar = official("CN", "Asia/Shanghai")
    context = {CALENDAR_KEY: calendar, "now": datetime(2026, 10, 9, 2, tzinfo=UTC)}
    # signed 30 September; 1–7 October are holidays, so 8 and 9 October are the first working days after it
    expression = Expression("'2026-09-30T16:00:00+08:00' | working_days_to(now)")
    assert expression.evaluate(context) == 2
    assert Expression("now | working_days_to('2026-09-30T16:00:00+08:00')").evaluate(context) == -2


def test_a_refused_guard_names_the_values_that_made_it_false() -> None:
    context = {"documents": {"go_no_go": {"score": 40, "grade": "C"}}}
    assert explain("documents.go_no_go.score >= 60", context) == ("documents.go_no_go.score was 40, needs >= 60",)
    assert explain("documents.go_no_go.grade in ['A', 'B'] and documents.go_no_go.score > 1", context) == (
        "documents.go_no_go.grade was 'C', needs in ['A', 'B']",
    )
    assert explain("documents.go_no_go.score | abs > 100", context) == ("documents.go_no_go.score was 40",)


def _with_guard(tmp_path: Path, guard: str) -> Path:
    shutil.copytree(PARALLEL.parent.parent, tmp_path / "parallel")
    path = tmp_path / "parallel" / "processes" / "parallel.yaml"
    path.write_text(path.read_text("utf-8").replace(SETTLE_GUARD, f'    guard: "{guard}"\n'), "utf-8")
    return path


@pytest.fixture
def invoicing(tmp_path: Path) -> tuple[Engine, str]:
    """An order in fulfilment whose settle guard reads the receipt only when the invoice is small."""
    path = _with_guard(tmp_path, "documents.invoice.amount >= 60 or documents.receipt.text == 'waived'")
    engine = seat(Engine(clock=FixedClock(datetime(2026, 3, 2, 1, 0, tzinfo=UTC))), CLERK, WAREHOUSE, FINANCE)
    case = engine.start(load(path), CLERK)
    case = engine.fire(engine.submit(case, "order", {"text": "chairs"}, CLERK), "place", CLERK)
    return engine, case.id


def test_the_other_branch_of_or_does_not_need_the_document(invoicing: tuple[Engine, str]) -> None:
    engine, case_id = invoicing
    engine.submit(case_id, "invoice", {"text": "INV-1", "amount": 70}, FINANCE)
    assert engine.fire(case_id, "settle", FINANCE).configuration == ("picking", "paid")  # no receipt needed


def test_the_branch_that_reads_a_missing_document_reports_it_missing(invoicing: tuple[Engine, str]) -> None:
    engine, case_id = invoicing
    engine.submit(case_id, "invoice", {"text": "INV-1", "amount": 40}, FINANCE)
    with pytest.raises(DocumentsMissing, match=r"receipt \(read by the condition; not submitted\)"):
        engine.fire(case_id, "settle", FINANCE)
    engine.submit(case_id, "receipt", {"text": "all there"}, WAREHOUSE)
    with pytest.raises(GuardFailed) as refused:
        engine.fire(case_id, "settle", FINANCE)
    assert refused.value.values == (
        "documents.invoice.amount was 40, needs >= 60",
        "documents.receipt.text was 'all there', needs == 'waived'",
    )
    assert "documents.invoice.amount was 40, needs >= 60" in refused.value.message


def test_now_is_the_clock_in_the_process_time_zone(tmp_path: Path) -> None:
    path = _with_guard(tmp_path, "now < documents.invoice.text")  # the invoice text carries its closing time
    clock = FixedClock(datetime(2026, 3, 2, 1, 0, tzinfo=UTC))  # 09:00 in Shanghai
    engine = seat(Engine(clock=clock), CLERK, WAREHOUSE, FINANCE)
    case = engine.start(load(path), CLERK)
    case = engine.fire(engine.submit(case, "order", {"text": "x"}, CLERK), "place", CLERK)
    case = engine.submit(case, "invoice", {"text": "2026-03-02T09:30:00+08:00", "amount": 1}, FINANCE)
    [settle] = [o for o in engine.available(case, FINANCE) if o.trigger == "settle"]
    assert settle.allowed
    clock.set(datetime(2026, 3, 2, 2, 0, tzinfo=UTC))  # 10:00 in Shanghai: past the closing time
    with pytest.raises(GuardFailed, match=r"now was 2026-03-02T10:00:00\+08:00, needs < documents.invoice.text"):
        engine.fire(case, "settle", FINANCE)
