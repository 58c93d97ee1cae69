"""Signed checkpoints: a checkpoint's statement signed with Ed25519 by whoever holds the key, outside the store.

A plain checkpoint is a hash anyone who can write the database can recompute. A signed one is a statement
— the checkpoint's digest, every case's (version, head), and the hash of every event sealed since the
previous signed statement — in RFC 8785 bytes, signed by a private key the store never sees. Each
statement names the hash of the one before it, and may introduce the next key (rotation: the new key is
vouched for by the old one, which is retired). `verify_trusted` walks the statements from a public key
the auditor trusts, then compares every stored event with the hash that was signed for it: a history
rewritten and re-chained with plain SQL is named case by case, event by event.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol, cast

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .. import audit
from ..canonical import jcs
from ..chain import GENESIS
from ..errors import InputError, StoreError
from ..records import Event
from ..store.base import Store
from .keys import key_id, parse_public, public_pem

FORMAT = "procflow-signed-checkpoint/1"
Heads = list[tuple[str, int, str | None]]


class EvidenceStore(Protocol):
    """What signing and trusted verification need of a store (the durable stores provide it)."""

    def raw_events(self, case_id: str) -> list[Event]: ...
    def heads(self) -> Heads: ...
    def checkpoints(self) -> list[tuple[int, str, int, str, str, str]]: ...
    def checkpoint_heads(self, number: int) -> Heads: ...
    def add_signed_checkpoint(self, number: int, key_id: str, statement: str, signature: str) -> None: ...
    def signed_checkpoints(self) -> list[tuple[int, str, str, str]]: ...


def durable(store: Store) -> EvidenceStore:
    needed = [name for name in EvidenceStore.__dict__ if not name.startswith("_")]
    if not all(hasattr(store, name) for name in needed):
        raise StoreError("signed checkpoints need a durable store (sqlite:// or postgresql://)")
    return cast(EvidenceStore, store)


@dataclass(frozen=True)
class Signed:
    """A statement as it was verified: its parsed body and the hash the next statement must name."""

    number: int
    body: dict[str, Any]
    hash: str


@dataclass
class TrustedVerdict(audit.Verdict):
    signed: int | None = None  # the latest signed checkpoint that verified
    since: int = 0  # events recorded after it (checked by their chains only)
    keys: list[str] = field(default_factory=list)  # the key ids the statements were signed with


def statement_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class BadStatement(Exception):
    """A signed statement that cannot be accepted; the message says why, naming it."""


def check_statement(name: str, text: str, signature: str, trust: dict[str, Ed25519PublicKey]) -> dict[str, Any]:
    """The body of a statement signed by a key in `trust`; `BadStatement` naming `name` otherwise."""
    try:
        body = json.loads(text)
        signer = parse_public(body["signer"].encode("ascii"), name)
    except (ValueError, KeyError, TypeError, AttributeError, InputError):
        raise BadStatement(f"{name} is malformed (not a procflow statement)") from None
    if key_id(signer) not in trust or body.get("key") != key_id(signer):
        known = ", ".join(sorted(trust)) or "none"
        raise BadStatement(f"{name} is signed by key {key_id(signer)}, which is not trusted (trusted here: {known})")
    try:
        trust[key_id(signer)].verify(base64.b64decode(signature, validate=True), text.encode("utf-8"))
    except (InvalidSignature, ValueError):
        raise BadStatement(
            f"{name}: the signature does not match its statement (the statement or the signature was changed)"
        ) from None
    if not isinstance(body, dict) or body.get("format") != FORMAT:  # the signature covers the exact bytes
        raise BadStatement(f"{name} is malformed (not a procflow statement)")
    return dict(body)


def successor(body: dict[str, Any], trust: dict[str, Ed25519PublicKey]) -> dict[str, Ed25519PublicKey]:
    """The keys trusted after a statement: its `next_key` alone when it introduces one (the old is retired)."""
    if not body.get("next_key"):
        return trust
    key = parse_public(str(body["next_key"]).encode("ascii"), f"signed checkpoint {body.get('number')}")
    return {key_id(key): key}


def walk(
    rows: Sequence[tuple[int, str, str, str]], trusted: Sequence[Ed25519PublicKey] | None
) -> tuple[list[Signed], list[str]]:
    """The statements that verify, in order, and the problem that stopped the walk (if any).

    `trusted` None trusts the first statement's own signer (the signer's check before adding a statement).
    """
    trust = {key_id(k): k for k in trusted or ()}
    good: list[Signed] = []
    previous = GENESIS
    for number, _key, text, signature in rows:
        name = f"signed checkpoint {number}"
        if trusted is None and not good:
            try:
                own = parse_public(json.loads(text)["signer"].encode("ascii"), name)
                trust = {key_id(own): own}
            except (ValueError, KeyError, TypeError, AttributeError, InputError):
                return good, [f"{name} is malformed (not a procflow statement)"]
        try:
            body = check_statement(name, text, signature, trust)
            trust = successor(body, trust)
        except (BadStatement, InputError) as exc:
            return good, [str(exc)]
        if body.get("number") != number:
            return good, [f"{name} is malformed (not a procflow statement)"]
        if body.get("prev") != previous:
            return good, [f"{name} does not follow the one before it (a signed checkpoint was removed or replaced)"]
        previous = statement_hash(text)
        good.append(Signed(number, body, previous))
    return good, []


def sealed_events(statements: Sequence[Signed]) -> dict[str, list[tuple[int, str, int]]]:
    """case id → [(seq, hash, signed checkpoint number)], ascending, from every statement."""
    sealed: dict[str, list[tuple[int, str, int]]] = {}
    for signed in statements:
        for case_id, seq, digest in signed.body["events"]:
            sealed.setdefault(case_id, []).append((seq, digest, signed.number))
    return sealed


def sealed_problem(links: list[audit.Link], sealed: list[tuple[int, str, int]]) -> str | None:
    """The first stored event that is not the event signed for its place, described."""
    for seq, digest, number in sealed:
        if seq > len(links):
            return f"event {seq}, signed in checkpoint {number}, is no longer in its history"
        _seq, kind, own = links[seq - 1]
        if own != digest:
            return (
                f"event {seq} ({kind}) is not the event signed in checkpoint {number} "
                "(the history was rewritten after it was signed)"
            )
    return None


def verify_trusted(store: Store, trusted: Sequence[Ed25519PublicKey]) -> TrustedVerdict:
    """Walk the signed statements from `trusted`, then check every chain and every signed event hash."""
    evidence = durable(store)
    statements, problems = walk(evidence.signed_checkpoints(), trusted)
    sealed = sealed_events(statements)
    seen: set[str] = set()

    def against_signature(case_id: str, links: list[audit.Link]) -> str | None:
        seen.add(case_id)
        return sealed_problem(links, sealed.get(case_id, []))

    base = audit.verify(store, also=against_signature)
    verdict = TrustedVerdict(base.cases, base.events, base.checkpoints, [*problems, *base.problems])
    rows = {row[0]: row[5] for row in evidence.checkpoints()}
    for signed in statements:
        if rows.get(signed.number) != signed.body["checkpoint"]:
            verdict.problems.append(f"checkpoint {signed.number} differs from its signed statement")
        verdict.keys = list(dict.fromkeys([*verdict.keys, signed.body["key"]]))
    for case_id in sorted(set(sealed) - seen):
        verdict.problems.append(f"case {case_id}: signed in checkpoint {sealed[case_id][-1][2]}, it is gone")
    if not statements and not problems:
        verdict.problems.append("no signed checkpoint on record (make one with 'procflow checkpoint --sign KEY')")
    verdict.signed = statements[-1].number if statements else None
    verdict.since = base.events - sum(len(v) for v in sealed.values())
    return verdict


def sign_checkpoint(
    store: Store, at: datetime, key: Ed25519PrivateKey, introduce: Ed25519PublicKey | None = None
) -> tuple[int, str]:
    """Checkpoint every head and sign the statement; returns (number, statement hash) to write down.

    Refuses when the history does not verify against the statements already signed, or when `key` is not
    the key the last statement leaves in charge (a rotated-out key cannot sign again).
    """
    evidence = durable(store)
    rows = evidence.signed_checkpoints()
    statements, problems = walk(rows, None)
    current = key_id(key.public_key())
    if statements:
        last = statements[-1].body
        expected = key_id(parse_public(last["next_key"].encode("ascii"), "")) if last.get("next_key") else last["key"]
        if current != expected:
            problems.append(f"key {current} is not the signing key in charge (that is key {expected})")
    if not problems:
        sealed = sealed_events(statements)
        problems = audit.verify(store, also=lambda c, events: sealed_problem(events, sealed.get(c, []))).problems
    if problems:
        raise StoreError("refusing to sign: " + problems[0])
    number, checkpoint_hash = audit.checkpoint(store, at)
    before = {c: v for c, v, _ in statements[-1].body["heads"]} if statements else {}
    heads = evidence.checkpoint_heads(number)
    new_events = [
        [case_id, event.seq, event.hash]
        for case_id, version, _head in heads
        if version > before.get(case_id, 0)
        for event in evidence.raw_events(case_id)[before.get(case_id, 0) : version]
    ]
    body = {
        "format": FORMAT,
        "number": number,
        "at": at.isoformat(),
        "checkpoint": checkpoint_hash,
        "prev": statements[-1].hash if statements else GENESIS,
        "key": current,
        "signer": public_pem(key.public_key()),
        "next_key": public_pem(introduce) if introduce else None,
        "heads": [list(h) for h in heads],
        "events": new_events,
    }
    text = jcs(body).decode("utf-8")
    signature = base64.b64encode(key.sign(text.encode("utf-8"))).decode("ascii")
    evidence.add_signed_checkpoint(number, current, text, signature)
    return number, statement_hash(text)


def latest_signed_at(store: Store) -> datetime | None:
    """When the last signed checkpoint was made (as its statement says), or None."""
    rows = durable(store).signed_checkpoints()
    return datetime.fromisoformat(json.loads(rows[-1][2])["at"]) if rows else None


def every(store: Store, key: Ed25519PrivateKey, interval: timedelta) -> Callable[[datetime], None]:
    """A worker's after-round hook: sign a checkpoint when the last one is `interval` old (restarts included)."""

    def maybe_sign(now: datetime) -> None:
        last = latest_signed_at(store)
        if last is None or now - last >= interval:
            sign_checkpoint(store, now, key)

    return maybe_sign
