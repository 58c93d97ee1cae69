"""`transitions` decides moves: flat ones, moves into, inside and out of parallel regions, and their refusals."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path
from typing import Any

import pytest

from procflow import Actor, Engine, ProcessDefinition, load
from procflow.definition.loader import check
from procflow.errors import (
    ConflictError,
    DocumentsMissing,
    GuardFailed,
    RegionsNotDone,
    RoleNotAllowed,
    TriggerNotAvailable,
)
from procflow.fold import replay
from procflow.records import Case
from procflow.runtime import machine as machine_module
from procflow.runtime.compiled import CompiledProcess, IndexDisagrees, check_index
from procflow.runtime.gates import CompiledTransition
from tests.conftest import ROOT, line_of, seat

PARALLEL = ROOT / "tests" / "fixtures" / "parallel" / "processes" / "parallel.yaml"
CLERK, WAREHOUSE, FINANCE = Actor("cleo", "clerk"), Actor("wes", "warehouse"), Actor("fay", "finance")


@pytest.fixture
def engine(engine: Engine) -> Engine:
    """The shared engine, with this file's cast seated: cleo the clerk, wes in the warehouse, fay in finance."""
    return seat(engine, CLERK, WAREHOUSE, FINANCE)


@pytest.fixture(scope="module")
def parallel() -> ProcessDefinition:
    return load(PARALLEL)


@pytest.fixture
def placed(engine: Engine, parallel: ProcessDefinition) -> Case:
    """An order placed: the case is in `fulfilment`, with goods at `picking` and payment at `invoicing`."""
    case = engine.start(parallel, CLERK)
    case = engine.submit(case, "order", {"text": "ten chairs"}, CLERK)
    return engine.fire(case, "place", CLERK)


def test_entering_a_state_with_regions_starts_each_region_at_its_initial_state(placed: Case) -> None:
    assert placed.state == "fulfilment"
    assert placed.configuration == ("picking", "invoicing")
    assert dict(placed.leaves) == {"picking": 3, "invoicing": 3}
    assert placed.history[-1].data == {"state": "fulfilment", "active": ["picking", "invoicing"]}


def test_a_move_in_one_region_leaves_the_other_where_it_is(engine: Engine, placed: Case) -> None:
    case = engine.fire(placed, "ship", WAREHOUSE)
    assert case.configuration == ("shipped", "invoicing")
    assert dict(case.leaves) == {"shipped": 4, "invoicing": 3}  # the payment clock did not restart
    event = case.history[-1]
    assert (event.source, event.dest) == ("picking", "shipped")
    back = engine.fire(case, "recall", WAREHOUSE)
    assert back.configuration == ("picking", "invoicing") and back.leaves["picking"] == 5


def _finish_both(engine: Engine, case: Case) -> Case:
    """From goods shipped: deliver them, invoice and settle."""
    case = engine.submit(case, "receipt", {"text": "all there"}, WAREHOUSE)
    case = engine.fire(case, "deliver", WAREHOUSE)
    case = engine.submit(case, "invoice", {"text": "INV-1", "amount": 120}, FINANCE)
    return engine.fire(case, "settle", FINANCE)


def test_the_state_is_left_only_when_every_joined_region_is_done(engine: Engine, placed: Case) -> None:
    case = engine.fire(placed, "ship", WAREHOUSE)
    with pytest.raises(RegionsNotDone) as refused:
        engine.fire(case, "close", CLERK)
    assert refused.value.waiting == ("goods", "payment")
    assert engine.get(case.id).version == case.version  # nothing stored
    done = _finish_both(engine, case)
    assert done.configuration == ("delivered", "paid")
    closed = engine.fire(done, "close", CLERK)
    assert closed.state == "closed" and closed.leaves == {} and closed.configuration == ("closed",)


def test_an_interrupting_move_leaves_at_once_from_inside_the_regions(engine: Engine, placed: Case) -> None:
    case = engine.fire(placed, "ship", WAREHOUSE)
    cancelled = engine.fire(case, "cancel", CLERK)
    assert cancelled.state == "cancelled" and cancelled.leaves == {}
    assert cancelled.history[-1].source == "fulfilment"


def test_refusals_inside_a_region_come_in_the_documented_order(engine: Engine, placed: Case) -> None:
    with pytest.raises(RoleNotAllowed):
        engine.fire(placed, "settle", WAREHOUSE)
    with pytest.raises(DocumentsMissing, match="invoice"):
        engine.fire(placed, "settle", FINANCE)
    case = engine.submit(placed, "invoice", {"text": "INV-0", "amount": 0}, FINANCE)
    with pytest.raises(GuardFailed):
        engine.fire(case, "settle", FINANCE)
    with pytest.raises(TriggerNotAvailable, match=r"fulfilment \(picking, invoicing\)"):
        engine.fire(case, "place", CLERK)
    with pytest.raises(TriggerNotAvailable):
        engine.fire(case, "deliver", WAREHOUSE)  # in the goods region, but not from picking


