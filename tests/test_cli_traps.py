"""The small traps a newcomer met on the command line, each as it reads now: a reused case id, an empty or a full
`list`, the line `submit` prints for a soft rule's breach."""

from __future__ import annotations

import io
import json
from datetime import datetime
from pathlib import Path

from engine import Actor, Engine, FixedClock, load
from engine.cli import main
from engine.scenario import read_scenario
from engine.store import open_store
from tests.conftest import MINI, PROCESSES, Run, seat
from tests.test_deadlines import AM, BD, data_of, play_until


def test_reusing_a_case_id_says_the_case_exists(run: Run) -> None:
    assert run("start", str(MINI), "--as", "rita:requester", "--id", "c1")[0] == 0
    code, out, err = run("start", str(MINI), "--as", "rita:requester", "--id", "c1")
    assert code == 4 and out == ""
    assert err.strip() == "procflow: error: case c1 already exists in this store; choose another id or leave it out"


def test_an_empty_list_says_so_and_a_full_one_has_a_header(run: Run) -> None:
    assert run("list") == (0, "no cases in this store yet\n", "")
    run("start", str(MINI), "--as", "rita:requester", "--id", "c1")
    assert run("list", "--state", "review") == (0, "no case matches these filters\n", "")
    code, out, _ = run("list")
    assert code == 0
    header, row = out.splitlines()
    assert header.split() == ["CASE", "PROCESS", "STAGE", "STATE", "OWNER"]
    assert row.split() == ["c1", "mini@1", "drafting", "draft", "requester"]
    assert header.index("STATE") == row.index(" draft ") + 1  # the columns line up


def test_submit_prints_a_soft_breach_in_words(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    won = read_scenario(PROCESSES / "sales" / "scenarios" / "won.yaml")
    clock = FixedClock(datetime.fromisoformat(won["start"]))
    cast = sorted({Actor.parse(step["as"]) for step in won["steps"] if "as" in step}, key=str)
    engine = seat(Engine(open_store(url), clock=clock), BD, AM, *cast)
    engine.register(load(PROCESSES / "sales.yaml"))
    case = play_until(engine, clock, won, "research_planning")
    engine.store.close()
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(data_of(won, "research_plan", meeting_at="2026-03-05T14:00:00+08:00")))
    out, err = io.StringIO(), io.StringIO()
    argv = [
        "submit",
        case.id,
        "research_plan",
        str(plan),
        "--as",
        "li_na",
        "--db",
        url,
        "--now",
        "2026-03-03T09:20+08:00",
    ]
    assert main(argv, out, err) == 0, err.getvalue()
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("submitted research_plan v1 (")
    assert lines[1] == (
        "breach T4: meeting_at 2026-03-05T14:00:00+08:00 is before the earliest allowed "
        "2026-03-06T09:20:00+08:00; accepted and recorded"
    )
    assert "vNone" not in out.getvalue()
