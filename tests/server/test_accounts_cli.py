"""Accounts and tokens from the command line are for people of the team directory."""

from __future__ import annotations

import io
from pathlib import Path

from procflow import Engine
from procflow.cli.main import main
from procflow.store import open_store
from tests.conftest import REQUESTER, seat


def test_a_token_or_password_is_only_for_a_person_of_the_directory(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    seat(Engine(open_store(url)), REQUESTER).store.close()
    err = io.StringIO()
    assert main(["token", "create", "ghost", "--db", url], io.StringIO(), err) == 2
    assert "no person 'ghost' in the team directory" in err.getvalue()
    out = io.StringIO()
    assert main(["token", "create", "rita", "--db", url], out, io.StringIO()) == 0
    assert out.getvalue().startswith("pf_")
