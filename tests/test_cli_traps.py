"""The small traps a newcomer met on the command line, each as it reads now: a reused case id, an empty or a full
`list`, the line `submit` prints for a soft rule's breach, `-` for standard input."""

from __future__ import annotations

import io
import json
import sys
from datetime import datetime
from pathlib import Path

import pytest

from procflow import Actor, Engine, FixedClock, load
from procflow.cli import main
from procflow.files import MAX_FILE_BYTES
from procflow.scenario import read_scenario
from procflow.store import open_store
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


def stdin(monkeypatch: pytest.MonkeyPatch, text: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text), encoding="utf-8"))


@pytest.mark.parametrize(
    "text", [b'{"item": "desk", "amount": 300}', b"item: desk\namount: 300\n"], ids=["json", "yaml"]
)
def test_a_document_can_come_from_standard_input(run: Run, monkeypatch: pytest.MonkeyPatch, text: bytes) -> None:
    run("start", str(MINI), "--as", "rita:requester", "--id", "c1")
    stdin(monkeypatch, text)
    code, out, err = run("submit", "c1", "request", "-", "--as", "rita")
    assert code == 0, err
    assert out.startswith("submitted request v1 (")
    assert run("status", "c1", "--json")[0] == 0


def test_a_process_file_can_come_from_standard_input(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tree / "processes")  # its schemas and templates are found beside the folder, as for a file
    stdin(monkeypatch, (tree / "processes" / "sales.yaml").read_bytes())
    out = io.StringIO()
    assert main(["validate", "-"], out, io.StringIO()) == 0, out.getvalue()
    assert out.getvalue().startswith("-: ok (sales@")


def test_standard_input_is_read_within_the_same_bound_as_a_file(
    run: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    run("start", str(MINI), "--as", "rita:requester", "--id", "c1")
    stdin(monkeypatch, b"x" * (MAX_FILE_BYTES + 10))
    code, _, err = run("submit", "c1", "request", "-", "--as", "rita")
    assert code == 2 and "<stdin>: cannot read the file: it is larger than the" in err
    assert open_store(f"sqlite:///{tmp_path / 'cli.db'}").get("c1").version == 1  # nothing was written


@pytest.mark.parametrize(
    "argv",
    [
        ["list"],
        ["status", "c1"],
        ["history", "c1"],
        ["overdue"],
        ["outbox", "list"],
        ["team", "list"],
        ["report", "--from", "2026-01-01", "--to", "2026-02-01"],
    ],
    ids=lambda argv: " ".join(argv[:2]),
)
def test_a_read_only_command_in_the_wrong_folder_creates_no_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, argv: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PROCFLOW_DB", raising=False)
    out, err = io.StringIO(), io.StringIO()
    assert main(argv, out, err) == 4
    assert "no store at sqlite:///procflow.db (nothing was created)" in err.getvalue()
    assert list(tmp_path.iterdir()) == []


def test_a_command_that_writes_still_begins_a_new_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PROCFLOW_DB", raising=False)
    assert main(["team", "init", "admin"], io.StringIO(), io.StringIO()) == 0
    assert (tmp_path / "procflow.db").is_file()
    assert main(["list"], out := io.StringIO(), io.StringIO()) == 0 and out.getvalue() == "no cases in this store yet\n"
