"""The delivery loop: claim due messages, send each (a digest as one), record the outcome.

At least once: a message is marked sent only after its channel accepted it, so a worker killed in between
leaves it claimed until the lease runs out and another worker sends it again — with the same idempotency key
(the mail's Message-ID, the webhook's `X-Procflow-Key`), so the repeat is recognisable. A failure is retried
after an exponential backoff with jitter (`base · 2^(attempt-1)`, capped, times a random factor in [½, 1]);
after `max_attempts` claims, or at once when the channel says a retry cannot help, the message is dead:
kept, listed by `procflow outbox list --status dead`, and sent again by `procflow outbox retry`.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ..errors import RenderError, StoreError
from ..store.base import Store
from ..store.outbox import OutboxRow, OutboxStore
from .channels.base import Channel, Envelope
from .errors import DeliveryFailed
from .wording import Wording

DIGEST_SUBJECT = {"zh": "procflow：{n} 条通知", "en": "procflow: {n} messages"}


def outbox_of(store: Store) -> OutboxStore:
    """The store's outbox side (every store procflow ships has one)."""
    if not isinstance(store, OutboxStore):
        raise StoreError(f"{type(store).__name__} keeps no outbox")
    return store


@dataclass
class Backoff:
    base: timedelta = timedelta(seconds=30)
    cap: timedelta = timedelta(hours=1)
    max_attempts: int = 6
    rng: random.Random = field(default_factory=random.Random)

    def retry_at(self, now: datetime, attempts: int) -> datetime | None:
        """When to try again after `attempts` tries, or None: give up (dead letter)."""
        if attempts >= self.max_attempts:
            return None
        delay = min(self.cap, self.base * (1 << min(max(attempts - 1, 0), 30)))
        return now + delay * self.rng.uniform(0.5, 1.0)


@dataclass
class Outcome:
    sent: int = 0
    retried: int = 0
    dead: int = 0
    errors: list[str] = field(default_factory=list)


def envelope(rows: Sequence[OutboxRow], wording: Wording) -> Envelope:
    """One envelope for a message, or for the rows of one digest (in key order, so a resend is the same)."""
    rows = sorted(rows, key=lambda r: r.key)
    first = rows[0].message.payload
    keys = tuple(r.key for r in rows)
    locale = str(first.get("locale", "en"))
    words = [wording.words(r.message) for r in rows]
    if len(rows) == 1:
        return Envelope(keys[0], str(first["to"]), str(first["name"]), *words[0], locale, keys)
    subject = DIGEST_SUBJECT["zh" if locale.startswith("zh") else "en"].format(n=len(rows))
    body = "\n\n---\n\n".join(f"## {title}\n\n{text}" for title, text in words)
    key = hashlib.sha256("".join(keys).encode()).hexdigest()[:32]
    return Envelope(key, str(first["to"]), str(first["name"]), subject, body, locale, keys)


def groups(rows: Sequence[OutboxRow]) -> list[list[OutboxRow]]:
    """Claimed rows as deliveries: each digest's rows together, every other row alone."""
    digests: dict[str, list[OutboxRow]] = {}
    single: list[list[OutboxRow]] = []
    for row in rows:
        if row.message.digest:
            digests.setdefault(row.message.digest, []).append(row)
        else:
            single.append([row])
    return single + list(digests.values())


@dataclass
class Delivery:
    store: OutboxStore
    channels: Mapping[str, Channel]
    worker: str
    wording: Wording
    backoff: Backoff = field(default_factory=Backoff)
    lease: timedelta = timedelta(minutes=2)
    batch: int = 50

    def run_once(self, now: datetime) -> Outcome:
        """Claim and deliver batches until nothing is due at `now`."""
        outcome = Outcome()
        while rows := self.store.outbox_claim(self.worker, now, now + self.lease, self.batch):
            for group in groups(rows):
                self._deliver(group, now, outcome)
            if len(rows) < self.batch:
                break
        return outcome

    def _deliver(self, group: list[OutboxRow], now: datetime, outcome: Outcome) -> None:
        keys = [r.key for r in group]
        name = group[0].message.channel
        try:
            channel = self.channels.get(name)
            if channel is None:
                known = ", ".join(sorted(self.channels)) or "none"
                raise DeliveryFailed(name, f"no channel {name!r} is configured (known: {known})", permanent=True)
            try:
                words = envelope(group, self.wording)
            except RenderError as exc:  # the default template failed too: no retry will help
                raise DeliveryFailed(name, f"cannot word the message: {exc.message}", permanent=True) from None
            channel.send(words)
        except DeliveryFailed as exc:
            attempts = max(r.attempts for r in group)
            retry_at = None if exc.permanent else self.backoff.retry_at(now, attempts)
            self.store.outbox_failed(self.worker, keys, exc.message, retry_at)
            outcome.errors.append(exc.message)
            if retry_at is None:
                outcome.dead += len(keys)
            else:
                outcome.retried += len(keys)
            return
        self.store.outbox_sent(self.worker, keys, now)
        outcome.sent += len(keys)
