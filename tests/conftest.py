"""Shared fixtures: the repository's processes, a scratch copy of the process tree, engines on each store."""

from __future__ import annotations

import functools
import io
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest

from procflow import Actor, Engine, FixedClock, ProcessDefinition, load
from procflow.people import cast
from procflow.people.admin import Team
from procflow.store import Store, open_store

# Tests never read or fill the user's check cache; each session gets its own.
os.environ["PROCFLOW_CACHE_DIR"] = tempfile.mkdtemp(prefix="procflow-cache-")

ROOT = Path(__file__).resolve().parent.parent
PROCESSES = ROOT / "processes"
MINI = ROOT / "tests" / "fixtures" / "mini" / "processes" / "mini.yaml"

REQUESTER = Actor("rita", "requester")
APPROVER = Actor("alan", "approver")
AUDITOR = Actor("aude", "auditor")


@pytest.fixture(autouse=True)
def english_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """A command with no --lang and no process speaks the environment's language: English here, whatever the
    locale of the machine the tests run on."""
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")


@pytest.fixture(scope="session")
def sales() -> ProcessDefinition:
    return load(PROCESSES / "sales.yaml")


@pytest.fixture(scope="session")
def complaint() -> ProcessDefinition:
    return load(PROCESSES / "complaint.yaml")


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A scratch copy of processes/, schemas/ and doc_templates/ that a test may edit."""
    for name in ("processes", "schemas", "doc_templates"):
        shutil.copytree(ROOT / name, tmp_path / name, symlinks=False)
    return tmp_path


@pytest.fixture
def edit(tree: Path) -> Callable[[str, str, str], Path]:
    """edit(relative_file, old, new): replace exactly one occurrence in the scratch tree; returns the path."""

    def apply(relative: str, old: str, new: str) -> Path:
        path = tree / relative
        text = path.read_text("utf-8")
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {relative}"
        path.write_text(text.replace(old, new), "utf-8")
        return path

    return apply


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 3, 2, 1, 0, tzinfo=UTC))


PG_URL = os.environ.get("PROCFLOW_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


@functools.cache
def postgres_unreachable() -> str | None:
    """Why PostgreSQL cannot be used by the tests, or None when it can."""
    try:
        with psycopg.connect(PG_URL, connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return f"no PostgreSQL at {PG_URL} ({' '.join(str(exc).split())[:160]})"


def pg_url_for_test() -> str:
    """A fresh schema of the test database (dropped by `drop_pg_schema`), or a skip/fail when unreachable."""
    reason = postgres_unreachable()
    if reason:
        if os.environ.get("PROCFLOW_REQUIRE_PG"):
            pytest.fail(f"PROCFLOW_REQUIRE_PG is set but {reason}")
        pytest.skip(reason)
    return f"{PG_URL}?schema=t_{uuid.uuid4().hex[:12]}"


def drop_pg_schema(url: str) -> None:
    schema = url.rsplit("schema=", 1)[1]
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL for an empty store of each kind; the PostgreSQL one lives in its own schema."""
    if request.param == "memory":
        yield "memory:"
    elif request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 't.db'}"
    else:
        url = pg_url_for_test()
        yield url
        drop_pg_schema(url)


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    made = open_store(store_url)
    yield made
    made.close()


def seat(engine: Engine, *actors: Actor) -> Engine:
    """Grant each PERSON:ROLE in the engine's directory (adding the person and a first admin as needed)."""
    cast.seat(Team(engine.directory), actors, engine.clock.now())
    return engine


@pytest.fixture
def engine(store: Store, clock: FixedClock) -> Engine:
    """An engine whose directory holds the mini cast: rita the requester, alan the approver, aude the auditor."""
    return seat(Engine(store, clock=clock), REQUESTER, APPROVER, AUDITOR)


def line_of(path: Path, needle: str, occurrence: int = 1) -> int:
    """1-based line number of the n-th line containing `needle`."""
    found = 0
    for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if needle in line:
            found += 1
            if found == occurrence:
                return number
    raise AssertionError(f"{needle!r} not found in {path}")


@pytest.fixture(scope="session")
def mini() -> ProcessDefinition:
    """A tiny purchase approval (tests/fixtures/mini): small enough to reason about in a test."""
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


Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Run:
    """run(*argv) → (exit code, stdout, stderr) of the command line in-process, on a scratch default store."""
    from procflow.cli import main

    monkeypatch.setenv("PROCFLOW_DB", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.chdir(tmp_path)
    seat(Engine(open_store(f"sqlite:///{tmp_path / 'cli.db'}")), REQUESTER, APPROVER, AUDITOR).store.close()

    def call(*argv: str) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        code = main(list(argv), out, err)
        assert "Traceback" not in out.getvalue() + err.getvalue()
        return code, out.getvalue(), err.getvalue()

    return call


def required_tool(missing: str | None, what: str) -> None:
    """Skip when something a test needs is missing, except in CI (`CI` set), where `.ci/run` installs it."""
    if missing is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"CI must have {what}: .ci/run installs it ({missing})")
    pytest.skip(f"{missing} (.ci/run installs {what})")


def chinese_font() -> None:
    """Skip (fail in CI) when no font with Chinese glyphs is installed, as for a missing browser."""
    import subprocess

    try:
        listed = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        listed = ""
    required_tool(None if listed.strip() else "no font with Chinese glyphs is installed", "fonts-noto-cjk")


def headless_browser(page: Path, shot: Path, size: str = "1300,2400") -> str:
    """Screenshot `page` to `shot` with Debian's Chromium and return the rendered DOM.

    Skips where Chromium is missing, except in CI, where `.ci/run` installs it and its absence is a failure.
    """
    import subprocess

    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    required_tool(None if browser else "Chromium is not installed", "Debian's chromium")
    assert browser is not None
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tempfile.mkdtemp()}",
        f"--window-size={size}",
    ]
    subprocess.run([browser, *flags, f"--screenshot={shot}", page.as_uri()], capture_output=True, timeout=120)
    dom = subprocess.run([browser, *flags, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120)
    return dom.stdout
