"""Proof that the history was not edited afterwards: per-case hash chains, heads, and checkpoints.

Every event carries the hash of its case's previous event and its own hash
over all its fields (`procflow.chain.seal`); the case row keeps the head
(the last hash). An edited, reordered or deleted event breaks its chain; a
truncated tail no longer matches the head. To catch a tail truncated *together
with* its head, `checkpoint` records every case's (version, head) under one
digest, chained to the previous checkpoint: an auditor writes the digest down,
and `verify` later shows every recorded head is still in its chain.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from itertools import groupby
from operator import itemgetter
from typing import Any, TypeVar

from .canonical import digest
from .chain import GENESIS, event_digest, stored_digest
from .deadline_trail import from_history
from .definition.bundle import from_bundle
from .errors import ProcflowError
from .fold import replay
from .people_records import directory_chain_problem
from .records import Event
from .store.base import NO_CHECKPOINT, Store, checkpoint_seal
from .store.records import event_from_row
from .store.snapshots import mismatch


@dataclass
class Verdict:
    cases: int = 0
    events: int = 0
    checkpoints: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


Link = tuple[int, str, str | None]  # (seq, kind, hash): what checkpoints and signatures compare an event by
LinkFields = tuple[int, str, str | None, str | None]  # (seq, kind, previous hash, own hash)
T = TypeVar("T")


def _first_break(chain: Iterable[T], link: Callable[[T], LinkFields], holds: Callable[[T], bool]) -> str | None:
    """The first link that breaks: out of order, unhashed, not following its predecessor, or changed."""
    previous = GENESIS
    for expected_seq, item in enumerate(chain, 1):
        seq, kind, prev_hash, own = link(item)
        if seq != expected_seq:
            return f"event {expected_seq} is missing or out of order (found seq {seq})"
        if own is None:
            return f"event {seq} carries no hash"
        if prev_hash != previous:
            return f"event {seq} does not follow event {seq - 1} (its previous-hash differs)"
        if not holds(item):
            return f"event {seq} ({kind}) was changed after it was recorded (its hash does not match)"
        previous = own
    return None


def _event_link(event: Event) -> LinkFields:
    return event.seq, event.kind, event.prev_hash, event.hash


def _event_holds(event: Event) -> bool:
    return event_digest(event) == event.hash


def _row_holds(row: Sequence[Any]) -> bool:
    return bool(stored_digest(row) == row[15] or event_digest(event_from_row(row)) == row[15])


def chain_problem(events: list[Event]) -> str | None:
    """The first event that breaks the chain, described; None when the chain holds."""
    return _first_break(events, _event_link, _event_holds)


def rows_problem(rows: Sequence[Sequence[Any]]) -> str | None:
    """`chain_problem` over stored rows, hashing each as stored (its canonical spelling) and parsing it into an
    event only when that differs (a row written before rows were canonical, or edited)."""
    return _first_break(rows, itemgetter(1, 2, 14, 15), _row_holds)


Chain = tuple[str, list[Link], str | None, Callable[[], list[Event]]]


def _chains(store: Store, case_ids: Iterable[str]) -> Iterator[Chain]:
    """(case id, its links, the first break, its events) of each case with events or in `case_ids`, from one
    read of the stored rows (a case with a row but no events left has no links); the events are parsed only
    when asked for (to replay a chain that holds)."""
    rows = {case_id: list(group) for case_id, group in groupby(store.raw_event_rows(), key=lambda row: str(row[0]))}
    for case_id in sorted(rows.keys() | set(case_ids)):
        found = rows.get(case_id, [])
        yield case_id, [(r[1], r[2], r[15]) for r in found], rows_problem(found), partial(_parsed, found)


def _parsed(rows: Sequence[Sequence[Any]]) -> list[Event]:
    return [event_from_row(row) for row in rows]


def snapshot_problem(store: Store, case_id: str, events: list[Event]) -> str | None:
    """How the case row's snapshot disagrees with replaying its (verified) events, or None.

    The snapshot is a cache a step reads instead of the history; here the history is the truth, and a
    snapshot edited by hand (or written wrong) is named, never trusted over the chain."""
    try:
        stored = store.get(case_id)
    except ProcflowError as exc:
        return f"its snapshot cannot be trusted: {exc.message}"
    try:
        replayed = replay(events)
    except ValueError as exc:
        return f"its events do not replay ({exc})"
    problem = mismatch(stored, replayed)
    if problem is None and stored.trail is not None:
        definition = from_bundle(store.load_definition(stored.definition_hash))
        if dict(stored.trail) != from_history(definition, replayed.history):
            problem = "its deadline bookkeeping differs from what the events say"
    if problem is None:
        return None
    return f"its snapshot disagrees with its history: {problem} (the history is the truth; nothing was changed)"


def heads_root(heads: Sequence[tuple[str, int, str | None]]) -> str:
    return digest([[case_id, version, head] for case_id, version, head in sorted(heads)])


def verify(
    store: Store,
    *,
    digest_written_down: str | None = None,
    also: Callable[[str, list[Link]], str | None] | None = None,
) -> Verdict:
    """Check every chain, every head, and every checkpoint; name the first bad event of each case.

    `also` sees each case's stored events once, as (seq, kind, hash) links in order (signed checkpoints
    compare them with what was signed), and returns a problem or None.
    """
    verdict = Verdict()
    heads = {case_id: (version, head) for case_id, version, head in store.heads()}
    chains: dict[str, list[Link]] = {}
    for case_id, links, broken, events in _chains(store, heads):
        chains[case_id] = links
        verdict.cases += 1
        verdict.events += len(links)
        problem = broken or (also(case_id, links) if also else None)
        if problem:
            verdict.problems.append(f"case {case_id}: {problem}")
            continue
        if case_id not in heads:
            verdict.problems.append(f"case {case_id}: its case row was deleted")
            continue
        version, head = heads[case_id]
        last = links[-1] if links else None
        if last is None or last[0] != version or last[2] != head:
            found = f"event {last[0]}" if last else "no events"
            verdict.problems.append(
                f"case {case_id}: the history ends at {found} but the case row says version {version} "
                "(events were deleted or the row was edited)"
            )
            continue
        disagrees = snapshot_problem(store, case_id, events())
        if disagrees:
            verdict.problems.append(f"case {case_id}: {disagrees}")
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
            links = chains.get(case_id, [])
            if len(links) < version or links[version - 1][2] != head:
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
