"""Opening a store: a bad URL, a missing folder, an unknown role or a dead server is one clear message, quickly."""

from __future__ import annotations

import time

import pytest

from procflow import StoreError, open_store
from procflow.store.postgres import PostgresStore, _take_schema
from tests.conftest import PG_URL, drop_pg_schema, pg_url_for_test, postgres_unreachable


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


@pytest.mark.parametrize(
    ("query", "schema", "rest"),
    [
        ("options=-c%20search_path%3Dx&schema=t_1", "t_1", "options=-c%20search_path%3Dx"),
        ("schema=t_2&sslmode=disable&application_name=a%2Bb", "t_2", "sslmode=disable&application_name=a%2Bb"),
        ("options=-c%20a%3Db", None, "options=-c%20a%3Db"),
        ("", None, ""),
    ],
)
def test_the_query_reaches_libpq_as_written_minus_our_schema(query: str, schema: str | None, rest: str) -> None:
    assert _take_schema(query) == (schema, rest)


def test_postgres_options_with_spaces_reach_the_server() -> None:
    url = pg_url_for_test()
    base, ours = url.split("?", 1)
    store = open_store(f"{base}?options=-c%20statement_timeout%3D4321&{ours}")
    try:
        assert isinstance(store, PostgresStore)
        with store._pool.connection() as conn:
            row = conn.execute("SHOW statement_timeout").fetchone()
        assert row is not None and row[0] == "4321ms"
    finally:
        store.close()
        drop_pg_schema(url)
