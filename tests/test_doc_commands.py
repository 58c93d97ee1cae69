"""The CLI commands the docs show work as written: every `procflow …` of docs/http-api.md and
docs/process-format.md parses with the real parser (inline ones too, placeholders and all), and the shell
blocks run, in order, in a folder set up as the prose around them says."""

from __future__ import annotations

import io
import re
import shlex
import shutil
from pathlib import Path

import pytest

from procflow import Actor, Engine, load
from procflow.cli.main import build_parser, main
from procflow.errors import UsageError
from procflow.store import open_store
from tests.conftest import MINI, ROOT, seat

DOCS = ROOT / "docs"
FENCE = re.compile(r"^```sh\n(.*?)^```", re.S | re.M)


def block_commands(doc: Path) -> list[str]:
    """The `procflow …` lines of the doc's ```sh blocks, in order (a line's `# comment` dropped)."""
    lines = [line.strip() for block in FENCE.findall(doc.read_text("utf-8")) for line in block.splitlines()]
    return [line for line in lines if line.startswith("procflow ")]


def inline_commands(doc: Path) -> list[str]:
    """The prose's `procflow …` code spans that are commands, not names of one (`procflow validate`): those with
    an option or an argument beyond the subcommand's words."""
    found = re.findall(r"`(procflow [^`]+)`", doc.read_text("utf-8"))
    return [c for c in found if "--" in c or len(c.split()) > 3]


def argv(command: str) -> list[str]:
    """The arguments of a documented command: its `[optional]` parts left out, its trailing comment dropped."""
    words = shlex.split(re.sub(r"\[[^\]]*\]", "", command), comments=True)
    assert words[0] == "procflow" and "&&" not in words and "|" not in words, command
    return [w for w in words[1:] if w != "&"]


@pytest.mark.parametrize("name", ["http-api.md", "process-format.md"])
def test_every_documented_command_parses(name: str) -> None:
    doc = DOCS / name
    commands = block_commands(doc) + inline_commands(doc)
    assert commands
    parser = build_parser()
    for command in commands:
        try:
            parser.parse_args(argv(command))
        except (SystemExit, UsageError):
            pytest.fail(f"{name}: {command!r} does not parse as written")


def _run(command: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv(command), out, err)
    assert code == 0, f"{command!r} exited {code}: {err.getvalue()}"
    return out.getvalue()


def test_the_http_api_commands_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """In a clone's folder with the demo's team: `serve` registers its --process files (it is not started)."""
    for folder in ("processes", "schemas", "doc_templates"):
        (tmp_path / folder).symlink_to(ROOT / folder)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PROCFLOW_DB", "sqlite:///procflow.db")
    _run("procflow team init admin")
    _run("procflow team import processes/sales/team.yaml --process processes/sales.yaml --as admin")
    ran = 0
    for command in block_commands(DOCS / "http-api.md"):
        words = argv(command)
        if words[0] == "serve":  # what it would do first: register its --process file in its store
            if "--process" in words:
                with_store = open_store("sqlite:///procflow.db")
                Engine(with_store).register(load(Path(words[words.index("--process") + 1])))
                with_store.close()
            continue
        _run(command)
        ran += 1
    assert ran >= 3
    assert "erp" in _run("procflow integration list")


def test_the_process_format_walkthrough_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """In a copy of the mini project, with ann and aud seated and the two YAML files the prose names."""
    for folder in ("processes", "schemas", "doc_templates"):
        shutil.copytree(MINI.parent.parent / folder, tmp_path / folder)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PROCFLOW_DB", "sqlite:///procflow.db")
    store = open_store("sqlite:///procflow.db")
    engine = Engine(store)
    engine.register(load(tmp_path / "processes" / "mini.yaml"))
    seat(engine, Actor("ann", "requester"), Actor("aud", "auditor"))
    store.close()
    (tmp_path / "policy.yaml").write_text("limit: 1000\n", "utf-8")
    (tmp_path / "req.yaml").write_text("item: desk\namount: 300\n", "utf-8")
    commands = block_commands(DOCS / "process-format.md")
    walkthrough = commands[: next(i for i, c in enumerate(commands) if "fire buy-1 send" in c) + 1]
    assert len(walkthrough) >= 7
    for command in walkthrough:
        _run(command)
    assert "review" in _run("procflow status buy-1")
