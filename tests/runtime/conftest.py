from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from engine import Actor, Engine, ProcessDefinition, load

MINI = Path(__file__).resolve().parent.parent / "fixtures" / "mini" / "processes" / "mini.yaml"

REQUESTER = Actor("rita", "requester")
APPROVER = Actor("alan", "approver")
AUDITOR = Actor("aude", "auditor")


@pytest.fixture(scope="session")
def mini() -> ProcessDefinition:
    return load(MINI)


@pytest.fixture
def running(engine: Engine, mini: ProcessDefinition) -> Engine:
    """An engine with the mini process registered and its spending policy published (limit 1000)."""
    engine.register(mini)
    engine.publish("mini", "policy", {"limit": 1000}, AUDITOR)
    return engine


@pytest.fixture
def mini_copy(tmp_path: Path) -> Callable[[str, str], Path]:
    """mini_copy(old, new): a scratch copy of the mini process tree with one edit; returns the YAML path."""

    def make(old: str, new: str) -> Path:
        for name in ("processes", "schemas", "doc_templates"):
            shutil.copytree(MINI.parent.parent / name, tmp_path / "mini" / name, dirs_exist_ok=True)
        path = tmp_path / "mini" / "processes" / "mini.yaml"
        text = path.read_text("utf-8")
        assert text.count(old) == 1
        path.write_text(text.replace(old, new), "utf-8")
        return path

    return make
