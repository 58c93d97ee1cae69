"""`procflow worker` delivers the outbox; `procflow outbox list/retry/discard`; kill -9 mid-delivery loses nothing."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from procflow import Engine, FixedClock, load, open_store
from procflow.cli import main
from procflow.notify import Notifier, load_config
from procflow.store.outbox import OutboxStore
from tests.conftest import ROOT, seat
from tests.notify.conftest import SMTPServer, free_port
from tests.store.test_faults import CLERK, T0, TICKING


def _escalated(url: str, config_file: Path, cases: int) -> None:
    config = load_config(config_file)
    engine = Engine(open_store(url), clock=FixedClock(T0), outbox=Notifier(config.contacts, config.channels))
    seat(engine, CLERK)
    engine.register(load(TICKING))
    for _ in range(cases):
        engine.start("ticking", CLERK)


def _run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out, io.StringIO())
    return code, out.getvalue()


def test_the_worker_ticks_and_delivers_and_the_outbox_commands_manage_what_failed(
    smtp: SMTPServer, notify_file: Callable[..., Path], tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'w.db'}"
    down = notify_file(free_port())
    _escalated(url, down, 2)
    later = (T0 + timedelta(days=3)).isoformat()
    code, out = _run("worker", "--once", "--db", url, "--now", later, "--notify", str(down))
    assert code == 0 and "escalated answer → notify clerk" in out and "outbox: 0 sent, 4 to retry, 0 dead" in out
    code, out = _run("outbox", "list", "--db", url, "--json")
    rows = json.loads(out)
    assert len(rows) == 4 and {r["status"] for r in rows} == {"pending"} and {r["attempts"] for r in rows} == {1}
    assert {r["to"] for r in rows} == {"wang.min@example.cn", "anna@example.com"}
    english = next(r for r in rows if r["person"] == "anna")
    assert english["subject"].startswith("Escalation: Answer within a working day on ticking-")
    assert _run("outbox", "discard", "--db", url, english["key"][:8])[0] == 0
    assert _run("outbox", "discard", "--db", url, "ffffffffffff")[0] == 1  # nothing matched: says so, exit 1

    up = notify_file(smtp.port)  # the same file, now pointing at a live server
    much_later = (T0 + timedelta(days=4)).isoformat()
    code, out = _run("worker", "--once", "--db", url, "--now", much_later, "--notify", str(up))
    assert "outbox: 3 sent" in out and len(smtp.sink.messages) == 3
    retried = _run("outbox", "retry", "--db", url, "--now", much_later, english["key"])
    assert retried == (0, "1 message(s) will be sent again\n")
    _run("worker", "--once", "--db", url, "--now", much_later, "--notify", str(up))
    assert sorted(smtp.sink.keys()) == sorted(r["key"] for r in rows)
    code, out = _run("outbox", "list", "--db", url, "--status", "sent")
    assert code == 0 and len(out.splitlines()) == 4


def test_a_bad_notify_file_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "n.yaml"
    bad.write_text("channels: {mail: {type: smpt}}\npeople: [{id: a, name: A, quiet_hours: '25:00-07:00'}]\n", "utf-8")
    err = io.StringIO()
    assert main(["outbox", "list", "--db", "memory:", "--notify", str(bad)], io.StringIO(), err) == 2
    assert "people[0].quiet_hours" in err.getvalue()
    bad.write_text("channels: {mail: {type: smpt}}\n", "utf-8")
    err = io.StringIO()
    assert main(["outbox", "list", "--db", "memory:", "--notify", str(bad)], io.StringIO(), err) == 2
    assert "unknown type 'smpt'; did you mean 'smtp'?" in err.getvalue() and "known types: dingtalk" in err.getvalue()


def test_kill_9_mid_delivery_loses_nothing_and_repeats_only_under_the_same_key(
    smtp: SMTPServer, notify_file: Callable[..., Path], tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'k.db'}"
    config_file = notify_file(smtp.port, delivery={"lease_seconds": 1.5, "max_attempts": 5})
    _escalated(url, config_file, 10)
    store = open_store(url)
    assert isinstance(store, OutboxStore)
    subprocess.run(  # record the escalations (20 messages) without delivering
        [sys.executable, "-m", "procflow.cli", "tick", "--db", url, "--now", (T0 + timedelta(days=3)).isoformat()],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "PROCFLOW_NOTIFY": str(config_file)},
        check=True,
        capture_output=True,
    )
    assert len(store.outbox_list()) == 20
    smtp.sink.delay = 0.15
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "procflow.cli",
            "worker",
            "--db",
            url,
            "--notify",
            str(config_file),
            "--interval",
            "0.1",
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    smtp.sink.wait_for(4)
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=10)
    assert len(smtp.sink.messages) < 20  # it died mid-delivery
    smtp.sink.delay = 0
    time.sleep(1.6)  # its leases run out
    assert _run("worker", "--once", "--db", url, "--notify", str(config_file))[0] == 0
    smtp.sink.wait_for(20)
    rows = {r.key: r for r in store.outbox_list()}
    received = Counter(smtp.sink.keys())
    assert set(received) == set(rows) and {r.status for r in rows.values()} == {"sent"}
    repeated = [key for key, n in received.items() if n > 1]
    assert len(repeated) <= 1  # at most the one in flight when the worker died…
    assert all(rows[key].attempts == 2 for key in repeated)  # …and its row shows the second try
