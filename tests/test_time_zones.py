"""One time zone throughout: every instant a command shows is in the process's zone and labelled, and every
date or time a user types is read in that zone."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from procflow import Engine, ProcessDefinition, open_store
from procflow.cli import main
from procflow.clock import FixedClock
from procflow.records import Actor
from tests.conftest import seat

BD = Actor("zhao_lei", "bd_specialist")
SEVEN_BEIJING = datetime(2026, 12, 11, 23, 0, tzinfo=UTC)  # 2026-12-12 07:00 in Asia/Shanghai


def run(db: str, *argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main([*argv, "--db", db], out, err)
    assert "Traceback" not in err.getvalue()
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def early(tmp_path: Path, sales: ProcessDefinition) -> tuple[str, str]:
    """A store with one sales case started at 07:00 Beijing time on 12-12 (23:00 UTC on 12-11): (url, case id)."""
    url = f"sqlite:///{tmp_path / 'tz.db'}"
    engine = seat(Engine(open_store(url), clock=FixedClock(SEVEN_BEIJING)), BD)
    engine.register(sales)
    return url, engine.start("sales", BD).id


def test_a_case_started_at_seven_in_beijing_counts_in_that_days_report(early: tuple[str, str]) -> None:
    db, _ = early
    counted = {}
    for day, after in (("2026-12-11", "2026-12-12"), ("2026-12-12", "2026-12-13")):
        code, out, err = run(db, "report", "--from", day, "--to", after, "--format", "json", "--lang", "en")
        assert code == 0, err
        counted[day] = json.loads(out)["cases"]
        assert json.loads(out)["from"] == f"{day}T00:00:00+08:00"
    assert counted == {"2026-12-11": 0, "2026-12-12": 1}


def test_a_now_without_offset_is_read_in_the_process_zone(tmp_path: Path, sales: ProcessDefinition) -> None:
    db = f"sqlite:///{tmp_path / 'now.db'}"
    engine = seat(Engine(open_store(db), clock=FixedClock(SEVEN_BEIJING)), BD)
    engine.register(sales)
    code, out, err = run(db, "start", "sales", "--as", "zhao_lei:bd_specialist", "--now", "2026-12-12T07:00")
    assert code == 0, err
    assert Engine(open_store(db)).get(out.strip()).created_at == SEVEN_BEIJING
    code, out, _ = run(db, "overdue", "--now", "2026-12-12T07:00", "--lang", "en")
    assert code == 0 and out.strip() == "nothing overdue at 2026-12-12 07:00 +08:00"


def test_status_history_and_audit_show_the_same_labelled_local_instants(early: tuple[str, str]) -> None:
    db, case_id = early
    now = ["--now", "2026-12-12T09:00+08:00", "--lang", "en"]
    _, status, _ = run(db, "status", case_id, *now)
    _, history, _ = run(db, "history", case_id, *now)
    _, audit, _ = run(db, "audit", case_id, *now)
    assert "(times in Asia/Shanghai)" in status and "times in Asia/Shanghai" in audit
    for shown in (status, history, audit):
        assert "2026-12-12 07:00 +08:00" in shown and "+00:00" not in shown and "23:00" not in shown
    started = [line for line in history.splitlines() if "started the case" in line]
    assert started and re.search(r"2026-12-12 07:00 \+08:00  zhao_lei \(.+\) started the case in", started[0])
    code, listed, _ = run(db, "list", "--json", *now)
    assert code == 0 and json.loads(listed)[0]["updated_at"] == "2026-12-12T07:00+08:00"


def test_a_zone_less_now_is_refused_where_processes_disagree_on_the_zone(
    early: tuple[str, str], mini: ProcessDefinition
) -> None:
    db, _ = early
    Engine(open_store(db)).register(mini)  # mini has no calendar: UTC
    code, _, err = run(db, "tick", "--now", "2026-12-12T07:00")
    assert code == 2 and "give a UTC offset" in err
    assert run(db, "tick", "--now", "2026-12-12T07:00+08:00")[0] == 0
