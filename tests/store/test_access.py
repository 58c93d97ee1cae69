"""The HTTP server's records on every store: the same answers from memory, SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from procflow.store import Store
from procflow.store.access import AttachmentRecord, IdempotencyRecord, IntegrationRecord, TokenRecord

AT = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def test_accounts_and_login_failures(store: Store) -> None:
    assert store.password_hash("alan") is None
    store.set_password("alan", "$argon2id$one", AT)
    store.set_password("alan", "$argon2id$two", AT)
    assert store.password_hash("alan") == "$argon2id$two"
    for minutes in (0, 10, 20):
        store.add_login_failure("account:alan", AT + timedelta(minutes=minutes))
    assert store.login_failures("account:alan", AT + timedelta(minutes=5)) == 2
    assert store.login_failures("address:1.2.3.4", AT) == 0
    store.clear_login_failures("account:alan")
    assert store.login_failures("account:alan", AT) == 0


def test_tokens_are_found_by_digest_and_revoked_once(store: Store) -> None:
    token = TokenRecord("t1", "rita", "d" * 64, ("write",), AT, AT + timedelta(days=1), label="ci")
    store.add_token(token)
    store.add_token(TokenRecord("t2", "alan", "e" * 64, ("read",), AT + timedelta(seconds=1), None))
    assert store.token("d" * 64) == token
    assert store.token("f" * 64) is None
    assert [t.id for t in store.tokens()] == ["t1", "t2"] and [t.id for t in store.tokens("alan")] == ["t2"]
    assert store.revoke_token("t1", AT) and not store.revoke_token("t1", AT) and not store.revoke_token("nope", AT)
    revoked = store.token("d" * 64)
    assert revoked is not None and revoked.revoked_at == AT


def test_integrations_are_replaced_by_name(store: Store) -> None:
    store.save_integration(IntegrationRecord("erp", "s1", AT))
    store.save_integration(IntegrationRecord("erp", "s2", AT, previous_secret="s1", rotated_at=AT))
    store.save_integration(IntegrationRecord("crm", "c1", AT))
    assert store.integration("erp") == IntegrationRecord("erp", "s2", AT, "s1", AT)
    assert [i.name for i in store.integrations()] == ["crm", "erp"] and store.integration("x") is None


def test_an_idempotency_key_is_taken_once(store: Store) -> None:
    first = IdempotencyRecord("rita POST /x", "k", "f1", AT)
    assert store.reserve_idempotency(first) is None
    running = store.reserve_idempotency(IdempotencyRecord("rita POST /x", "k", "f2", AT))
    assert running is not None and running.fingerprint == "f1" and running.status is None
    store.complete_idempotency("rita POST /x", "k", 201, '{"a": 1}')
    done = store.reserve_idempotency(first)
    assert done is not None and (done.status, done.body) == (201, '{"a": 1}')
    store.release_idempotency("rita POST /x", "k")  # a completed key is kept
    assert store.reserve_idempotency(first) is not None
    assert store.reserve_idempotency(IdempotencyRecord("alan POST /x", "k", "f1", AT)) is None  # per scope
    store.release_idempotency("alan POST /x", "k")
    assert store.reserve_idempotency(IdempotencyRecord("alan POST /x", "k", "f1", AT)) is None


def test_attachments_are_kept_by_hash_once(store: Store) -> None:
    record = AttachmentRecord("a" * 64, "application/pdf", 5, AT)
    store.put_attachment(record, b"%PDF-")
    store.put_attachment(record, b"%PDF-")
    assert store.attachment("a" * 64) == (record, b"%PDF-")
    assert store.attachment("b" * 64) is None
