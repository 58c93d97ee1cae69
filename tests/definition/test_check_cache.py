"""The check cache: an unchanged process is not checked twice; any change is checked again."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from procflow.definition import checks, loader


@pytest.fixture
def checks_run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[int]:
    monkeypatch.setenv("PROCFLOW_CACHE_DIR", str(tmp_path / "cache"))
    calls: list[int] = []
    real = checks.run_checks  # the loader imports the checks when it runs them

    def counting(context: checks.Context) -> list[object]:
        calls.append(1)
        return real(context)

    monkeypatch.setattr(checks, "run_checks", counting)
    return calls


def test_an_unchanged_process_is_checked_once(checks_run: list[int], mini_copy: Callable[[str, str], Path]) -> None:
    path = mini_copy("title: Draft\n", "title: Draft\n")
    first = loader.load(path)
    second = loader.load(path)
    assert len(checks_run) == 1
    assert second.content_hash == first.content_hash


@pytest.mark.parametrize(
    ("target", "old", "new"),
    [
        ("processes/mini.yaml", "title: Purchase approval", "title: Purchase approval  # a comment"),
        ("schemas/mini/request.schema.json", '"maxLength": 200', '"maxLength": 300'),
        ("doc_templates/mini/request.md.j2", "# Purchase request", "# Purchase request form"),
    ],
    ids=["process", "schema", "template"],
)
def test_any_changed_file_is_checked_again(
    checks_run: list[int], mini_copy: Callable[[str, str], Path], target: str, old: str, new: str
) -> None:
    path = mini_copy("title: Draft\n", "title: Draft\n")
    loader.load(path)
    changed = path.parent.parent / target
    changed.write_text(changed.read_text("utf-8").replace(old, new), "utf-8")
    loader.load(path)
    assert len(checks_run) == 2


def test_warnings_come_back_from_the_cache(checks_run: list[int], mini_copy: Callable[[str, str], Path]) -> None:
    path = mini_copy("    roles: [approver]\n    guard: not", "    guard: not")
    first = loader.check(path).warnings
    again = loader.check(path).warnings
    assert len(checks_run) == 1 and first == again and "names no roles" in again[0].message


def test_the_cache_can_be_turned_off(monkeypatch: pytest.MonkeyPatch, checks_run: list[int], mini_copy) -> None:
    monkeypatch.setenv("PROCFLOW_CACHE_DIR", "off")
    path = mini_copy("title: Draft\n", "title: Draft\n")
    loader.load(path)
    loader.load(path)
    assert len(checks_run) == 2
