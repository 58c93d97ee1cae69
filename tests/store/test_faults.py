"""Faults with real processes and real servers: kill -9 mid-burst, workers killed mid-run, several writers.

Each test runs against SQLite and PostgreSQL where the fault makes sense for both.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from procflow import Actor, Engine, FixedClock, StoreError, load, open_store
from procflow.store.sql import SQLStore
from procflow.worker import Worker
from tests.conftest import ROOT, seat

TICKING = ROOT / "tests" / "fixtures" / "ticking" / "processes" / "ticking.yaml"
CLERK = Actor("c", "clerk")
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # a Monday, 09:00 in Shanghai
ESCALATIONS = int(os.environ.get("PROCFLOW_FAULT_ESCALATIONS", "10000"))


def seeded(durable_url: str, cases: int) -> tuple[Engine, list[str]]:
    engine = seat(Engine(open_store(durable_url), clock=FixedClock(T0)), CLERK)
    engine.register(load(TICKING))
    return engine, [engine.start("ticking", CLERK).id for _ in range(cases)]


BURST = """
import os, sys
from procflow import Actor, Engine, open_store
durable_url, acks, ids = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
engine = Engine(open_store(durable_url))
clerk = Actor("c", "clerk")
with open(acks, "a", buffering=1) as out:
    for round_ in range(1000):
        for case_id in ids:
            case = engine.get(case_id)
            case = engine.fire(case, "go" if case.state == "a" else "back", clerk)
            out.write(f"{case_id} {case.version}\\n")
            out.flush()
            os.fsync(out.fileno())
