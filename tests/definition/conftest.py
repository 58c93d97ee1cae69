"""Fixtures for the definition tests: paths into the scratch tree, checking, and locating problems.

`position(path, needle, token)` turns "the line holding `needle`, the column of
`token` on it" into the 1-based (line, column) a `Problem` must carry, so tests
never hard-code line numbers of the shipped processes.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

from procflow.definition.loader import CheckResult, check
from procflow.errors import Problem
from tests.conftest import ROOT, line_of

MAXIMAL = Path(__file__).resolve().parent / "maximal.yaml"
SCHEMAS = ROOT / "schemas"
TEMPLATES = ROOT / "doc_templates"


def position(path: Path, needle: str, token: str | None = None, occurrence: int = 1) -> tuple[int, int]:
    """(line, column), 1-based, of `token` (default: `needle`) on the n-th line that contains `needle`."""
    line = line_of(path, needle, occurrence)
    text = path.read_text("utf-8").splitlines()[line - 1]
    wanted = needle if token is None else token
    assert wanted in text, f"{wanted!r} is not on line {line} of {path}: {text!r}"
    return line, text.index(wanted) + 1


def refuse_network(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Make every host lookup or connection fail; returns the list the attempts are recorded in."""
    attempts: list[Any] = []

    def refuse(*args: Any, **kwargs: Any) -> Any:
        attempts.append(args)
        raise OSError("a test tried to use the network")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    return attempts


def at(problem: Problem) -> tuple[int, int]:
    return problem.line, problem.column


def find(problems: Iterable[Problem], phrase: str, severity: str | None = None) -> Problem:
    """The one problem whose message contains `phrase` (and has `severity`, if given)."""
    found = [p for p in problems if phrase in p.message and (severity is None or p.severity == severity)]
    shown = "\n".join(str(p) for p in problems)
    assert len(found) == 1, f"expected one problem with {phrase!r}, found {len(found)}:\n{shown}"
    return found[0]


@pytest.fixture
def sales_yaml(tree: Path) -> Path:
    return tree / "processes" / "sales.yaml"


@pytest.fixture
def complaint_yaml(tree: Path) -> Path:
    return tree / "processes" / "complaint.yaml"


@pytest.fixture
def checked() -> Callable[[Path], CheckResult]:
    """checked(path): `check()` that also asserts the result is coherent (a definition iff no errors)."""

    def run(path: Path) -> CheckResult:
        result = check(path)
        assert (result.definition is None) == bool(result.errors), result.problems
        return result

    return run


@pytest.fixture
def problems_after(
    edit: Callable[[str, str, str], Path], checked: Callable[[Path], CheckResult]
) -> Callable[[str, str, str], tuple[Path, list[Problem]]]:
    """problems_after(file, old, new): edit one process of the scratch tree, check it → (path, problems)."""

    def run(relative: str, old: str, new: str) -> tuple[Path, list[Problem]]:
        path = edit(relative, old, new)
        return path, checked(path).problems

    return run


@pytest.fixture
def complaint_errors(
    problems_after: Callable[[str, str, str], tuple[Path, list[Problem]]],
) -> Callable[[str, str], tuple[Path, list[Problem]]]:
    """complaint_errors(old, new): edit processes/complaint.yaml, check it → (path, errors only)."""

    def run(old: str, new: str) -> tuple[Path, list[Problem]]:
        path, problems = problems_after("processes/complaint.yaml", old, new)
        return path, [p for p in problems if p.severity == "error"]

    return run
