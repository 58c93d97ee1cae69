"""Hashes anyone can recompute: RFC 8785 bytes, the worked example in docs/audit.md, and recorded schemes."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from procflow import Engine, ProcessDefinition, open_store
from procflow.audit import verify
from procflow.canonical import JCS, LEGACY, canonical_bytes, digest, jcs
from procflow.chain import event_digest, event_values
from procflow.definition.bundle import from_bundle, to_bundle
from procflow.fold import replay
from procflow.records import Event
from procflow.store.snapshots import snapshot_json
from tests.conftest import REQUESTER, ROOT, seat
from tests.json_data import hashable_json


@given(hashable_json)
def test_the_fast_path_is_rfc_8785_byte_for_byte(value: Any) -> None:
    assert jcs(value) == rfc8785.dumps(value)


def test_values_rfc_8785_cannot_spell_are_a_clear_error() -> None:
    with pytest.raises(ValueError, match="cannot hash this value as RFC 8785 JSON"):
        jcs({"n": 2**60})


def test_the_worked_example_in_the_docs_is_what_the_code_computes() -> None:
    page = (ROOT / "docs" / "audit.md").read_text("utf-8")
    line = re.search(r'```text\n(\["sales-0001".*)\n```', page)
    stated = re.search(r"their SHA-256 is\n`([0-9a-f]{64})`", page)
    assert line and stated
    event = Event(
        "sales-0001", 2, "submitted", datetime(2026, 3, 2, 9, 30, tzinfo=UTC), "alice", "account_manager",
        "3f" * 32, document="lead", document_version=1, document_hash="a1" * 32,
        data={"customer": "华东机电", "budget": 120000, "score": 4.0}, prev_hash="9c" * 32,
    )  # fmt: skip
    body = list(event_values(event))
    assert jcs(body).decode("utf-8") == line.group(1)
    assert len(line.group(1).encode("utf-8")) == 361
    assert event_digest(event) == stated.group(1) == hashlib.sha256(line.group(1).encode()).hexdigest()
    assert event_digest(replace(event, hash_scheme=LEGACY)) != stated.group(1)  # 4.0 is spelled differently


def test_events_sealed_before_v5_keep_verifying_under_their_recorded_scheme(
    durable_url: str, mini: ProcessDefinition
) -> None:
    engine = seat(Engine(open_store(durable_url)), REQUESTER)
    engine.register(mini)
    case = engine.start("mini", REQUESTER, data={"weight": 2.0})  # 2.0 vs 2: the two schemes differ
    store: Any = engine.store
    legacy = replace(case.history[0], hash=None, hash_scheme=LEGACY, basis=None)  # v4 knew no directory
    legacy_hash = event_digest(legacy)
    assert legacy_hash != case.history[0].hash
    # what a v4 store holds: the legacy hash, no scheme recorded, no basis
    old_text = json.dumps({"process_id": "mini", "data": {"weight": 2.0}}, ensure_ascii=False)  # as v3 wrote it
    store._write(
        "old",
        lambda tx: tx.execute(
            "UPDATE events SET hash = ?, hash_scheme = NULL, basis = NULL, data = ?", (legacy_hash, old_text)
        ),
    )
    store._write("old", lambda tx: tx.execute("UPDATE cases SET head = ?", (legacy_hash,)))
    backfilled = snapshot_json(replay(store.raw_events(case.id)))  # the snapshot the migration to snapshots writes
    store._write("old", lambda tx: tx.execute("UPDATE cases SET snapshot = ?", (backfilled,)))
    assert store.raw_events(case.id)[0].hash_scheme == LEGACY
    assert verify(store).ok
    later = engine.submit(case.id, "request", {"item": "desk", "amount": 3}, REQUESTER)  # new events: scheme 2
    assert [e.hash_scheme for e in store.raw_events(later.id)] == [LEGACY, JCS]
    assert verify(store).ok
    store._write("flip", lambda tx: tx.execute("UPDATE events SET hash_scheme = 2 WHERE seq = 1"))
    assert "event 1 (started) was changed" in verify(store).problems[0]


def test_a_definition_stored_before_rfc_8785_loads_under_its_own_scheme(mini: ProcessDefinition) -> None:
    bundle = to_bundle(mini)
    assert bundle["hash_scheme"] == JCS and from_bundle(bundle).content_hash == mini.content_hash
    old = {k: v for k, v in bundle.items() if k != "hash_scheme"}
    old["process"] = {**old["process"], "x-weight": 1.0}  # a float, spelled differently by the two schemes
    old["source_text"] = old["source_text"] + "x-weight: 1.0\n"
    form = {"process": old["process"], "schemas": old["schemas"], "templates": old["templates"]}
    old["content_hash"] = digest(form, LEGACY)
    assert digest(form, LEGACY) != digest(form, JCS)
    assert from_bundle(old).content_hash == old["content_hash"]


def test_an_unknown_scheme_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown hash scheme 7"):
        canonical_bytes([], 7)


@given(st.dictionaries(st.text(max_size=6), hashable_json, max_size=4), st.text(max_size=8))
def test_a_stored_row_hashes_as_stored_to_the_events_own_hash(data: dict[str, Any], actor: str) -> None:
    from procflow.chain import seal, stored_digest
    from procflow.store.sql import event_row

    event = seal(
        Event("c-1", 1, "submitted", datetime(2026, 3, 2, tzinfo=UTC), actor, "r", "d" * 64,
              document="x", document_version=1, document_hash="e" * 64, data=data),
        None,
    )  # fmt: skip
    assert stored_digest(event_row(event)) == event.hash


@given(
    st.one_of(st.none(), st.dictionaries(st.text(max_size=6), hashable_json, max_size=4)),
    st.text(max_size=8),
    st.one_of(st.none(), st.text(max_size=8)),
    st.one_of(st.none(), st.text(max_size=12)),
)
def test_a_new_events_hash_is_sha256_of_its_rfc_8785_fields(
    data: dict[str, Any] | None, actor: str, trigger: str | None, basis: str | None
) -> None:
    """The independent spelling: every field of `event_values` and the basis, as one RFC 8785 list."""
    event = Event("c-1", 2, "fired", datetime(2026, 3, 2, tzinfo=UTC), actor, "r", "d" * 64, trigger=trigger,
                  source="a", dest="b", data=data, prev_hash="f" * 64, basis=basis)  # fmt: skip
    fields = [*event_values(event), *([] if basis is None else [basis])]
    assert event_digest(event) == hashlib.sha256(rfc8785.dumps(fields)).hexdigest()
