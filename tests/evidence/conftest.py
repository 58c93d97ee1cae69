"""Evidence tests share the durable stores of the store tests, a small history on them, and key pairs."""

from __future__ import annotations

from pathlib import Path

import pytest

from procflow.evidence import keys
from tests.store.conftest import durable_url, history  # noqa: F401  (the fixtures, shared)


@pytest.fixture
def keypair(tmp_path: Path) -> tuple[Path, Path]:
    """(private key file, public key file), made by the same code `procflow keygen` runs."""
    public, _ = keys.generate(tmp_path / "signer.key")
    return tmp_path / "signer.key", public


@pytest.fixture
def second_keypair(tmp_path: Path) -> tuple[Path, Path]:
    public, _ = keys.generate(tmp_path / "next.key")
    return tmp_path / "next.key", public
