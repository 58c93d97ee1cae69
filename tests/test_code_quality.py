"""ruff and mypy --strict are part of the test command, so style and types cannot drift."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from tests.conftest import ROOT


@pytest.mark.parametrize(
    "command",
    [["ruff", "check", "engine", "tests", "benchmarks"], ["ruff", "format", "--check", "engine"], ["mypy"]],
    ids=["ruff-check", "ruff-format", "mypy"],
)
def test_tool_is_clean(command: list[str]) -> None:
    if shutil.which(command[0]) is None and command[0] != "mypy":
        pytest.fail(f"{command[0]} is not installed; install the test extras: pip install -e '.[test]'")
    argv = [sys.executable, "-m", *command] if command[0] == "mypy" else command
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
