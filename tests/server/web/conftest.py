"""The web app under test: uvicorn on 127.0.0.1 (the HTTP tests' `serve`) over a SQLite store with the sales
process, its customer profile published, and one person with a password; and Playwright driving Debian's
Chromium (never a downloaded browser), skipped where either is missing, except in CI."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from procflow import Actor, Engine, FixedClock, ProcessDefinition
from procflow.server import accounts, create_app
from procflow.store import Store, open_store
from tests.conftest import required_tool, seat
from tests.server.conftest import PASSWORD, TEST_SETTINGS, free_port, serve

PROFILE = {
    "industries": ["manufacturing", "logistics"],
    "size_min": 50,
    "size_max": 5000,
    "budget_min": 100000,
    "budget_max": 2000000,
    "pain_points": ["manual scheduling", "no traceability"],
}
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@dataclass
class Site:
    url: str
    engine: Engine
    store: Store
    clock: FixedClock


@pytest.fixture
def site(tmp_path: Path, clock: FixedClock, sales: ProcessDefinition) -> Iterator[Site]:
    store = open_store(f"sqlite:///{tmp_path / 'web.db'}")
    engine = Engine(store, clock=clock)
    engine.register(sales)
    seat(engine, Actor("bea", "bd_specialist"), Actor("mara", "sales_manager"), Actor("lou", "legal"))
    engine.publish("sales", "customer_profile", PROFILE, Actor("mara", "sales_manager"))
    accounts.set_password(store, "bea", PASSWORD, clock.now())
    port = free_port()
    with serve(create_app(engine, TEST_SETTINGS), port):
        yield Site(f"http://127.0.0.1:{port}", engine, store, clock)
    store.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium through Playwright (no browser download: `executable_path`)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        required_tool("the playwright package is not installed", "playwright (pip install -e '.[test]')")
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    required_tool(None if Path(chromium).exists() else "Chromium is not installed", "Debian's chromium")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any, site: Site) -> Iterator[Any]:
    context = browser.new_context(base_url=site.url, locale="en-US")
    opened = context.new_page()
    yield opened
    context.close()


def sign_in(page: Any, person: str = "bea", password: str = PASSWORD) -> None:
    page.goto("/app/login")
    page.fill("#person", person)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/app/inbox**")  # the home page: my work now


def weight(page: Any, path: str) -> int:
    """The bytes a page transfers when opened: its HTML and everything it loads (script and style included)."""
    sizes: list[int] = []

    def count(response: Any) -> None:
        sizes.append(len(response.body()))

    page.on("response", count)
    page.goto(path)
    page.wait_for_load_state("networkidle")
    page.remove_listener("response", count)
    return sum(sizes)


def shot(page: Any, tmp_path: Path, name: str) -> Path:
    """A full-page screenshot under the test's tmp dir; its path is printed (pytest -s shows it)."""
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")
    return path


DEMO_PEOPLE = ("zhao_lei", "li_na", "huang_chen", "chen_siyuan", "anna", "zhou_qiang", "sun_hao", "qian_li", "wang_min")


@pytest.fixture
def demo_site(tmp_path: Path, clock: FixedClock, sales: ProcessDefinition) -> Iterator[Site]:
    """The web app over the demo's own team (processes/sales/team.yaml, as `procflow demo` imports it), the
    customer profile published by the sales manager, and a password for the people the tests sign in as."""
    import io

    from procflow import shipped
    from procflow.demo import import_team

    store = open_store(f"sqlite:///{tmp_path / 'demo.db'}")
    engine = Engine(store, clock=clock)
    engine.register(sales)
    import_team(engine, shipped.process_file("sales").parent / "sales" / "team.yaml", io.StringIO())
    engine.publish("sales", "customer_profile", PROFILE, Actor("wang_min", "sales_manager"))
    for person in DEMO_PEOPLE:
        accounts.set_password(store, person, PASSWORD, clock.now())
    port = free_port()
    with serve(create_app(engine, TEST_SETTINGS), port):
        yield Site(f"http://127.0.0.1:{port}", engine, store, clock)
    store.close()


@pytest.fixture
def visit(browser: Any, demo_site: Site) -> Iterator[Any]:
    """`visit(person, width=…)`: a signed-in page of its own (a browser context per person) on the demo site."""
    contexts: list[Any] = []

    def open_as(person: str, width: int = 1100, locale: str = "en-US") -> Any:
        context = browser.new_context(base_url=demo_site.url, locale=locale, viewport={"width": width, "height": 900})
        contexts.append(context)
        opened = context.new_page()
        sign_in(opened, person)
        return opened

    yield open_as
    for context in contexts:
        context.close()
