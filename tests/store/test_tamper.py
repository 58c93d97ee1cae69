"""Tamper evidence: rows edited, deleted or reordered with plain SQL are caught, on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from procflow import Engine, ProcessDefinition
from procflow.audit import checkpoint, verify
from procflow.chain import event_digest
from procflow.cli import main
from procflow.store.records import EVENT_FIELDS
from procflow.store.sql import SQLStore
from tests.conftest import REQUESTER, seat


def sql(store: SQLStore, statement: str, *params: object) -> None:
    store._write("tamper", lambda tx: tx.execute(statement, params))


def test_an_untouched_history_verifies(history: tuple[SQLStore, str]) -> None:
    store, _ = history
    verdict = verify(store)
    assert verdict.ok and verdict.cases == 2 and verdict.events == 7


TAMPERING: dict[str, tuple[Callable[[SQLStore, str], None], str]] = {
    "edited-actor": (
        lambda s, c: sql(s, "UPDATE events SET actor = 'mallory' WHERE case_id = ? AND seq = 4", c),
        "event 4 (fired) was changed after it was recorded",
    ),
    "edited-document": (
        lambda s, c: sql(s, "UPDATE events SET data = '{\"approve\": false}' WHERE case_id = ? AND seq = 5", c),
        "event 5 (submitted) was changed",
    ),
    "deleted-middle": (
        lambda s, c: sql(s, "DELETE FROM events WHERE case_id = ? AND seq = 3", c),
        "event 3 is missing or out of order",
    ),
    "reordered": (
        lambda s, c: (
            sql(s, "UPDATE events SET seq = 99 WHERE case_id = ? AND seq = 4", c),
            sql(s, "UPDATE events SET seq = 4 WHERE case_id = ? AND seq = 5", c),
            sql(s, "UPDATE events SET seq = 5 WHERE case_id = ? AND seq = 99", c),
        ),
        "event 4 does not follow event 3",
    ),
    "deleted-tail": (
        lambda s, c: sql(s, "DELETE FROM events WHERE case_id = ? AND seq = 6", c),
        "the history ends at event 5 but the case row says version 6",
    ),
    "deleted-whole-history": (  # the case row stays, with no event left to chain
        lambda s, c: sql(s, "DELETE FROM events WHERE case_id = ?", c),
        "the history ends at no events but the case row says version 6",
    ),
    "rehashed-edit": (  # an attacker who recomputes the edited event's own hash still breaks the next link
        lambda s, c: _rehash(s, c, 2, "UPDATE events SET actor = 'mallory' WHERE case_id = ? AND seq = 2"),
        "event 3 does not follow event 2",
    ),
    "rehashed-and-relinked": (  # ... and re-links event 3 to it: event 3's own hash covers its prev_hash
        lambda s, c: _relink(
            s, c, 3, _rehash(s, c, 2, "UPDATE events SET actor = 'mallory' WHERE case_id = ? AND seq = 2")
        ),
        "event 3 (computed) was changed after it was recorded",
    ),
}


def _relink(store: SQLStore, case_id: str, seq: int, prev_hash: str) -> None:
    sql(store, "UPDATE events SET prev_hash = ? WHERE case_id = ? AND seq = ?", prev_hash, case_id, seq)


def _rehash(store: SQLStore, case_id: str, seq: int, statement: str) -> str:
    """Apply `statement`, then give event `seq` the hash its new content has; returns that hash."""
    sql(store, statement, case_id)
    event = store.raw_events(case_id)[seq - 1]
    sql(store, "UPDATE events SET hash = ? WHERE case_id = ? AND seq = ?", event_digest(event), case_id, seq)
    return event_digest(event)


def test_every_field_and_the_link_to_the_previous_event_are_in_the_digest(history: tuple[SQLStore, str]) -> None:
    """Dropping any field (the previous hash above all) from the digest lets a rewritten history verify."""
    store, case_id = history
    event = store.raw_events(case_id)[2]
    changed = {
        "prev_hash": "0" * 64,
        "actor": "mallory",
        "role": "approver",
        "seq": 9,
        "kind": "fired",
        "at": event.at.replace(year=2020),
        "definition_hash": "f" * 64,
        "document": "decision",
        "document_version": 7,
        "document_hash": "e" * 64,
        "data": {"level": "low", "over_limit": True},
        "trigger": "approve",
        "source": "draft",
        "dest": "approved",
        "case_id": "other",
        "basis": "grant:mallory",  # the grant or cover the actor's role rested on (sealed since the directory)
    }
    # hash_scheme chooses how the fields are spelled for hashing (tests/evidence covers flipping it)
    assert set(changed) == set(EVENT_FIELDS) - {"hash", "hash_scheme"}
    for name, value in changed.items():
        assert event_digest(dataclasses.replace(event, **{name: value})) != event_digest(event), name


@pytest.mark.parametrize("tamper", list(TAMPERING), ids=list(TAMPERING))
def test_plain_sql_tampering_is_detected_and_the_first_bad_event_named(
    history: tuple[SQLStore, str], tamper: str
) -> None:
    store, case_id = history
    change, message = TAMPERING[tamper]
    change(store, case_id)
    verdict = verify(store)
    assert not verdict.ok
    assert any(p.startswith(f"case {case_id}: ") and message in p for p in verdict.problems), verdict.problems
    assert len(verdict.problems) == 1  # the other case is untouched


def test_a_tail_truncated_with_its_head_is_caught_by_a_checkpoint(history: tuple[SQLStore, str]) -> None:
    store, case_id = history
    number, digest = checkpoint(store, datetime(2026, 3, 2, tzinfo=UTC))
    # the careful attacker: delete the last two events and roll the case row back to match
    fifth = store.raw_events(case_id)[3]
    sql(store, "DELETE FROM events WHERE case_id = ? AND seq > 4", case_id)
    sql(store, "UPDATE cases SET version = 4, head = ?, state = 'review' WHERE id = ?", fifth.hash, case_id)
    verdict = verify(store, digest_written_down=digest[:32])
    assert [p for p in verdict.problems] == [
        f"case {case_id}: its snapshot cannot be trusted: the snapshot of case {case_id} says version 6, but its "
        "history ends at event 4; the history is the truth and nothing was changed: run 'procflow verify'",
        f"case {case_id}: event 6, recorded in checkpoint {number}, is no longer in its history "
        "(the tail was truncated or rewritten)",
    ]  # the snapshot, written with each event, still says 6: the attacker missed it, and so did not the checkpoint


def test_an_edited_checkpoint_or_a_wrong_digest_is_caught(history: tuple[SQLStore, str]) -> None:
    store, _ = history
    checkpoint(store, datetime(2026, 3, 2, tzinfo=UTC))
    assert verify(store, digest_written_down="deadbeef").problems == ["no checkpoint has the digest deadbeef"]
    sql(store, "UPDATE checkpoint_heads SET version = 1")
    assert "checkpoint 1 was changed after it was made" in verify(store).problems


def test_verify_and_checkpoint_on_the_command_line(durable_url: str, history: tuple[SQLStore, str]) -> None:
    store, case_id = history
    out = io.StringIO()
    assert main(["checkpoint", "--db", durable_url], out, io.StringIO()) == 0
    digest = out.getvalue().split(": ")[1].strip()
    out = io.StringIO()
    assert main(["verify", "--db", durable_url, "--checkpoint", digest], out, io.StringIO()) == 0
    assert out.getvalue().startswith("ok: 2 case(s), 7 event(s), 1 checkpoint(s)")
    sql(store, "UPDATE events SET role = 'approver' WHERE case_id = ? AND seq = 1", case_id)
    out = io.StringIO()
    assert main(["verify", "--db", durable_url], out, io.StringIO()) == 1
    assert f"case {case_id}: event 1 (started) was changed" in out.getvalue()


def test_verify_of_a_foreign_database_is_a_clear_message(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "foreign.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
        db.execute("INSERT INTO meta VALUES ('schema_version', '99')")
    err = io.StringIO()
    assert main(["verify", "--db", f"sqlite:///{path}"], io.StringIO(), err) == 4
    assert "written by a newer procflow" in err.getvalue()
    out = io.StringIO()  # the memory store keeps the whole protocol: an empty one verifies
    assert main(["verify", "--db", "memory:"], out, io.StringIO()) == 0
    assert out.getvalue() == "ok: 0 case(s), 0 event(s), 0 checkpoint(s)\n"


def test_an_edited_event_in_the_memory_store_is_caught_too(mini: ProcessDefinition) -> None:
    from dataclasses import replace

    from procflow.store.memory import MemoryStore

    store = MemoryStore()
    engine = seat(Engine(store), REQUESTER)
    engine.register(mini)
    case = engine.submit(engine.start("mini", REQUESTER), "request", {"item": "a", "amount": 5}, REQUESTER)
    checkpoint(store, datetime(2026, 3, 2, tzinfo=UTC))
    edited = replace(case.history[1], actor="mallory")
    store._cases[case.id] = replace(case, history=(case.history[0], edited, *case.history[2:]))
    assert verify(store).problems == [
        f"case {case.id}: event 2 (submitted) was changed after it was recorded (its hash does not match)"
    ]


def test_the_audit_report_shows_timeline_deadlines_documents_and_proof(
    durable_url: str, history: tuple[SQLStore, str]
) -> None:
    store, case_id = history
    out = io.StringIO()
    assert main(["audit", case_id, "--db", durable_url, "--format", "json"], out, io.StringIO()) == 0
    import json

    report = json.loads(out.getvalue())
    assert report["verify"] == {"ok": True, "events": 6, "problems": []}
    assert [e["kind"] for e in report["timeline"]] == [
        "started",
        "submitted",
        "computed",
        "fired",
        "submitted",
        "fired",
    ]
    assert report["timeline"][3]["from"] == "draft" and report["timeline"][3]["to"] == "review"
    assert {d["id"] for d in report["documents"]} == {"request", "risk", "decision"}
    html = io.StringIO()
    assert main(["audit", case_id, "--db", durable_url, "--format", "html"], html, io.StringIO()) == 0
    assert "<table>" in html.getvalue() and "History verified: <strong>yes</strong>" in html.getvalue()
    sql(store, "UPDATE events SET actor = 'mallory' WHERE case_id = ? AND seq = 2", case_id)
    tampered = io.StringIO()
    assert main(["audit", case_id, "--db", durable_url], tampered, io.StringIO()) == 1
    assert (
        "History verified: **NO**" in tampered.getvalue() and "event 2 (submitted) was changed" in tampered.getvalue()
    )
