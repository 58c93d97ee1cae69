"""`procflow worker`: the deadline loop — reminders and escalations — for one or many processes.

Each round, a worker claims a batch of cases with due alerts (a lease held by
the store — `Store.claim`; on PostgreSQL the candidates are picked with `FOR
UPDATE SKIP LOCKED`, so workers on several machines take disjoint work),
ticks them, and lets the commit drop the claim. A killed worker's claims
expire with their lease and others take the cases over. Each alert fires once
whatever the number of workers: the case's version check lets only one
writer record it, and the history says it is done. SIGTERM or SIGINT ends the
loop after the current batch.
"""

from __future__ import annotations

import os
import signal
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import FrameType
from typing import Any

from .errors import StoreError
from .records import Event
from .runtime.engine import Engine


@dataclass
class Worker:
    engine: Engine
    name: str = field(default_factory=lambda: f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}")
    batch: int = 50
    lease: timedelta = timedelta(seconds=60)
    interval: float = 5.0
    on_event: Callable[[Event], None] | None = None
    after_round: Callable[[datetime], None] | None = None  # e.g. a signed checkpoint when one is due
    stop: threading.Event = field(default_factory=threading.Event)
    handled: int = 0
    deliver: Callable[[datetime], Any] | None = None  # the outbox round (procflow.notify), after the deadline round

    def __post_init__(self) -> None:
        self.started_at = self.engine.clock.now()

    def run_once(self, now: datetime | None = None) -> list[Event]:
        """One round: claim, tick, heartbeat. Returns the events recorded."""
        at = now or self.engine.clock.now()
        store = self.engine.store
        fired: list[Event] = []
        while not self.stop.is_set():
            claimed = store.claim(self.name, at, at + self.lease, self.batch)
            if not claimed:
                break
            try:
                fired.extend(self.engine.tick(at, case_ids=claimed))
            finally:
                store.release(self.name, claimed)
            self.handled += len(claimed)
        store.heartbeat(self.name, socket.gethostname(), os.getpid(), self.started_at, at, self.handled)
        if self.deliver is not None and not self.stop.is_set():
            self.deliver(at)  # the messages those alerts (and every other event) put in the outbox
        for event in fired:
            if self.on_event:
                self.on_event(event)
        if self.after_round:
            self.after_round(at)
        return fired

    def run(self) -> None:
        """Round after round until stopped (SIGTERM, SIGINT or `stop.set()`)."""
        while not self.stop.is_set():
            try:
                self.run_once()
            except StoreError:
                if self.stop.is_set():
                    break
                raise
            self.stop.wait(self.interval)

    def stop_on_signals(self) -> None:
        def handler(signum: int, frame: FrameType | None) -> None:
            self.stop.set()

        signal.signal(signal.SIGTERM, handler)
        signal.signal(signal.SIGINT, handler)
