"""Backtests: the demo store's histories replayed under a changed sales process."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from procflow import Engine, FixedClock, load, open_store
from procflow.cli.main import main
from procflow.scenario import read_scenario, run_scenario
from tests.conftest import PROCESSES

NOW = "2026-12-01T00:00:00+00:00"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """`procflow demo` on a fresh store, plus one won deal whose first contact took 30 hours (T2 met at 48 h).

    Returns (store URL, that case's id)."""
    folder = tmp_path_factory.mktemp("demo")
    url = f"sqlite:///{folder / 'demo.db'}"
    code, _, _ = run("demo", "--db", url, "--out", str(folder / "out"), "--process", str(PROCESSES / "sales.yaml"))
    assert code == 0
    scenario = read_scenario(PROCESSES / "sales" / "scenarios" / "won.yaml")
    contact = next(i for i, s in enumerate(scenario["steps"]) if s.get("submit") == "contact_record")
    scenario["steps"][contact]["after"] = "30h"
    clock = FixedClock(datetime.fromisoformat(scenario["start"]))
    engine = Engine(open_store(url), clock=clock)
    result = run_scenario(scenario, engine, clock, "sales")
    assert result.case is not None and result.case.state == "renewed"
    return url, result.case.id


def test_tightening_t2_to_24_hours_reports_the_deadlines_that_flip(
    demo_store: tuple[str, str], edit: Callable[[str, str, str], Path]
) -> None:
    url, slow = demo_store
    proposed = edit(
        "processes/sales.yaml",
        "        within: 48 hours\n        met_by: leave",
        "        within: 24 hours\n        met_by: leave",
    )
    code, out, _ = run("backtest", str(proposed), "--db", url, "--now", NOW, "--format", "json")
    assert code == 0
    report = json.loads(out)
    stored = list(open_store(url).cases(process_id="sales"))
    assert report["cases"] == len(stored) and report["refused"] == []
    assert [(f["case"], f["deadline"], f["old"], f["new"]) for f in report["flips"]] == [(slow, "T2", "met", "late")]
    assert report["flips"][0]["new_due"] < report["flips"][0]["old_due"]
    code, out, _ = run("backtest", str(proposed), "--db", url, "--now", NOW, "--format", "md")
    assert "**1** deadline outcome(s) flip: 1 met → missed" in out and f"| {slow} | T2 #1 | met | late |" in out
    code, out, _ = run("backtest", str(proposed), "--db", url, "--now", NOW, "--since", "2026-03-03")
    since = sum(c.created_at >= datetime.fromisoformat("2026-03-03T00:00:00+08:00") for c in stored)  # sales' zone
    assert code == 0 and f"on {since} recorded case(s)" in out and "0 deadline outcome(s) flip" in out


def test_the_unchanged_definition_replays_every_history_without_a_difference(demo_store: tuple[str, str]) -> None:
    url, _ = demo_store
    code, out, _ = run("backtest", str(PROCESSES / "sales.yaml"), "--db", url, "--now", NOW, "--format", "json")
    report = json.loads(out)
    assert code == 0 and report["refused"] == [] and report["flips"] == []
    assert (
        all(f["old"] == f["new"] for f in report["funnel"])
        and report["close_rate"]["old"] == report["close_rate"]["new"]
    )


def test_a_new_separation_rule_the_history_breaks_is_reported_as_refused_moves(
    demo_store: tuple[str, str], edit: Callable[[str, str, str], Path]
) -> None:
    url, _ = demo_store
    sales = load(PROCESSES / "sales.yaml")
    qualify = next(t for t in sales.transitions if t.trigger == "qualify")
    assert qualify.roles, "the sales process lets someone qualify a lead"
    proposed = edit(
        "processes/sales.yaml",
        "separation:\n",
        "separation:\n  - id: recorder_not_qualifier\n"
        "    title: {zh-CN: 录入者不得定级, en: Who records a lead may not qualify it}\n"
        '    did: "submit:lead_record"\n    may_not: "fire:qualify"\n',
    )
    code, out, _ = run("backtest", str(proposed), "--db", url, "--now", NOW, "--format", "json")
    report = json.loads(out)
    assert code == 0 and report["refused"], out
    assert {r["reason"] for r in report["refused"]} == {"DutiesNotSeparated"}
    assert report["separation_broken"] and all(r["action"] == "fire qualify" for r in report["separation_broken"])
    html = run("backtest", str(proposed), "--db", url, "--now", NOW, "--format", "html")[1]
    assert html.startswith("<!DOCTYPE html>") and "DutiesNotSeparated" in html


def test_a_proposal_that_does_not_validate_is_a_clear_error_and_writes_nothing(
    demo_store: tuple[str, str], edit: Callable[[str, str, str], Path]
) -> None:
    url, _ = demo_store
    before = Path(url.removeprefix("sqlite:///")).read_bytes()
    broken = edit(
        "processes/sales.yaml",
        "        within: 48 hours\n        met_by: leave",
        "        within: soon\n        met_by: leave",
    )
    code, _, err = run("backtest", str(broken), "--db", url)
    assert code == 1 and "sales.yaml:" in err and "error:" in err
    assert Path(url.removeprefix("sqlite:///")).read_bytes() == before
    code, _, err = run("backtest", str(PROCESSES / "complaint.yaml"), "--db", url)
    assert code == 2 and "the store has no process 'complaint'" in err
