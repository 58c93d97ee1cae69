"""Evidence tests share the durable stores of the store tests, a small history on them, and key pairs."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import Engine, ProcessDefinition, open_store
from engine.evidence import keys
from engine.store.base import Store
from tests.conftest import APPROVER, AUDITOR, REQUESTER
from tests.store.conftest import durable_url  # noqa: F401  (the fixture, shared)


@pytest.fixture
def history(durable_url: str, mini: ProcessDefinition) -> tuple[Store, str]:  # noqa: F811
    """A store with one case of six events (started … fired approve) and a second, one-event case."""
    engine = Engine(open_store(durable_url))
    engine.register(mini)
    engine.publish("mini", "policy", {"limit": 1000}, AUDITOR)
    case = engine.start("mini", REQUESTER)
    case = engine.submit(case, "request", {"item": "desk", "amount": 300}, REQUESTER)
    case = engine.fire(case, "send", REQUESTER)
    case = engine.submit(case, "decision", {"approve": True}, APPROVER)
    case = engine.fire(case, "approve", APPROVER)
    engine.start("mini", REQUESTER)
    return engine.store, case.id


@pytest.fixture
def keypair(tmp_path: Path) -> tuple[Path, Path]:
    """(private key file, public key file), made by the same code `procflow keygen` runs."""
    public, _ = keys.generate(tmp_path / "signer.key")
    return tmp_path / "signer.key", public


@pytest.fixture
def second_keypair(tmp_path: Path) -> tuple[Path, Path]:
    public, _ = keys.generate(tmp_path / "next.key")
    return tmp_path / "next.key", public
