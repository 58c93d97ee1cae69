"""Proof that the history was not edited afterwards: per-case hash chains, heads, and checkpoints.

Every event carries the hash of its case's previous event and its own hash
over all its fields (`engine.records.seal`); the case row keeps the head
(the last hash). An edited, reordered or deleted event breaks its chain; a
truncated tail no longer matches the head. To catch a tail truncated *together
with* its head, `checkpoint` records every case's (version, head) under one
digest, chained to the previous checkpoint: an auditor writes the digest down,
and `verify` later shows every recorded head is still in its chain.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from engine.canonical import digest
from engine.people_records import directory_chain_problem
from engine.records import GENESIS, Event, event_digest
from engine.store.base import NO_CHECKPOINT, Store, checkpoint_seal


@dataclass
class Verdict:
    cases: int = 0
    events: int = 0
    checkpoints: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def chain_problem(events: list[Event]) -> str | None:
    """The first event that breaks the chain, described; None when the chain holds."""
    previous = GENESIS
    for expected_seq, event in enumerate(events, 1):
        if event.seq != expected_seq:
            return f"event {expected_seq} is missing or out of order (found seq {event.seq})"
        if event.hash is None:
            return f"event {event.seq} carries no hash"
        if event.prev_hash != previous:
            return f"event {event.seq} does not follow event {event.seq - 1} (its previous-hash differs)"
        if event_digest(event) != event.hash:
            return f"event {event.seq} ({event.kind}) was changed after it was recorded (its hash does not match)"
        previous = event.hash
    return None


def heads_root(heads: Sequence[tuple[str, int, str | None]]) -> str:
    return digest([[case_id, version, head] for case_id, version, head in sorted(heads)])


def verify(store: Store, *, digest_written_down: str | None = None) -> Verdict:
    """Check every chain, every head, and every checkpoint; name the first bad event of each case."""
    verdict = Verdict()
    heads = {case_id: (version, head) for case_id, version, head in store.heads()}
    chains: dict[str, list[Event]] = {}
    for case_id in sorted(set(heads) | set(store.event_case_ids())):
        events = store.raw_events(case_id)
        chains[case_id] = events
        verdict.cases += 1
        verdict.events += len(events)
        problem = chain_problem(events)
        if problem:
            verdict.problems.append(f"case {case_id}: {problem}")
            continue
        if case_id not in heads:
            verdict.problems.append(f"case {case_id}: its case row was deleted")
            continue
        version, head = heads[case_id]
        last = events[-1] if events else None
        if last is None or last.seq != version or last.hash != head:
            found = f"event {last.seq}" if last else "no events"
            verdict.problems.append(
                f"case {case_id}: the history ends at {found} but the case row says version {version} "
                "(events were deleted or the row was edited)"
            )
    directory = directory_chain_problem(store.directory_events())
    if directory:
        verdict.problems.append(f"team directory: {directory}")
    previous = NO_CHECKPOINT
    for number, at, count, root, prev, sealed in store.checkpoints():
        verdict.checkpoints += 1
        recorded = store.checkpoint_heads(number)
        expected = checkpoint_seal(number, at, root, prev, count)
        if prev != previous or expected != sealed or heads_root(recorded) != root or len(recorded) != count:
            verdict.problems.append(f"checkpoint {number} was changed after it was made")
        previous = sealed
        for case_id, version, head in recorded:
            events = chains.get(case_id, [])
            if len(events) < version or events[version - 1].hash != head:
                verdict.problems.append(
                    f"case {case_id}: event {version}, recorded in checkpoint {number}, is no longer in its history "
                    "(the tail was truncated or rewritten)"
                )
    if digest_written_down:
        known = [c.hash for c in store.checkpoints()]
        if not any(h.startswith(digest_written_down) for h in known):
            verdict.problems.append(f"no checkpoint has the digest {digest_written_down}")
    return verdict


def checkpoint(store: Store, at: datetime) -> tuple[int, str]:
    """Record every case's head under one digest; returns (number, digest) for the auditor to keep."""
    heads = store.heads()
    return store.add_checkpoint(at, heads_root(heads), heads)
