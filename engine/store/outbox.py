"""The outbox as the store keeps it: messages written with the event that causes them, claimed with leases.

A message is one (event, person, channel): its key is derived from those three, so a delivery that is retried
after a crash carries the same key and a receiver (or a reader of the mail log) can recognise the duplicate.
The store only keeps rows and hands them out; what a message says and how it travels is `procflow.notify`'s job.

States: `pending` (waiting for `next_at`, or held by a worker until `lease_until`), `sent`, `dead` (out of tries,
or refused for good), `discarded` (by an operator). `attempts` counts claims, so a message that kills its
worker every time still reaches `dead`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import field
from datetime import datetime
from typing import Any, Literal, Protocol, runtime_checkable

from ..immutable import record

_ENCODER = json.JSONEncoder(ensure_ascii=False)  # one encoder for every row: json.dumps builds one per call
Status = Literal["pending", "sent", "dead", "discarded"]
STATUSES: tuple[Status, ...] = ("pending", "sent", "dead", "discarded")


def message_key(case_id: str, seq: int, person: str, channel: str) -> str:
    """The idempotency key of the message about event `seq` of `case_id` to `person` on `channel`."""
    return hashlib.sha256(f"{case_id}\x1f{seq}\x1f{person}\x1f{channel}".encode()).hexdigest()[:32]


def encode_payload(payload: Mapping[str, Any]) -> str:
    """A message's payload as the store keeps it (plain JSON, not ASCII-escaped)."""
    return _ENCODER.encode(payload)


@record
class OutboxMessage:
    """A message to write in the same transaction as its event."""

    case_id: str
    seq: int
    person: str
    channel: str
    kind: str  # reminder, escalation, assignment, ...
    deliver_at: datetime  # not before (quiet hours, digests and non-working days move it)
    payload: Mapping[str, Any]  # plain JSON: subject, body, address, locale
    digest: str | None = None  # messages with the same digest key go out as one
    urgent: bool = False
    encoded: str | None = field(default=None, compare=False, repr=False)  # `payload` as JSON, if the maker has it

    @property
    def key(self) -> str:
        return message_key(self.case_id, self.seq, self.person, self.channel)

    def payload_json(self) -> str:
        """`payload` as the store keeps it: `encoded` when given (the notifier encodes a person's payload once
        for every message like it, so an event does not pay for it), else encoded now."""
        return self.encoded if self.encoded is not None else encode_payload(self.payload)


@record
class OutboxRow:
    """A stored message and where its delivery stands."""

    message: OutboxMessage
    status: Status
    attempts: int
    next_at: datetime
    created_at: datetime
    last_error: str | None = None
    sent_at: datetime | None = None
    worker: str | None = None

    @property
    def key(self) -> str:
        return self.message.key


@runtime_checkable
class OutboxStore(Protocol):
    """What a delivery worker and `procflow outbox` need from a store."""

    def outbox_claim(self, worker: str, now: datetime, lease_until: datetime, limit: int) -> list[OutboxRow]:
        """Claim up to `limit` pending messages due by `now` that nobody holds (whole digests together);
        each claim counts as an attempt."""
        ...

    def outbox_sent(self, worker: str, keys: Sequence[str], now: datetime) -> None:
        """Mark messages this worker holds as delivered."""
        ...

    def outbox_failed(self, worker: str, keys: Sequence[str], error: str, retry_at: datetime | None) -> None:
        """Give messages back for another try at `retry_at`, or mark them dead (None)."""
        ...

    def outbox_list(
        self, *, status: Status | None = None, case_id: str | None = None, limit: int = 100, after: str | None = None
    ) -> list[OutboxRow]:
        """Messages, oldest first (by creation, then key), optionally of one status or case; `after`: only those
        that come after the message with that key in this order (a page's cursor), none if there is no such key."""
        ...

    def outbox_retry(self, keys: Sequence[str] | None, now: datetime) -> int:
        """Dead or discarded messages (these keys, or every dead one) back to pending at `now`; how many."""
        ...

    def outbox_discard(self, keys: Sequence[str]) -> int:
        """Pending or dead messages set aside for good; how many."""
        ...


def keys_matching(known: Sequence[str], wanted: Sequence[str]) -> list[str]:
    """Full keys for key prefixes as an operator types them (each prefix may name one key only)."""
    found = []
    for prefix in wanted:
        hits = [key for key in known if key.startswith(prefix)]
        if len(hits) == 1:
            found.append(hits[0])
    return found


Row = Callable[[Sequence[Any]], OutboxRow]