def test_fresh_requirements_count_from_entering_the_region_state(engine: Engine, placed: Case) -> None:
    early = engine.submit(placed, "invoice", {"text": "INV-1", "amount": 5}, FINANCE)
    moved = engine.fire(early, "settle", FINANCE)  # submitted after invoicing was entered: fresh
    assert moved.configuration == ("picking", "paid")


def test_available_lists_every_region_and_the_enclosing_state(engine: Engine, placed: Case) -> None:
    options = {o.trigger: o for o in engine.available(placed, CLERK)}
    assert list(options) == ["ship", "settle", "close", "cancel"]
    assert options["ship"].source == "picking" and options["close"].source == "fulfilment"
    assert not options["close"].allowed and "still working: goods, payment" in options["close"].reasons[0]
    assert options["cancel"].allowed


def test_replay_rebuilds_the_configuration_from_the_events(engine: Engine, placed: Case) -> None:
    case = engine.fire(placed, "ship", WAREHOUSE)
    again = replay(list(engine.get(case.id).history))
    assert again.configuration == case.configuration and again.leaves == case.leaves


def test_each_region_keeps_its_own_deadline_clock(engine: Engine, placed: Case) -> None:
    case = engine.fire(placed, "ship", WAREHOUSE)
    status = {o.deadline.id: o for o in engine.deadlines(case)}
    assert status["pick_in_2d"].status == "met"  # left picking: met
    assert status["invoice_in_1wd"].status == "open" and status["invoice_in_1wd"].scope == "state:invoicing"


