"""The calendar as data: a new holidays arrangement lists the open deadlines it moves, and the move is recorded."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from procflow import Engine, FixedClock, load, open_store
from procflow import calendars as calendars_module
from procflow.audit import verify
from procflow.cli.main import main
from procflow.evidence import calendar, keys, signing
from procflow.evidence.bundle_check import verify_bundle
from procflow.scenario import read_scenario, run_scenario
from tests.conftest import PROCESSES

SALES = PROCESSES / "sales.yaml"
NOW = "2026-11-27T10:00:00+08:00"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def accepted(tmp_path: Path) -> tuple[str, str]:
    """A sales case just accepted on Thursday 26 November 2026: T8 (3 working days) due Tuesday 1 December."""
    url = f"sqlite:///{tmp_path / 'sales.db'}"
    scenario = read_scenario(PROCESSES / "sales" / "scenarios" / "deadline_missed_over_holiday.yaml")
    accept = next(i for i, step in enumerate(scenario["steps"]) if step.get("fire") == "accept")
    scenario["steps"] = scenario["steps"][: accept + 1]
    clock = FixedClock(datetime.fromisoformat(scenario["start"]))
    engine = Engine(open_store(url), clock=clock)
    engine.register(load(SALES))
    result = run_scenario(scenario, engine, clock, "sales")
    assert result.case is not None
    return url, result.case.id


@pytest.fixture
def monday_off(tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    """The installed 2026–2027 table with Monday 30 November 2026 made a holiday, as a file."""
    code, out, _ = run("calendar", "table", str(SALES), "--years", "2026-2027")
    assert code == 0
    table = json.loads(out)
    assert "2026-10-01" in table["years"]["2026"]["off"] and "2026-09-20" in table["years"]["2026"]["on"]
    table["years"]["2026"]["off"].append("2026-11-30")
    (tmp_path / "new.json").write_text(json.dumps(table))
    return tmp_path / "new.json", table


def test_a_proposed_arrangement_lists_the_deadlines_it_moves(
    accepted: tuple[str, str], monday_off: tuple[Path, dict[str, Any]]
) -> None:
    url, case_id = accepted
    code, out, _ = run("calendar", "impact", "--db", url, "--now", NOW)
    assert code == 0 and out.strip() == "0 open deadline(s) move"
    code, out, _ = run("calendar", "impact", "--db", url, "--now", NOW, "--holidays", str(monday_off[0]), "--json")
    assert json.loads(out) == [
        {
            "case": case_id,
            "key": json.loads(out)[0]["key"],
            "deadline": "T8",
            "from": "2026-12-01T15:00:00+08:00",
            "to": "2026-12-02T15:00:00+08:00",
        }
    ]


def test_the_move_under_new_installed_data_is_recorded_as_an_event(
    accepted: tuple[str, str], monday_off: tuple[Path, dict[str, Any]], monkeypatch: pytest.MonkeyPatch,
    keypair: tuple[Path, Path], tmp_path: Path,
) -> None:  # fmt: skip
    url, case_id = accepted
    new_release = monday_off[1]  # as if the holidays package had shipped it (the cached calendars stay untouched)

    def released(country: str, timezone: str, cutoff: str | None = None, provider: str = "holidays") -> Any:
        return calendar.TableCalendar(new_release)

    monkeypatch.setattr(calendars_module, "official", released)
    monkeypatch.setattr(calendar, "official", released)
    code, out, err = run("calendar", "impact", "--db", url, "--now", NOW, "--record", "--as", "ops:system")
    assert code == 0 and "T8     2026-12-01 15:00 +08:00 → 2026-12-02 15:00 +08:00" in out, err
    assert "recorded the moves on 1 case(s)" in err
    store = open_store(url)
    note = store.get(case_id).history[-1]
    assert note.kind == "recalendared" and note.actor == "ops" and note.data is not None
    assert note.data["moves"][0]["to"] == "2026-12-02T15:00:00+08:00"
    assert note.data["calendar"] == calendar.table_hash(note.data["table"])
    assert "2026-11-30" in note.data["table"]["years"]["2026"]["off"]
    assert verify(store).ok
    assert run("calendar", "impact", "--db", url, "--now", NOW)[1].strip() == "0 open deadline(s) move"
    signing.sign_checkpoint(store, datetime.fromisoformat(NOW), keys.load_private(keypair[0]))
    assert run("audit", case_id, "--db", url, "--now", NOW, "--bundle", str(tmp_path / "c.zip"))[0] == 0
    with zipfile.ZipFile(tmp_path / "c.zip") as archive:
        judged = {d["deadline"]: d for d in json.loads(archive.read("deadlines.json"))}
    assert judged["T8"]["calendar"] == note.data["calendar"] and judged["T8"]["due_at"].startswith("2026-12-02")
    assert verify_bundle(tmp_path / "c.zip", [keys.load_public(keypair[1])]).ok


def test_recording_needs_an_actor_and_the_installed_data(
    accepted: tuple[str, str], monday_off: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    url, _ = accepted
    code, _, err = run("calendar", "impact", "--db", url, "--record")
    assert code == 2 and "--record needs --as" in err
    (tmp_path / "bad.json").write_text('{"format": "x"}')
    code, _, err = run("calendar", "impact", "--db", url, "--holidays", str(tmp_path / "bad.json"))
    assert code == 2 and "not a working-day table" in err
