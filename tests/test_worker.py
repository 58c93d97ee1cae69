"""`procflow worker`: one round for cron, or a loop that SIGTERM ends cleanly."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from procflow import Engine, FixedClock, load, open_store
from procflow.cli import main
from tests.conftest import ROOT, seat
from tests.store.test_faults import CLERK, T0, TICKING


def test_worker_once_fires_each_escalation_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'w.db'}"
    engine = seat(Engine(open_store(url), clock=FixedClock(T0)), CLERK)
    engine.register(load(TICKING))
    ids = [engine.start("ticking", CLERK).id for _ in range(3)]
    later = (T0 + timedelta(days=3)).isoformat()
    out = io.StringIO()
    assert main(["worker", "--once", "--db", url, "--now", later], out, io.StringIO()) == 0
    assert sorted(line.split(":")[0] for line in out.getvalue().splitlines()) == sorted(ids)
    assert "escalated answer → notify clerk" in out.getvalue()
    again = io.StringIO()
    main(["worker", "--once", "--db", url, "--now", later], again, io.StringIO())
    assert again.getvalue() == ""


def test_sigterm_stops_the_worker_after_its_round(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'w.db'}"
    Engine(open_store(url)).register(load(TICKING))
    worker = subprocess.Popen(
        [sys.executable, "-m", "procflow.cli", "worker", "--db", url, "--interval", "0.2"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stderr=subprocess.PIPE,
        text=True,
    )
    assert worker.stderr is not None
    assert "started" in worker.stderr.readline()
    time.sleep(0.5)
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=10) == 0
    assert "stopped after handling" in worker.stderr.read()
    beats = open_store(url).workers()
    assert len(beats) == 1 and beats[0][2] == worker.pid
