"""Notification benchmarks: what the outbox costs fire(), and how fast the worker delivers mail.

    python benchmarks/notify.py            # full
    python benchmarks/notify.py --quick    # smaller sizes

Ratios are against floors measured in the same run:
(n1) fire() on SQLite and on PostgreSQL that writes two outbox messages (two people hold the new state's
     owner role) against the same fire() with no outbox plugged in; target ≤ 1.3×. On PostgreSQL also fired
     by case id, as the CLI and the HTTP API do: the step reads the case row, and the follow choices with it.
     The words are not rendered then (delivery renders them), so the event pays for the rules and two rows.
     The two sides fire in turn, one single fire each (`rounds.paired`), so a neighbour's burst lands on
     both; a round's figure is each side's mean fire, and a round is long enough to span many WAL checkpoints
     (SQLite runs one per 1,000 pages, in the commit that crosses it, with its fsyncs: a cost the outbox's
     extra pages bring sooner, which a median would leave out); the SQLite row's note gives the WAL pages one
     fire writes with and without the outbox (checkpoints off, counted, untimed).
(n2) fire() in memory, the same comparison (no disk to hide behind: the rules alone).
(n3) delivery to a local SMTP sink (aiosmtpd, 127.0.0.1) by 1 worker and by 2 worker processes, on SQLite and
     on PostgreSQL, per message, against a bare smtplib loop sending the same messages (one connection per
     message, as each delivery does). Each worker process is started, connected and waiting at a barrier before
     the clock starts. The ratio is the worker's cost per message over the floor's — claims, wording each
     message from its case, the MIME parts, and marking each message sent in its own transaction (so a crash
     repeats only the message in flight). No target: the figures are printed beside the floor.
"""

from __future__ import annotations

import argparse
import multiprocessing
import smtplib
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from email.message import EmailMessage
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from aiosmtpd.controller import Controller  # noqa: E402
from rounds import Row, Spread, Ticking, paired, print_table  # noqa: E402
from run import PLAYER, pingpong_definition, staffed  # noqa: E402
from stores import drop, pg_url  # noqa: E402

from procflow import Engine, FixedClock, open_store  # noqa: E402
from procflow.notify import Contacts, Delivery, Notifier, Recipient  # noqa: E402
from procflow.notify.channels.mail import SMTPChannel  # noqa: E402
from procflow.notify.delivery import outbox_of  # noqa: E402
from procflow.notify.sink import _free_port  # noqa: E402
from procflow.notify.wording import stored_wording  # noqa: E402
from procflow.store.base import Store  # noqa: E402
from procflow.store.sqlite import SQLiteStore  # noqa: E402

T0 = datetime(2026, 3, 2, 1, tzinfo=UTC)
TWO = Contacts([(Recipient(f"u{i}", f"User {i}", f"u{i}@example.com"), ("player",)) for i in range(2)])


class _Count:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:  # noqa: N802
        self.count += 1
        return "250 OK"


def _told(store: Store) -> Notifier:
    """The notifier as `engine_for` configures it: two contacts hold the player role, and followers are read
    from the store at every move (the player follows by default, as starter, but makes every move)."""
    return Notifier(TWO, {"mail": _mail(1)}, follows=store.following)


