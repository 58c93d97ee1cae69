"""The PostgreSQL store: the same tables and queries as SQLite, for many workers on many machines.

Connections come from a pool (psycopg 3). A write locks the case row
(`FOR UPDATE`) and checks its version, so of two writers one wins and the
other gets `ConflictError`; workers pick due cases with `FOR UPDATE SKIP
LOCKED` and hold them by a lease. `?schema=NAME` in the URL keeps the tables
in their own schema (created if missing), e.g. one per tenant or per test run.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import psycopg
from psycopg import sql as pgsql
from psycopg_pool import ConnectionPool, PoolTimeout

from ..errors import StoreError
from .sql import SQLStore, Tx

CONNECT_TIMEOUT_S = 5
_SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def _redacted(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


def _take_schema(query: str) -> tuple[str | None, str]:
    """`schema=` (ours, not libpq's) and the rest of the query exactly as written.

    Re-encoding the rest would turn `options=-c%20search_path%3Dx` into
    `options=-c+search_path%3Dx`, which libpq reads with a literal `+`.
    """
    schema: str | None = None
    kept = []
    for item in query.split("&") if query else []:
        pairs = parse_qsl(item, keep_blank_values=True)
        if pairs and pairs[0][0] == "schema":
            schema = pairs[0][1]
        else:
            kept.append(item)
    return schema, "&".join(kept)


class _Tx:
    dialect = "postgresql"

    def __init__(self, cursor: psycopg.Cursor[Any]) -> None:
        self.cursor = cursor

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        self.cursor.execute(sql.replace("?", "%s"), tuple(params))
        return self.cursor.fetchall() if self.cursor.description else []

    def count(self, sql: str, params: Sequence[Any] = ()) -> int:
        self.cursor.execute(sql.replace("?", "%s"), tuple(params))
        return self.cursor.rowcount


class PostgresStore(SQLStore):
    skip_locked = " FOR UPDATE OF cases SKIP LOCKED"
    explain = "EXPLAIN "
    outbox_skip_locked = " FOR UPDATE SKIP LOCKED"
    follows_with_case = (  # the case's follow choices in `get`'s statement: one round trip, not two per move
        ", (SELECT COALESCE(json_agg(json_build_array(person, following = 1) ORDER BY person), '[]'::json) "
        "FROM follows WHERE follows.case_id = cases.id)"
    )

    @staticmethod
    def _json_number(column: str, key: str) -> str:
        value = f"{column}::jsonb -> '{key}'"
        return f"(CASE WHEN jsonb_typeof({value}) = 'number' THEN ({value})::text::float8 END)"

    @staticmethod
    def _json_text(column: str, key: str) -> str:
        return f"({column}::jsonb ->> '{key}')"

    def __init__(self, url: str, *, max_connections: int = 8) -> None:
        super().__init__()
        parts = urlsplit(url)
        self.schema, query = _take_schema(parts.query)
        if self.schema is not None and not _SCHEMA_NAME.fullmatch(self.schema):
            raise StoreError(f"schema={self.schema!r}: use lower-case letters, digits and underscores")
        self.conninfo = urlunsplit(parts._replace(query=query))
        self.name = _redacted(url)
        self._check_reachable()
        self._pool = ConnectionPool(
            self.conninfo,
            min_size=1,
            max_size=max_connections,
            kwargs={"autocommit": True, "connect_timeout": CONNECT_TIMEOUT_S},
            configure=self._configure,
            open=False,
            timeout=30,
            name="procflow",
        )
        try:
            self._pool.open(wait=True, timeout=CONNECT_TIMEOUT_S * 2)
        except PoolTimeout:
            raise StoreError(f"cannot connect to {self.name}: no connection within {CONNECT_TIMEOUT_S * 2}s") from None
        self._migrate()

    @classmethod
    def from_url(cls, url: str) -> PostgresStore:
        return cls(url)

    def _check_reachable(self) -> None:
        """Connect once, plainly, so a wrong password or a dead server is one clear message, quickly."""
        try:
            with psycopg.connect(self.conninfo, connect_timeout=CONNECT_TIMEOUT_S, autocommit=True) as conn:
                if self.schema:
                    conn.execute(pgsql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(pgsql.Identifier(self.schema)))
        except psycopg.Error as exc:
            reason = " ".join(line.strip() for line in str(exc).splitlines() if line.strip()) or type(exc).__name__
            raise StoreError(f"cannot connect to {self.name}: {reason}") from None

    def _configure(self, conn: psycopg.Connection[Any]) -> None:
        if self.schema:
            conn.execute(pgsql.SQL("SET search_path TO {}").format(pgsql.Identifier(self.schema)))

    @contextmanager
    def _transaction(self) -> Iterator[Tx]:
        with self._pool.connection() as conn, conn.transaction(), conn.cursor() as cursor:
            yield _Tx(cursor)

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        with self._pool.connection() as conn, conn.cursor() as cursor:
            return _Tx(cursor).execute(sql, params)

    def _has_table(self, tx: Tx, table: str) -> bool:
        return bool(
            tx.execute(
                "SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ?",
                (table,),
            )
        )

    def _is_conflict(self, error: Exception) -> bool:
        return isinstance(error, psycopg.errors.UniqueViolation)

    def _is_db_error(self, error: Exception) -> bool:
        return isinstance(error, (psycopg.Error, PoolTimeout))

    def close(self) -> None:
        self._pool.close()