"""


def test_kill_9_mid_burst_loses_no_acknowledged_write(durable_url: str, tmp_path: Path) -> None:
    engine, ids = seeded(durable_url, 20)
    engine.store.close()
    acks = tmp_path / "acks.txt"
    child = subprocess.Popen(
        [sys.executable, "-c", BURST, durable_url, str(acks), ",".join(ids)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    deadline = time.monotonic() + 60
    while (not acks.exists() or acks.stat().st_size < 2_000) and time.monotonic() < deadline:
        time.sleep(0.05)
    child.send_signal(signal.SIGKILL)
    child.wait()
    acknowledged: dict[str, int] = {}
    for line in acks.read_text().splitlines():
        case_id, version = line.split()
        acknowledged[case_id] = max(acknowledged.get(case_id, 0), int(version))
    assert sum(acknowledged.values()) > 40  # the burst really ran before the kill

    store = open_store(durable_url)
    assert isinstance(store, SQLStore)
    for case_id in ids:
        case = store.get(case_id)  # replays the events: a half-written transition would not replay
        assert case.version >= acknowledged.get(case_id, 1)  # nothing acknowledged is lost
        assert case.version == len(case.history)
        expected_state = "a" if sum(1 for e in case.history if e.kind == "fired") % 2 == 0 else "b"
        assert case.state == expected_state  # the state is the one its history explains
        row = store._read("SELECT state, version FROM cases WHERE id = ?", (case_id,))[0]
        assert (row[0], row[1]) == (case.state, case.version)  # snapshot and events agree


def _work(durable_url: str, now_iso: str, name: str, delay: float) -> int:
    from datetime import datetime, timedelta

    from procflow import Engine, open_store
    from procflow.worker import Worker

    worker = Worker(Engine(open_store(durable_url)), name=name, batch=25, lease=timedelta(seconds=30))
    now = datetime.fromisoformat(now_iso)
    fired = 0
    while True:
        batch = worker.run_once(now)
        fired += len(batch)
        if not batch:
            return fired
        time.sleep(delay)


@pytest.mark.slow
@pytest.mark.timeout(1500)  # seeds and escalates 10,000 cases with four processes
def test_workers_share_escalations_and_each_fires_once_even_when_one_is_killed(durable_url: str) -> None:
    if durable_url.startswith("sqlite"):
        pytest.skip("many workers on many machines is the PostgreSQL deployment; SQLite serves one machine")
    engine, ids = seeded(durable_url, ESCALATIONS)
    now = T0 + timedelta(days=3)  # every case is past its working-day deadline plus 4 hours
    context = multiprocessing.get_context("spawn")
    victim = context.Process(target=_work, args=(durable_url, now.isoformat(), "victim", 0.2))
    victim.start()
    with context.Pool(3) as pool:
        results = pool.starmap_async(_work, [(durable_url, now.isoformat(), f"w{i}", 0.0) for i in range(3)])
        time.sleep(1.0)
        os.kill(victim.pid or 0, signal.SIGKILL)  # mid-run: it holds claims it will never finish
        victim.join()
        results.get(timeout=900)
    # the victim's leases expire; a later round takes its cases over
    later = now + timedelta(seconds=31)
    Worker(Engine(open_store(durable_url)), name="late", batch=500).run_once(later)
    Worker(Engine(open_store(durable_url)), name="late", batch=500).run_once(later)

    store = engine.store
    assert isinstance(store, SQLStore)
    counts = store._read("SELECT case_id, COUNT(*) FROM events WHERE kind = 'escalated' GROUP BY case_id")
    per_case = {row[0]: row[1] for row in counts}
    assert len(per_case) == len(ids)
    assert set(per_case.values()) == {1}
    assert {w[0] for w in store.workers()} >= {"w0", "w1", "w2", "late"}


def test_hooks_run_after_commit_and_see_committed_state(durable_url: str) -> None:
    engine, ids = seeded(durable_url, 1)
    seen: list[int] = []

    def check(event: object, case: object) -> None:
        stored = open_store(durable_url).get(ids[0])
        seen.append(stored.version)

    engine.hooks.on("fired", check)
    engine.fire(ids[0], "go", CLERK)
    assert seen == [2]


def test_a_full_disk_fails_cleanly_and_keeps_what_was_there(tmp_path: Path) -> None:
    if os.geteuid() != 0 or not Path("/bin/mount").exists():
        pytest.skip("needs root to mount a tiny tmpfs")
    mount = tmp_path / "tiny"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=400k", "tmpfs", str(mount)], capture_output=True)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.decode().strip()}")
    engine = None
    try:
        engine, ids = seeded(f"sqlite:///{mount / 'full.db'}", 1)
        big = "x" * 20_000
        with pytest.raises(StoreError) as info:
            for i in range(200):
                engine.start("ticking", CLERK, data={"filler": big, "i": i})
        assert "cannot write" in info.value.message and "full" in info.value.message
        before = engine.store.case_ids(process_id="ticking")
        assert engine.get(ids[0]).state == "a"
        assert json.loads(json.dumps(engine.export_case(ids[0])))["case"] == ids[0]
        assert all(engine.get(i).version == 1 for i in before)  # no half-written case
    finally:
        if engine is not None:
            engine.store.close()
        subprocess.run(["umount", str(mount)], check=False)


def test_a_read_only_store_fails_cleanly_and_changes_nothing(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root to remount a tmpfs read-only")
    mount = tmp_path / "disk"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], capture_output=True)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.decode().strip()}")
    durable_url = f"sqlite:///{mount / 'cases.db'}"
    try:
        engine, ids = seeded(durable_url, 1)
        engine.store.close()
        subprocess.run(["mount", "-o", "remount,ro", str(mount)], check=True)
        started = time.perf_counter()
        with pytest.raises(StoreError) as info:
            reader = Engine(open_store(durable_url))
            reader.fire(ids[0], "go", CLERK)
        assert time.perf_counter() - started < 10
        assert "read-only" in info.value.message.replace(str(mount), "")
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(mount)], check=False)
        assert open_store(durable_url).get(ids[0]).state == "a"  # nothing was half-written
        subprocess.run(["umount", "-l", str(mount)], check=False)
