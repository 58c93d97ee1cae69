"""Every scenario kept beside a process runs as agreed; a process change that breaks one fails here."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from procflow import DefinitionError, Engine, FixedClock, load
from procflow.cli import main
from procflow.scenario import read_scenario, run_scenario
from procflow.store import Store
from procflow.store.memory import MemoryStore
from tests.conftest import PROCESSES

SCENARIOS = sorted(PROCESSES.glob("*/scenarios/*.yaml"))


def play(process: Path, scenario: Path) -> list[str]:
    clock = FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
    engine = Engine(MemoryStore(), clock=clock)
    definition = engine.register(load(process))
    return run_scenario(read_scenario(scenario), engine, clock, definition.id).failures


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[f"{p.parent.parent.name}/{p.stem}" for p in SCENARIOS])
def test_scenario_runs_as_agreed(scenario: Path) -> None:
    process = PROCESSES / f"{scenario.parent.parent.name}.yaml"
    assert play(process, scenario) == []


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[f"{p.parent.parent.name}/{p.stem}" for p in SCENARIOS])
def test_scenario_runs_on_every_store(scenario: Path, store: Store) -> None:
    """The same scenarios on SQLite and PostgreSQL: regions, sign-offs and guards behave alike everywhere."""
    if isinstance(store, MemoryStore):
        pytest.skip("the memory store runs every scenario above")
    clock = FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
    engine = Engine(store, clock=clock)
    definition = engine.register(load(PROCESSES / f"{scenario.parent.parent.name}.yaml"))
    assert run_scenario(read_scenario(scenario), engine, clock, definition.id).failures == []


def test_the_purchase_process_ships_regions_a_quorum_and_a_cancellation_inside_the_regions() -> None:
    names = {p.stem for p in SCENARIOS if p.parent.parent.name == "purchase"}
    assert names == {"approved_and_closed", "cancelled_in_fulfilment", "declined_then_approved"}


def test_the_sales_process_ships_its_main_paths() -> None:
    names = {p.stem for p in SCENARIOS if p.parent.parent.name == "sales"}
    assert {"won", "nurture", "review_rejected", "lost"} <= names


def test_a_broken_process_change_fails_a_scenario(edit: Callable[[str, str, str], Path], tree: Path) -> None:
    # A process owner swaps the outcomes of the S3.2 sign-off by mistake: approval now sends the solution back.
    path = edit(
        "processes/sales.yaml",
        "      on_approve: approve_solution\n      on_reject: reject_solution\n",
        "      on_approve: reject_solution\n      on_reject: approve_solution\n",
    )
    failures = play(path, PROCESSES / "sales" / "scenarios" / "won.yaml")
    assert any("sign approve" in f and "expected state 'presentation', found 'solution_design'" in f for f in failures)


def test_a_malformed_scenario_is_reported_with_its_location(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("scenario: x\ntitle: t\nstart: yesterday\nsteps:\n  - fire: go\n    as: a:B\n")
    with pytest.raises(DefinitionError) as info:
        read_scenario(bad)
    text = str(info.value)
    assert "bad.yaml:3:8" in text and "'yesterday' is not a 'date-time'" in text
    assert "bad.yaml:6:9" in text


def test_the_demo_walks_the_whole_procedure_and_writes_chinese_documents(tmp_path: Path) -> None:
    out = io.StringIO()
    code = main(
        ["demo", "--db", f"sqlite:///{tmp_path / 'demo.db'}", "--out", str(tmp_path / "docs")], out, io.StringIO()
    )
    text = out.getvalue()
    assert code == 0, text
    assert "demo finished: every step as expected" in text
    assert "state → renewed" in text and "state → nurture" in text and "state → lost" in text
    assert "reassigned: work → zheng_xiao" in text and "sun_mei acts as bd_specialist on cover #" in text
    hint = next(line for line in text.splitlines() if line.startswith("work left open"))
    person = hint.split("--as ")[1].split()[0]
    inbox = io.StringIO()
    assert main(["inbox", "--as", person, "--db", f"sqlite:///{tmp_path / 'demo.db'}"], inbox, io.StringIO()) == 0
    assert " due 2026-" in inbox.getvalue()  # real work, with its due time
    contract = (tmp_path / "docs" / "won" / "contract.md").read_text("utf-8")
    assert "合同" in contract and "sales 1.0" in contract
    assert (tmp_path / "docs" / "review_rejected" / "review_record.v1.html").is_file()
    assert "<!DOCTYPE html>" in (tmp_path / "docs" / "won" / "customer_profile.html").read_text("utf-8")
