"""A command imports only what it uses: the area table is true, and `status`/`list` leave the server, PostgreSQL,
Graphviz, Markdown, the reports, the schema validator, Jinja2 (templates and expressions) and the file loader
unloaded (measured in a fresh interpreter, where nothing was imported before). YAML is not on the list: the first
read of a stored definition parses its source once (`definition/bundle.py`), later reads skip it."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from procflow.cli.main import AREAS
from procflow.cli.options import Parents, Parser
from tests.conftest import MINI, Run

HEAVY = (
    "procflow.server", "psycopg", "graphviz", "markdown_it", "procflow.reports", "starlette", "cryptography",
    "jsonschema", "referencing", "procflow.documents", "procflow.rendering", "procflow.definition.loader",
    "jinja2", "procflow.expressions",
)  # fmt: skip


def test_the_area_table_names_exactly_the_commands_each_area_registers() -> None:
    for area, commands in AREAS.items():
        parser = Parser(prog="procflow")
        sub = parser.add_subparsers(parser_class=Parser)
        importlib.import_module(f"procflow.cli.{area}").register(sub, Parents.build())
        assert tuple(sub.choices) == commands, area


def test_a_known_command_builds_only_its_area_and_an_unknown_one_lists_every_command() -> None:
    from procflow.cli import build_parser

    def commands(argv: list[str]) -> set[str]:
        parser = build_parser(argv)
        [found] = [a.choices for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        return set(found)

    assert commands(["status", "c1"]) == set(AREAS["cases"])
    assert commands(["stauts"]) == {c for area in AREAS.values() for c in area}


def _modules_after(argv: list[str], cwd: Path) -> tuple[int, list[str]]:
    """The modules a fresh interpreter holds after running `procflow ARGV`, and the exit code."""
    program = (
        "import json, sys, io\nfrom procflow.cli.main import main\n"
        f"code = main({argv!r}, io.StringIO(), io.StringIO())\n"
        "print(json.dumps([code, sorted(sys.modules)]))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    done = subprocess.run(
        [sys.executable, "-c", program], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )
    code, modules = json.loads(done.stdout)
    return code, modules


def test_status_and_list_import_no_server_database_driver_diagram_or_report(run: Run, tmp_path: Path) -> None:
    assert run("start", str(MINI), "--as", "rita:requester", "--id", "c1")[0] == 0
    db = os.environ["PROCFLOW_DB"]
    for argv in (["status", "c1", "--db", db], ["list", "--db", db], ["--version"]):
        code, modules = _modules_after(argv, tmp_path)
        assert code == 0, argv
        loaded = [m for m in modules if m.split(".")[0] in {h.split(".")[0] for h in HEAVY} and m.startswith(HEAVY)]
        assert loaded == [], f"procflow {argv[0]} imported {loaded}"


def test_overdue_judges_deadlines_without_building_validators_templates_or_expressions(
    run: Run, tmp_path: Path
) -> None:
    """`overdue` needs a definition's deadlines and calendar, not its machine's gates, schemas or templates:
    it judges them on a `Timing` (runtime/due.py), without compiling the stored definition."""
    shutil.copytree(MINI.parent.parent, tmp_path / "timed")
    process = tmp_path / "timed" / "processes" / "mini.yaml"
    owner = "    owner: requester\n    requires: [request]\n"
    text = process.read_text()
    assert owner in text
    process.write_text(text.replace(owner, owner + "    deadlines: [{id: answer, title: Answer, within: 2 hours}]\n"))
    assert run("start", str(process), "--as", "rita:requester", "--id", "c1")[0] == 0
    db = os.environ["PROCFLOW_DB"]
    late = ["overdue", "--db", db, "--now", "2099-01-01T09:00+00:00"]
    code, out, _ = run(*late, "--json")
    assert code == 0 and [row["case"] for row in json.loads(out)] == ["c1"]
    code, modules = _modules_after(late, tmp_path)
    assert code == 0
    loaded = [m for m in modules if m.startswith(HEAVY)]
    assert loaded == [], f"procflow overdue imported {loaded}"


def test_help_pays_for_no_page_template_and_no_password_hash(tmp_path: Path) -> None:
    """`procflow --help` imports every area; the handbook's and the reports' page templates are compiled on
    their first render, and the server's stand-in password hash (argon2, ~0.2 s) when an app is built."""
    program = (
        "import contextlib, io, json\nfrom procflow.cli.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n        main(['--help'])\n    except SystemExit as done:\n        code = done.code\n"
        "from procflow import rendering\nfrom procflow.server import accounts\n"
        "before = [rendering.shipped_template.cache_info().currsize, accounts.dummy_hash.cache_info().currsize]\n"
        "from procflow import Engine\nfrom procflow.server import create_app\n"
        "from procflow.store.memory import MemoryStore\n"
        "create_app(Engine(MemoryStore()))\n"
        "print(json.dumps([code, before, accounts.dummy_hash.cache_info().currsize]))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    done = subprocess.run([sys.executable, "-c", program], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert json.loads(done.stdout) == [0, [0, 0], 1], done.stderr


def test_help_and_a_mistyped_command_list_every_area_without_loading_any_heavy_part(tmp_path: Path) -> None:
    """Top-level help builds every area's parser; the areas import what their commands use inside the handlers,
    so the first command a newcomer types answers as fast as `status` does."""
    for argv in (["--help"], ["stauts"]):
        program = (
            "import contextlib, io, json, sys\nfrom procflow.cli.main import main\n"
            "with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):\n"
            f"    try:\n        main({argv!r})\n    except SystemExit:\n        pass\n"
            "print(json.dumps(sorted(sys.modules)))\n"
        )
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
        done = subprocess.run([sys.executable, "-c", program], cwd=tmp_path, env=env, capture_output=True, text=True)
        modules = json.loads(done.stdout)
        heavy = (*HEAVY, "procflow.notify", "procflow.runtime.engine", "argon2", "uvicorn")
        assert [m for m in modules if m.startswith(heavy)] == [], argv
