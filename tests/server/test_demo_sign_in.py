"""The README's first command leaves the web app one command away: the demo's people sign in with its passwords."""

from __future__ import annotations

import io
import re
from pathlib import Path

import httpx

from procflow import Engine, open_store
from procflow.cli import main
from procflow.server import create_app
from tests.conftest import PROCESSES
from tests.server.conftest import TEST_SETTINGS, free_port, serve


def test_a_person_the_demo_prints_signs_in_to_the_server_on_the_demo_store(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    out = io.StringIO()
    argv = ["demo", "--db", url, "--out", str(tmp_path / "out"), "--process", str(PROCESSES / "sales.yaml")]
    assert main(argv, out, io.StringIO()) == 0
    text = out.getvalue()
    assert f"then: procflow serve --db {url}" in text
    printed = dict(re.findall(r"^  (zhao_lei|wang_min)\s+(\S+)\s", text, flags=re.M))
    assert set(printed) == {"zhao_lei", "wang_min"}, text[-2000:]
    engine = Engine(open_store(url))
    port = free_port()
    with serve(create_app(engine, TEST_SETTINGS), port):
        client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30)
        assert (
            client.post("/api/login", json={"person": "zhao_lei", "password": printed["zhao_lei"]}).status_code == 200
        )
        wrong = client.post("/api/login", json={"person": "wang_min", "password": printed["zhao_lei"]})
        assert wrong.status_code == 401 and wrong.headers["content-type"].startswith("application/problem+json")