def test_racing_moves_in_one_region_one_wins(engine: Engine, placed: Case) -> None:
    results: list[Any] = []

    def ship() -> None:
        try:
            results.append(engine.fire(placed, "ship", WAREHOUSE))
        except ConflictError as exc:
            results.append(exc)

    threads = [threading.Thread(target=ship) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(type(r).__name__ for r in results) == ["Case", "ConflictError"]
    assert engine.get(placed.id).version == placed.version + 1


# --- the machine, not a table, decides -----------------------------------------------------------


def test_the_configuration_comes_from_transitions(
    engine: Engine, placed: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the call into `transitions` replaced by a lookup of the move's destination, the case would enter
    `fulfilment` with no regions running and `close` would pass its join: both are the machine's doing."""
    calls: list[str] = []
    original = machine_module._machine_class().trigger_event

    def spy(self: Any, model: Any, trigger: str, *args: Any, **kwargs: Any) -> Any:
        calls.append(trigger)
        return original(self, model, trigger, *args, **kwargs)

    monkeypatch.setattr(machine_module._machine_class(), "trigger_event", spy)
    engine.fire(placed, "ship", WAREHOUSE)
    assert calls == ["ship"]


def test_conditions_reach_transitions_as_callables_never_strings(parallel: ProcessDefinition) -> None:
    compiled = CompiledProcess.compile(parallel)
    inner = compiled.machine._machine
    conditions = [
        c.func for event in inner.events.values() for ts in event.transitions.values() for t in ts for c in t.conditions
    ]
    assert conditions and all(callable(f) and not isinstance(f, str) for f in conditions)


def test_the_index_for_available_is_checked_against_the_machine(parallel: ProcessDefinition) -> None:
    compiled = CompiledProcess.compile(parallel)
    tampered = {state: dict(moves) for state, moves in compiled.moves.items()}
    tampered["picking"]["deliver"] = tampered["shipped"].pop("deliver")
    with pytest.raises(IndexDisagrees, match="picking"):
        check_index(parallel, tampered, compiled.machine)
    wrong_dest = {state: dict(moves) for state, moves in compiled.moves.items()}
    move = wrong_dest["draft"]["place"]
    wrong_dest["draft"]["place"] = CompiledTransition(
        move.transition.__class__(**{**move.transition.__dict__, "dest": "closed"}), "draft", (), None, frozenset()
    )
    with pytest.raises(IndexDisagrees, match="'place' from 'draft'"):
        check_index(parallel, wrong_dest, compiled.machine)


@pytest.mark.parametrize(
    ("old", "new", "phrase"),
    [
        ("trigger: ship,", "trigger: state,", "trigger 'state': 'state' is a name the state-machine library uses"),
        ("trigger: ship,", "trigger: to_ship,", "names starting with 'to_'"),
        ("trigger: ship,", "trigger: may_ship,", "names starting with 'may_'"),
        ("  closed: {stage", "  machine: {stage", "state 'machine': 'machine' is a name the state-machine library"),
    ],
    ids=["state", "to_", "may_", "machine"],
)
def test_names_transitions_uses_on_models_are_refused_at_load(tmp_path: Path, old: str, new: str, phrase: str) -> None:
    path = _copy(tmp_path, old, new)
    if "machine:" in new:  # keep the file otherwise valid: its moves now go to 'machine'
        path.write_text(path.read_text("utf-8").replace("to: closed", "to: machine"), "utf-8")
    problems = [p for p in check(path).errors if phrase in p.message]
    assert len(problems) == 1, check(path).errors
    assert problems[0].line == line_of(path, new.strip())


def _copy(tmp_path: Path, old: str, new: str) -> Path:
    shutil.copytree(PARALLEL.parent.parent, tmp_path / "parallel")
    path = tmp_path / "parallel" / "processes" / "parallel.yaml"
    text = path.read_text("utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), "utf-8")
    return path


# --- every reader of state follows the configuration ------------------------------------------------


def test_list_by_a_region_state_finds_the_cases_standing_there(engine: Engine, placed: Case) -> None:
    other = engine.fire(engine.submit(engine.start("parallel", CLERK), "order", {"text": "b"}, CLERK), "place", CLERK)
    shipped = engine.fire(placed, "ship", WAREHOUSE)
    assert engine.cases("parallel", state="shipped") == [shipped.id]
    assert engine.cases("parallel", state="picking") == [other.id]
    assert sorted(engine.cases("parallel", state="fulfilment")) == sorted([shipped.id, other.id])


def test_migration_check_refuses_a_case_in_a_region_state_the_target_lacks(
    engine: Engine, placed: Case, tmp_path: Path
) -> None:
    renamed = _copy(tmp_path, "shipped: {title: Shipped", "sent: {title: Shipped")
    renamed.write_text(
        renamed.read_text("utf-8").replace("to: shipped", "to: sent").replace("from: shipped", "from: sent"), "utf-8"
    )
    target = engine.register(load(renamed))
    case = engine.fire(placed, "ship", WAREHOUSE)
    report = engine.check_migration(case, target.content_hash)
    assert report.problems == ("it is in region state 'shipped', which the target version lacks (or holds elsewhere)",)
    assert engine.check_migration(placed, target.content_hash).safe  # at picking: still there


def test_diff_names_regions_added_removed_and_joined_differently(parallel: ProcessDefinition, tmp_path: Path) -> None:
    from procflow.diff import compare

    narrower = load(
        _copy(tmp_path, "    owner: clerk\n    regions:", "    owner: clerk\n    join: [goods]\n    regions:")
    )
    [change] = [c for c in compare(parallel, narrower) if c.id == "fulfilment"]
    assert change.details == ("joins goods, payment → goods",)


def test_the_handbook_shows_regions_side_by_side(parallel: ProcessDefinition) -> None:
    from procflow.handbook import build

    page = build(parallel, lang="en")
    assert "Runs side by side" in page and "Goods (Picking → Shipped → Delivered)" in page
    assert "In region: Fulfilment ▸ Payment" in page


def test_migrating_into_a_version_with_a_new_region_starts_it_at_its_initial_state(
    engine: Engine, tmp_path: Path
) -> None:
    text = PARALLEL.read_text("utf-8")
    start, end = text.index("      payment:\n"), text.index("  closed: {stage")
    settle, after = text.index("  - trigger: settle\n"), text.index("  - {trigger: close,")
    old_path = tmp_path / "old" / "processes" / "parallel.yaml"
    shutil.copytree(PARALLEL.parent.parent, tmp_path / "old")
    old_path.write_text(text[:start] + text[end:settle] + text[after:], "utf-8")
    old = engine.register(load(old_path))
    case = engine.fire(engine.submit(engine.start(old, CLERK), "order", {"text": "x"}, CLERK), "place", CLERK)
    case = engine.fire(case, "ship", WAREHOUSE)
    assert case.configuration == ("shipped",)
    new = engine.register(load(PARALLEL))
    report = engine.check_migration(case, new.content_hash)
    assert report.problems == ("region 'payment' is new in the target version; it would start at 'invoicing'",)
    moved = engine.migrate(case, new.content_hash, CLERK, force=True)
    assert moved.configuration == ("shipped", "invoicing") and moved.leaves["shipped"] == case.leaves["shipped"]
    assert {o.deadline.id: o.status for o in engine.deadlines(moved)}["invoice_in_1wd"] == "open"
    settled = engine.submit(moved, "invoice", {"text": "INV", "amount": 1}, FINANCE)
    assert engine.fire(settled, "settle", FINANCE).configuration == ("shipped", "paid")


def test_overdue_lists_each_region_clock_with_its_owner(engine: Engine, placed: Case) -> None:
    from datetime import timedelta

    later = placed.updated_at + timedelta(days=10)
    late = {(item.obligation.deadline.id, item.obligation.owner) for item in engine.overdue(later)}
    assert late == {("pick_in_2d", "warehouse"), ("invoice_in_1wd", "finance")}
    shipped = engine.fire(placed, "ship", WAREHOUSE)
    assert {item.obligation.deadline.id for item in engine.overdue(later)} == {"invoice_in_1wd"}
    assert shipped.state == "fulfilment"