def _stepper(url: str, folder: Path, n: int, told: bool, by_id: bool) -> tuple[Callable[[int], object], Store]:
    """One side of (n1)/(n2): an engine with its cases started; its step fires the next case in turn."""
    store = open_store(url)
    engine = staffed(Engine(store, clock=Ticking(T0), outbox=_told(store) if told else None), PLAYER)
    engine.register(pingpong_definition(folder))  # type: ignore[arg-type]
    cases = [engine.start("pingpong", PLAYER) for _ in range(max(1, n // 20))]

    def step(i: int) -> None:
        case = cases[i % len(cases)]
        cases[i % len(cases)] = engine.fire(case.id if by_id else case, "go" if case.state == "a" else "back", PLAYER)

    return step, store


def bench_fire(kind: str, n: int, rounds: int, by_id: bool = False) -> Row | None:
    """fire() writing two outbox messages vs the same fire() with no outbox, the two firing in turn (each on
    a store of its own on SQLite, in one schema on PostgreSQL); `by_id`: fired by case id, so each step reads
    the case row first (what the CLI and the HTTP API do)."""
    if kind == "postgres" and pg_url() is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url = _url(kind, folder)
        assert url is not None
        stores: list[Store] = []
        try:
            told, told_store = _stepper(url, folder / "told", n, True, by_id)
            stores.append(told_store)
            untold, untold_store = _stepper(_url(kind, folder) or url, folder / "untold", n, False, by_id)
            stores.append(untold_store)
            label = {"sqlite": "(n1)", "postgres": "(n1)", "memory": "(n2)"}[kind]
            name = f"{label} fire({'case_id' if by_id else ''}) on {kind} writing 2 outbox messages vs none"
            note = f"per round the mean of {n} single fires of each side, the two firing in turn"
            if kind == "sqlite":
                ours, floor = wal_pages(folder, n, True), wal_pages(folder, n, False)
                note += f"; WAL pages per fire on SQLite: {ours:.2f} with the outbox, {floor:.2f} without"
            return paired(
                name, ours=told, floor=untold, rounds=rounds, steps=n, limit=1.3, note=note, summary=statistics.fmean
            )
        finally:
            for store in stores:  # closed before the schema is dropped, also when a side fails
                store.close()
            if kind == "postgres":
                drop(url)


def wal_pages(folder: Path, n: int, told: bool) -> float:
    """WAL pages (frames) one fire writes on SQLite, with checkpoints off, after a warm-up of as many fires."""
    path = folder / f"{uuid.uuid4().hex}.db"
    store = open_store(f"sqlite:///{path}")
    assert isinstance(store, SQLiteStore)
    store._db.execute("PRAGMA wal_autocheckpoint = 0")
    frame = store._db.execute("PRAGMA page_size").fetchone()[0] + 24  # a WAL frame: its header and a page
    engine = staffed(Engine(store, clock=Ticking(T0), outbox=_told(store) if told else None), PLAYER)
    engine.register(pingpong_definition(folder / uuid.uuid4().hex))  # type: ignore[arg-type]
    cases = [engine.start("pingpong", PLAYER) for _ in range(max(1, n // 20))]

    def fires(count: int) -> None:
        for i in range(count):
            case = cases[i % len(cases)]
            cases[i % len(cases)] = engine.fire(case, "go" if case.state == "a" else "back", PLAYER)

    fires(n)
    store._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    fires(n)
    pages = Path(f"{path}-wal").stat().st_size / frame / n
    store.close()
    return pages


def _url(kind: str, folder: Path) -> str | None:
    if kind == "sqlite":
        return f"sqlite:///{folder / (uuid.uuid4().hex + '.db')}"
    return "memory:" if kind == "memory" else pg_url()


def _message(i: int) -> EmailMessage:
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "procflow <p@localhost>", f"u{i}@example.com", f"Reminder {i}"
    mail.set_content("Case **x** is due.")
    mail.add_alternative("<p>Case <strong>x</strong> is due.</p>", subtype="html")
    return mail


def floor_smtplib(port: int, n: int) -> float:
    messages = [_message(i) for i in range(n)]
    start = time.perf_counter()
    for message in messages:
        with smtplib.SMTP("127.0.0.1", port) as client:
            client.send_message(message)
    return (time.perf_counter() - start) / n


def _fill(url: str, folder: Path, n: int) -> None:
    store = open_store(url)
    engine = staffed(Engine(store, clock=FixedClock(T0), outbox=_told(store)), PLAYER)  # all due when delivery runs
    engine.register(pingpong_definition(folder))  # type: ignore[arg-type]
    cases = [engine.start("pingpong", PLAYER) for _ in range(max(1, n // 20))]
    for i in range(n // 2):  # two messages per fire
        case = cases[i % len(cases)]
        cases[i % len(cases)] = engine.fire(case, "go" if case.state == "a" else "back", PLAYER)
    engine.store.close()


def _mail(port: int) -> SMTPChannel:
    return SMTPChannel("mail", {"host": "127.0.0.1", "port": port, "security": "none"})


def _deliver(url: str, port: int, name: str, barrier: Barrier, out: Any) -> None:
    """One worker process: open the store and word nothing yet, wait for the others, then deliver until nothing
    is due; reports (sent, seconds from the barrier to its last delivery)."""
    store = open_store(url)
    delivery = Delivery(outbox_of(store), {"mail": _mail(port)}, name, stored_wording(store), batch=20)
    barrier.wait()
    start = time.perf_counter()
    sent = delivery.run_once(T0).sent
    out.put((sent, time.perf_counter() - start))
    store.close()


def bench_delivery(kind: str, n: int, floor: float, port: int, workers: int) -> Row | None:
    """(n3): `workers` processes, each started, connected and waiting at a barrier before the clock starts (a
    process importing procflow inside the window would be timed as delivery); the window ends with the last."""
    with tempfile.TemporaryDirectory() as tmp:
        return _delivered(kind, Path(tmp), n, floor, port, workers)


def _delivered(kind: str, folder: Path, n: int, floor: float, port: int, workers: int) -> Row | None:
    url = _url(kind, folder)
    if url is None:
        return None
    try:
        _fill(url, folder / "p", n)
        context = multiprocessing.get_context("spawn")
        barrier, out = context.Barrier(workers), context.Queue()
        processes = [context.Process(target=_deliver, args=(url, port, f"w{i}", barrier, out)) for i in range(workers)]
        for process in processes:
            process.start()
        reports = [out.get(timeout=600) for _ in processes]
        for process in processes:
            process.join(30)
    finally:
        if kind == "postgres":
            drop(url)
    sent, elapsed = sum(r[0] for r in reports), max(r[1] for r in reports)
    assert sent == n, (sent, n)
    note = f"{n / elapsed:,.0f} messages/s with {workers} worker(s) on {kind}; the bare loop sends {1 / floor:,.0f}/s"
    name = f"(n3) deliver {n} mails to a local SMTP sink, {workers} worker(s), {kind}"
    return Row(name, Spread.of([elapsed / n * 1e3]), Spread.of([floor * 1e3]), "ms", None, note)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    rounds, fires, mails = (5, 1_500, 200) if args.quick else (7, 4_000, 1_000)
    found = [
        bench_fire(kind, n, rounds, by_id)
        for kind, n, by_id in (
            ("sqlite", fires, False),
            ("postgres", fires // 4, False),
            ("postgres", fires // 4, True),
            ("memory", fires, False),
        )
    ]
    rows = [row for row in found if row is not None]
    counter, port = _Count(), _free_port()
    sink = Controller(counter, hostname="127.0.0.1", port=port)
    sink.start()
    try:
        floor = min(floor_smtplib(port, mails) for _ in range(2))
        delivered = [bench_delivery(kind, mails, floor, port, k) for kind in ("sqlite", "postgres") for k in (1, 2)]
        rows += [row for row in delivered if row is not None]
    finally:
        sink.stop()
    return 0 if print_table(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
