"""The command line, in-process: clean messages, documented exit codes, never a traceback."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from procflow.cli import main
from tests.conftest import MINI, PROCESSES, Run


def test_validate_accepts_the_shipped_processes(run: Run) -> None:
    code, out, _ = run("validate", *(str(p) for p in sorted(PROCESSES.glob("*.yaml"))))
    assert code == 0
    assert "sales.yaml: ok (sales@1.0#" in out and "complaint.yaml: ok" in out


def test_validate_reports_problems_gcc_style_and_exits_1(run: Run, mini_copy) -> None:
    path = mini_copy("    roles: [approver]\n    guard: not", "    roles: [aprover]\n    guard: not")
    code, out, _ = run("validate", str(path))
    assert code == 1
    line = next(i for i, text in enumerate(path.read_text().splitlines(), 1) if "[aprover]" in text)
    assert (
        f"{path}:{line}:13: error: unknown role 'aprover'; did you mean 'approver'? (at transitions[2].roles[0])" in out
    )


def test_validate_strict_turns_warnings_into_errors(run: Run, mini_copy) -> None:
    path = mini_copy("    roles: [approver]\n    guard: not", "    guard: not")
    assert run("validate", str(path))[0] == 0
    code, out, _ = run("validate", "--strict", str(path))
    assert code == 1 and "warning: transition 'send_back' names no roles" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["validate", "no/such.yaml"], "no/such.yaml: no such file"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        (["fire", "c1", "go", "--as", "alice:"], "'alice:' is not PERSON or PERSON:ROLE"),
        (["status", "c1", "--now", "yesterday"], "is not an ISO date-time"),
        (["submit", "c1", "request", "missing.json", "--as", "a:requester"], "missing.json: cannot read the file"),
    ],
    ids=["missing-file", "unknown-command", "bad-actor", "bad-now", "missing-data-file"],
)
def test_usage_errors_exit_2_with_one_clean_line(run: Run, argv: list[str], message: str) -> None:
    code, _, err = run(*argv)
    assert code == 2
    assert message in err and err.startswith("procflow: error: ")


def test_a_case_through_the_command_line(run: Run, tmp_path: Path) -> None:
    (tmp_path / "policy.json").write_text('{"limit": 1000}')
    (tmp_path / "request.yaml").write_text("item: chair\namount: 120\nneeded_by: '2026-04-01'\n")
    (tmp_path / "decision.json").write_text('{"approve": true}')
    code, out, err = run("start", str(MINI), "--as", "rita:requester", "--id", "c1")
    assert (code, out.strip()) == (0, "c1"), err
    assert run("publish", "mini", "policy", "policy.json", "--as", "aude:auditor")[0] == 0
    code, out, _ = run("submit", "c1", "request", "request.yaml", "--as", "rita:requester")
    assert code == 0 and "submitted request v1" in out and "computed risk v1" in out
    code, out, _ = run("available", "c1", "--as", "rita:requester")
    assert "yes send → review" in out and "no  reject → rejected" in out
    assert run("fire", "c1", "send", "--as", "rita:requester")[1].strip() == "c1: draft --send--> review"
    code, _, err = run("fire", "c1", "approve", "--as", "alan:approver")
    assert code == 3 and "needs documents first: decision (not submitted)" in err
    run("submit", "c1", "decision", "decision.json", "--as", "alan:approver")
    assert run("fire", "c1", "approve", "--as", "alan:approver")[0] == 0
    code, out, _ = run("status", "c1", "--json")
    status = json.loads(out)
    assert status["state"] == "approved" and status["final"] and status["case_version"] == 6
    assert [d["id"] for d in status["documents"]] == ["request", "risk", "decision"]
    code, out, _ = run("render", "c1", "request")
    assert "- Item: chair" in out and "c1 · mini 1" in out and "request v1" in out
    code, out, _ = run("render", "c1", "request", "--format", "html", "-o", "r.html")
    assert code == 0 and "<li>Item: chair</li>" in (tmp_path / "r.html").read_text()


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["status", "nope"], 4, "no case 'nope' in the store"),
        (["start", "ghost", "--as", "a:b"], 4, "process 'ghost' is not registered"),
        (["fire", "c1", "sned", "--as", "rita:requester"], 3, "unknown trigger 'sned'; did you mean 'send'?"),
        (["render", "c1", "risk"], 3, "has no template"),
    ],
    ids=["unknown-case", "unknown-process", "typo-trigger", "no-template"],
)
def test_refusals_and_store_errors_are_one_line(run: Run, argv: list[str], code: int, message: str) -> None:
    run("start", str(MINI), "--as", "rita:requester", "--id", "c1")
    got, _, err = run(*argv)
    assert got == code and message in err


def test_data_files_with_duplicate_keys_or_nan_are_refused(run: Run, tmp_path: Path) -> None:
    run("start", str(MINI), "--as", "rita:requester", "--id", "c1")
    (tmp_path / "dup.json").write_text('{"item": "a", "item": "b", "amount": 1}')
    (tmp_path / "nan.json").write_text('{"item": "a", "amount": NaN}')
    assert "duplicate key 'item'" in run("submit", "c1", "request", "dup.json", "--as", "rita:requester")[2]
    assert "NaN is not a number JSON allows" in run("submit", "c1", "request", "nan.json", "--as", "rita:requester")[2]


def test_show_outlines_the_sales_process(run: Run) -> None:
    code, out, _ = run("show", str(PROCESSES / "sales.yaml"), "--lang", "en")
    assert code == 0
    assert "lead_recording Lead acquisition and recording (S1.2) [initial]" in out
    assert "deadline T6: within 1 working day after documents.signed_contract.signed_at" in out
    for role in range(1, 11):
        assert f"(R{role})" in out


def test_help_documents_the_validate_output_format(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["validate", "--help"])
    assert done.value.code == 0
    assert "FILE:LINE:COLUMN: error: MESSAGE" in capsys.readouterr().out


def test_every_subcommand_has_a_description_and_an_example() -> None:
    from procflow.cli import build_parser

    parser = build_parser()
    [commands] = [a.choices for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    lacking = []
    for name, sub in sorted(commands.items()):
        text = sub.format_help()
        example = text.split("example:\n", 1)[1].strip() if "example:\n" in text else ""
        words = len((sub.description or "").split())
        if words < 5 or not (example.startswith(f"procflow {name}") or f"procflow {name} " in example):
            lacking.append(name)
    assert lacking == [], "give these a description and an example in engine/cli/teach.py"
