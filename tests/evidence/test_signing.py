"""Signed checkpoints: a rewrite by someone who can write the database but lacks the key is caught."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from procflow import audit
from procflow.canonical import digest
from procflow.chain import GENESIS, event_digest
from procflow.cli.main import main
from procflow.errors import InputError, StoreError
from procflow.evidence import keys, signing
from procflow.fold import replay
from procflow.store.base import Store
from procflow.store.snapshots import snapshot_json

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def sql(store: Any, statement: str, *params: object) -> None:
    """Plain SQL, as a database administrator would run it."""
    store._write("tamper", lambda tx: tx.execute(statement, params))


def rewrite_and_rechain(store: Any, case_id: str, seq: int, actor: str) -> None:
    """Change one event's actor, then recompute every hash after it and the case's head: the chain holds."""
    sql(store, "UPDATE events SET actor = ? WHERE case_id = ? AND seq = ?", actor, case_id, seq)
    previous = GENESIS
    for event in store.raw_events(case_id):
        rechained = type(event)(**{**{f: getattr(event, f) for f in event.__slots__}, "prev_hash": previous})
        digest = event_digest(rechained)
        sql(
            store,
            "UPDATE events SET prev_hash = ?, hash = ? WHERE case_id = ? AND seq = ?",
            previous,
            digest,
            case_id,
            event.seq,
        )
        previous = digest
    sql(store, "UPDATE cases SET head = ? WHERE id = ?", previous, case_id)
    snapshot = snapshot_json(replay(store.raw_events(case_id)))  # the careful attacker rewrites the snapshot too
    sql(store, "UPDATE cases SET snapshot = ? WHERE id = ?", snapshot, case_id)
    reseal_checkpoints(store)


def reseal_checkpoints(store: Any) -> None:
    """Recompute every plain checkpoint over the heads as they now are: plain SQL and public formulas."""
    prev = "0" * 64
    for number, at, count, _root, _prev, _hash in store.checkpoints():
        for case_id, version, _head in store.checkpoint_heads(number):
            head = store.raw_events(case_id)[version - 1].hash
            sql(store, "UPDATE checkpoint_heads SET head = ? WHERE number = ? AND case_id = ?", head, number, case_id)
        root = audit.heads_root(store.checkpoint_heads(number))
        sealed = digest({"number": number, "at": at, "root": root, "prev": prev, "cases": count})
        sql(store, "UPDATE checkpoints SET root = ?, prev = ?, hash = ? WHERE number = ?", root, prev, sealed, number)
        prev = sealed


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def test_a_rewritten_and_rechained_actor_passes_plain_verify_but_not_a_signed_checkpoint(
    history: tuple[Store, str], keypair: tuple[Path, Path]
) -> None:
    store, case_id = history
    signing.sign_checkpoint(store, NOW, keys.load_private(keypair[0]))
    trusted = [keys.load_public(keypair[1])]
    assert signing.verify_trusted(store, trusted).ok
    rewrite_and_rechain(store, case_id, 4, "mallory")
    assert audit.verify(store).ok  # the chain alone cannot tell: this is why checkpoints are signed
    verdict = signing.verify_trusted(store, trusted)
    assert verdict.problems == [
        f"case {case_id}: event 4 (fired) is not the event signed in checkpoint 1 "
        "(the history was rewritten after it was signed)",
        "checkpoint 1 differs from its signed statement",
    ]


def test_the_cli_signs_and_verifies_and_names_the_case_and_event(
    history: tuple[Store, str], keypair: tuple[Path, Path], durable_url: str
) -> None:
    store, case_id = history
    private, public = keypair
    code, out, _ = run("checkpoint", "--db", durable_url, "--sign", str(private))
    assert code == 0 and out.startswith("signed checkpoint 1 with key ")
    code, out, _ = run("verify", "--db", durable_url, "--trust", str(public))
    assert code == 0 and out.startswith("ok: 2 case(s), 7 event(s); signed checkpoint 1"), out
    rewrite_and_rechain(store, case_id, 4, "mallory")
    assert run("verify", "--db", durable_url)[0] == 0
    code, out, _ = run("verify", "--db", durable_url, "--trust", str(public))
    assert code == 1 and f"case {case_id}: event 4 (fired) is not the event signed in checkpoint 1" in out
    assert out.splitlines()[-1].startswith("TAMPERED")


def test_events_after_the_signed_checkpoint_are_checked_by_their_chain(
    history: tuple[Store, str], keypair: tuple[Path, Path], mini: Any
) -> None:
    from procflow import Engine
    from tests.conftest import REQUESTER

    store, _ = history
    signing.sign_checkpoint(store, NOW, keys.load_private(keypair[0]))
    Engine(store).start("mini", REQUESTER)
    verdict = signing.verify_trusted(store, [keys.load_public(keypair[1])])
    assert verdict.ok and verdict.signed == 1 and verdict.since == 1


def test_an_unknown_key_an_edited_statement_and_a_removed_statement_are_named(
    history: tuple[Store, str], keypair: tuple[Path, Path], second_keypair: tuple[Path, Path]
) -> None:
    store, _ = history
    key = keys.load_private(keypair[0])
    signing.sign_checkpoint(store, NOW, key)
    signing.sign_checkpoint(store, NOW + timedelta(hours=1), key)
    stranger = keys.load_public(second_keypair[1])
    problems = signing.verify_trusted(store, [stranger]).problems
    assert problems[0].startswith(f"signed checkpoint 1 is signed by key {keys.key_id(key.public_key())}, which is not")
    original = store.signed_checkpoints()[1][2]  # type: ignore[attr-defined]
    sql(store, "UPDATE signed_checkpoints SET statement = replace(statement, '\"number\":2', '\"number\":3')")
    problems = signing.verify_trusted(store, [key.public_key()]).problems
    assert problems[0] == (
        "signed checkpoint 2: the signature does not match its statement (the statement or the signature was changed)"
    )
    sql(store, "UPDATE signed_checkpoints SET statement = ? WHERE number = 2", original)
    assert signing.verify_trusted(store, [key.public_key()]).ok
    sql(store, "DELETE FROM signed_checkpoints WHERE number = 1")
    problems = signing.verify_trusted(store, [key.public_key()]).problems
    assert (
        problems[0]
        == "signed checkpoint 2 does not follow the one before it (a signed checkpoint was removed or replaced)"
    )


def test_no_signed_checkpoint_is_a_problem(history: tuple[Store, str], keypair: tuple[Path, Path]) -> None:
    store, _ = history
    assert signing.verify_trusted(store, [keys.load_public(keypair[1])]).problems == [
        "no signed checkpoint on record (make one with 'procflow checkpoint --sign KEY')"
    ]


def test_a_key_is_rotated_by_a_checkpoint_signed_with_the_old_one(
    history: tuple[Store, str], keypair: tuple[Path, Path], second_keypair: tuple[Path, Path]
) -> None:
    store, _ = history
    old, new = keys.load_private(keypair[0]), keys.load_private(second_keypair[0])
    signing.sign_checkpoint(store, NOW, old, introduce=new.public_key())
    with pytest.raises(StoreError, match="is not the signing key in charge"):
        signing.sign_checkpoint(store, NOW + timedelta(hours=1), old)
    signing.sign_checkpoint(store, NOW + timedelta(hours=1), new)
    verdict = signing.verify_trusted(store, [old.public_key()])
    assert verdict.ok and verdict.signed == 2
    assert verdict.keys == [keys.key_id(old.public_key()), keys.key_id(new.public_key())]
    assert not signing.verify_trusted(store, [new.public_key()]).ok  # the root of trust is the first key


def test_signing_refuses_a_history_rewritten_since_the_last_signature(
    history: tuple[Store, str], keypair: tuple[Path, Path]
) -> None:
    store, case_id = history
    key = keys.load_private(keypair[0])
    signing.sign_checkpoint(store, NOW, key)
    rewrite_and_rechain(store, case_id, 2, "mallory")
    with pytest.raises(StoreError, match=f"refusing to sign: case {case_id}: event 2 .submitted. is not the event"):
        signing.sign_checkpoint(store, NOW + timedelta(hours=1), key)
    assert len(store.signed_checkpoints()) == 1  # type: ignore[attr-defined]


def test_the_worker_signs_when_a_checkpoint_is_due(history: tuple[Store, str], keypair: tuple[Path, Path]) -> None:
    store, _ = history
    hook = signing.every(store, keys.load_private(keypair[0]), timedelta(hours=1))
    for minutes in (0, 30, 59, 60, 90, 121):
        hook(NOW + timedelta(minutes=minutes))
    stamps = [json.loads(row[2])["at"] for row in store.signed_checkpoints()]  # type: ignore[attr-defined]
    assert stamps == [(NOW + timedelta(minutes=m)).isoformat() for m in (0, 60, 121)]


def test_keygen_writes_a_pair_and_never_overwrites(tmp_path: Path) -> None:
    code, _, _ = run("keygen", str(tmp_path / "k"))
    assert code == 0 and (tmp_path / "k.pub").read_text().startswith("-----BEGIN PUBLIC KEY-----")
    assert (tmp_path / "k").stat().st_mode & 0o777 == 0o600
    code, _, err = run("keygen", str(tmp_path / "k"))
    assert code == 2 and "already exists" in err


def test_a_file_that_is_not_a_key_is_a_clear_error(tmp_path: Path, durable_url: str) -> None:
    (tmp_path / "bad.pub").write_text("hello")
    with pytest.raises(InputError, match="not a PEM public key"):
        keys.load_public(tmp_path / "bad.pub")
    code, _, err = run("checkpoint", "--db", durable_url, "--sign", str(tmp_path / "bad.pub"))
    assert code == 2 and "not an unencrypted PEM private key" in err
    code, _, err = run("worker", "--db", durable_url, "--once", "--checkpoint-every", "1h")
    assert code == 2 and "--checkpoint-every needs --sign KEY" in err


def test_the_worker_command_signs_on_its_schedule(
    history: tuple[Store, str], keypair: tuple[Path, Path], durable_url: str
) -> None:
    store, _ = history
    argv = ["worker", "--db", durable_url, "--once", "--checkpoint-every", "1h", "--sign", str(keypair[0])]
    assert run(*argv, "--now", "2026-03-02T08:00:00+00:00")[0] == 0
    assert run(*argv, "--now", "2026-03-02T08:30:00+00:00")[0] == 0  # not due yet
    assert len(store.signed_checkpoints()) == 1  # type: ignore[attr-defined]
    assert run("verify", "--db", durable_url, "--trust", str(keypair[1]))[0] == 0
