"""Opening a store: a bad URL, a missing folder, an unknown role or a dead server is one clear message, quickly."""

from __future__ import annotations

import time

import pytest

from engine import StoreError, open_store
from tests.conftest import PG_URL, postgres_unreachable


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("sqlite:///no/such/folder/x.db", "the folder no/such/folder does not exist"),
        ("mysql://localhost/x", "unknown store URL 'mysql://localhost/x'; known kinds: memory:, postgres:"),
        ("sqlite:/x.db", "write sqlite:///relative/path.db or sqlite:////absolute/path.db"),
        ("postgresql://postgres@127.0.0.1:1/test", "cannot connect to postgresql://postgres@127.0.0.1:1/test"),
        ("postgresql://postgres:secret@127.0.0.1:1/test", "cannot connect to postgresql://postgres:***@127.0.0.1:1"),
        (PG_URL + "?schema=Bad-Name", "use lower-case letters, digits and underscores"),
    ],
    ids=["missing-folder", "unknown-kind", "malformed-sqlite", "unreachable-server", "password-hidden", "bad-schema"],
)
def test_bad_store_urls_say_what_is_wrong(url: str, message: str) -> None:
    started = time.perf_counter()
    with pytest.raises(StoreError) as info:
        open_store(url)
    assert message in info.value.message
    assert "secret" not in info.value.message
    assert time.perf_counter() - started < 15


def test_an_unknown_database_role_is_refused_by_name() -> None:
    if reason := postgres_unreachable():
        pytest.skip(reason)
    url = PG_URL.replace("postgres@", "nobody_here@", 1)
    with pytest.raises(StoreError, match='role "nobody_here" does not exist'):
        open_store(url)
