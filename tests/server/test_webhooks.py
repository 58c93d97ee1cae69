"""Inbound events from the sales process's ERP and CRM, signed the way a real ERP signs its webhooks (HMAC-SHA256
over "timestamp.body" with the shared secret), against the real server: matched, started, deduplicated — and
forged, stale, replayed, unmatched or invalid deliveries refused with a problem document, writing nothing."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
from datetime import timedelta
from typing import Any

import httpx
import pytest

from procflow import Actor, Engine, ProcessDefinition
from procflow.cli.main import main
from procflow.people.admin import Draft
from procflow.people.cast import CAST_ADMIN
from procflow.scenario import read_scenario
from procflow.server import integrations
from procflow.store import open_store
from tests.conftest import PROCESSES, seat
from tests.server.conftest import Served

WON = read_scenario(PROCESSES / "sales" / "scenarios" / "won.yaml")
BD, AM = Actor("li", "bd_specialist"), Actor("wang", "account_manager")
PROBLEM = "application/problem+json"


def data_of(document: str, **changes: Any) -> dict[str, Any]:
    found = next(step["data"] for step in WON["steps"] if step.get("submit") == document)
    return {**found, **changes}


class Sender:
    """An outside system as it really sends: the body bytes, a timestamp, the HMAC, a delivery id."""

    def __init__(self, served: Served, name: str, secret: str) -> None:
        self.served, self.name, self.secret = served, name, secret

    def send(
        self, body: dict[str, Any], delivery: str, *, at: int | None = None, secret: str | None = None
    ) -> httpx.Response:
        raw = json.dumps(body, ensure_ascii=False).encode("utf-8")
        stamp = str(at if at is not None else int(self.served.clock.now().timestamp()))
        mac = hmac.new((secret or self.secret).encode(), stamp.encode() + b"." + raw, hashlib.sha256).hexdigest()
        headers = {
            "Content-Type": "application/json",
            "Procflow-Timestamp": stamp,
            "Procflow-Delivery": delivery,
            "Procflow-Signature": f"v1={mac}",
        }
        return httpx.post(f"{self.served.url}/api/integrations/{self.name}/events", content=raw, headers=headers)


@pytest.fixture
def selling(served: Served, sales: ProcessDefinition) -> Served:
    served.engine.register(sales)
    seat(served.engine, BD, AM)
    return served


@pytest.fixture
def erp(selling: Served) -> Sender:
    return Sender(selling, "erp", integrations.add(selling.engine, "erp", CAST_ADMIN)[0])


@pytest.fixture
def crm(selling: Served) -> Sender:
    return Sender(selling, "crm", integrations.add(selling.engine, "crm", CAST_ADMIN)[0])


@pytest.fixture
def contracted(selling: Served) -> str:
    """A sales case whose signed contract is HT-2026-0042."""
    engine = selling.engine
    case = engine.start("sales", BD)
    engine.submit(case.id, "signed_contract", data_of("signed_contract", contract_no="HT-2026-0042"), AM)
    return case.id


def payment(**changes: Any) -> dict[str, Any]:
    return {"event": "payment_received", "contract_no": "HT-2026-0042", "data": data_of("invoice_payment", **changes)}


def _submitted(served: Served, case_id: str, document: str) -> list[Any]:
    return [e for e in served.engine.get(case_id).history if e.kind == "submitted" and e.document == document]


def test_the_erp_payment_lands_on_the_case_with_that_contract(erp: Sender, contracted: str) -> None:
    response = erp.send(payment(), "erp-0001")
    assert response.status_code == 200, response.text
    assert response.json()["case"] == contracted and response.json()["submitted"] == "invoice_payment"
    (event,) = _submitted(erp.served, contracted, "invoice_payment")
    assert (event.actor, event.role) == ("integration:erp", "finance")


def test_a_redelivery_is_answered_again_and_submits_once(erp: Sender, contracted: str) -> None:
    first = erp.send(payment(), "erp-0002")
    again = erp.send(payment(), "erp-0002")
    assert again.status_code == first.status_code == 200 and again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert len(_submitted(erp.served, contracted, "invoice_payment")) == 1


def test_the_crm_lead_starts_a_case_with_its_record(crm: Sender) -> None:
    response = crm.send({"event": "lead_captured", "data": data_of("lead_record")}, "crm-1")
    assert response.status_code == 201, response.text
    case = crm.served.engine.get(response.json()["case"])
    assert case.history[0].actor == "integration:crm" and case.latest("lead_record") is not None


def test_an_invalid_lead_starts_nothing(crm: Sender) -> None:
    response = crm.send({"event": "lead_captured", "data": {"company_name": ""}}, "crm-2")
    assert response.status_code == 422 and response.headers["content-type"] == PROBLEM
    assert response.json()["errors"] and crm.served.engine.cases("sales") == []


def _refused(response: httpx.Response, status: int, kind: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM and "Traceback" not in response.text
    assert response.json()["type"] == f"urn:procflow:problem:{kind}"


def test_a_forged_webhook_is_refused(erp: Sender, contracted: str) -> None:
    _refused(erp.send(payment(), "erp-3", secret="whsec_guessed"), 401, "webhook-signature")
    tampered = httpx.post(
        f"{erp.served.url}/api/integrations/erp/events",
        content=json.dumps(payment(amount=1)).encode(),
        headers={"Procflow-Timestamp": "1", "Procflow-Delivery": "x", "Procflow-Signature": "v1=00"},
    )
    _refused(tampered, 401, "webhook-stale")
    _refused(Sender(erp.served, "bank", "whsec_x").send(payment(), "b-1"), 401, "webhook-signature")
    assert _submitted(erp.served, contracted, "invoice_payment") == []


def test_a_stale_or_replayed_webhook_is_refused(erp: Sender, contracted: str) -> None:
    now = int(erp.served.clock.now().timestamp())
    _refused(erp.send(payment(), "erp-4", at=now - 6 * 60), 401, "webhook-stale")
    _refused(erp.send(payment(), "erp-5", at=now + 6 * 60), 401, "webhook-stale")
    assert erp.send(payment(), "erp-6").status_code == 200
    erp.served.clock.advance(timedelta(minutes=6))
    _refused(erp.send(payment(), "erp-6", at=now), 401, "webhook-stale")  # the captured request, replayed later
    assert len(_submitted(erp.served, contracted, "invoice_payment")) == 1


def test_a_payment_for_no_case_is_a_clear_problem(erp: Sender, contracted: str) -> None:
    response = erp.send({**payment(), "contract_no": "HT-0000"}, "erp-7")
    _refused(response, 422, "no-matching-case")
    assert "documents.signed_contract.contract_no = 'HT-0000'" in response.json()["detail"]
    _refused(erp.send({**payment(), "event": "paid"}, "erp-8"), 422, "unknown-name")


def test_a_rotated_secret_keeps_working_for_the_grace_period(erp: Sender, contracted: str) -> None:
    old = erp.secret
    erp.secret = integrations.rotate(erp.served.store, "erp", erp.served.clock.now())
    assert erp.send(payment(), "erp-9").status_code == 200
    assert erp.send(payment(), "erp-10", secret=old).status_code == 200
    erp.served.clock.advance(timedelta(hours=25))
    _refused(erp.send(payment(), "erp-11", secret=old), 401, "webhook-signature")


def test_procflow_integration_add_rotate_list(tmp_path: Any) -> None:
    url = f"sqlite:///{tmp_path / 'i.db'}"
    db = ["--db", url]
    seat(Engine(open_store(url))).store.close()  # a directory whose admin is cast-admin
    out, said = io.StringIO(), io.StringIO()
    assert main(["integration", "add", "erp", "--as", CAST_ADMIN, *db], out, said) == 0
    assert out.getvalue().startswith("whsec_") and "integration:erp is in the team directory" in said.getvalue()
    err = io.StringIO()
    assert main(["integration", "add", "erp", "--as", CAST_ADMIN, *db], io.StringIO(), err) == 2
    assert "rotate" in err.getvalue()
    rotated = io.StringIO()
    assert main(["integration", "rotate", "erp", *db], rotated, io.StringIO()) == 0
    assert rotated.getvalue() != out.getvalue()
    listed = io.StringIO()
    assert main(["integration", "list", *db], listed, io.StringIO()) == 0 and "erp" in listed.getvalue()


def test_an_integration_without_its_grant_is_refused_by_the_engine(selling: Served, contracted: str) -> None:
    """`integrations.add` seats integration:erp with finance for sales; revoked, the engine refuses it."""
    erp = Sender(selling, "erp", integrations.add(selling.engine, "erp", CAST_ADMIN)[0])
    roster = selling.engine.directory.roster()
    assert [(g.role, g.process) for g in roster.grants_of("integration:erp")] == [("finance", "sales")]
    (finance,) = roster.grants_of("integration:erp")
    selling.engine.team.change(CAST_ADMIN, [Draft("revoked", {"grant": finance.id})], selling.clock.now())
    response = erp.send(payment(), "erp-20")
    _refused(response, 403, "role-not-held")
    assert "missing grant: integration:erp as 'finance'" in response.json()["detail"]
    assert _submitted(selling, contracted, "invoice_payment") == []


def test_matching_reads_the_index_not_every_case(erp: Sender, contracted: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Many running cases, one with the contract: the webhook reads that one case, never a list of them all."""
    engine = erp.served.engine
    others = [engine.start("sales", BD).id for _ in range(30)]
    for number, case_id in enumerate(others[:5]):
        engine.submit(case_id, "signed_contract", data_of("signed_contract", contract_no=f"HT-OTHER-{number}"), AM)
    store_type = type(erp.served.store)
    monkeypatch.setattr(store_type, "cases", lambda *a, **k: pytest.fail("the webhook scanned the cases"))
    monkeypatch.setattr(store_type, "case_ids", lambda *a, **k: pytest.fail("the webhook listed the cases"))
    read: list[str] = []
    get = store_type.get
    monkeypatch.setattr(store_type, "get", lambda self, case_id: read.append(case_id) or get(self, case_id))
    response = erp.send(payment(), "erp-index-1")
    assert response.status_code == 200, response.text
    assert response.json()["case"] == contracted and set(read) == {contracted}


def test_a_new_contract_number_moves_the_key_and_an_ended_case_has_none(erp: Sender, contracted: str) -> None:
    engine = erp.served.engine
    engine.submit(contracted, "signed_contract", data_of("signed_contract", contract_no="HT-2026-0099"), AM)
    stale = erp.send(payment(), "erp-index-2")  # the old number finds nothing now
    assert stale.status_code == 422 and stale.json()["type"].endswith("no-matching-case")
    store = erp.served.store
    assert store.matching("sales", "documents.signed_contract.contract_no", '"HT-2026-0099"') == [contracted]
    assert store.matching("sales", "documents.signed_contract.contract_no", '"HT-2026-0042"') == []


def test_two_cases_with_one_number_are_ambiguous(erp: Sender, contracted: str) -> None:
    engine = erp.served.engine
    twin = engine.start("sales", BD)
    engine.submit(twin.id, "signed_contract", data_of("signed_contract", contract_no="HT-2026-0042"), AM)
    response = erp.send(payment(), "erp-index-3")
    assert response.status_code == 409 and response.json()["type"].endswith("ambiguous")
    assert not _submitted(erp.served, contracted, "invoice_payment")


def test_a_store_from_before_the_index_is_backfilled_once(erp: Sender, contracted: str) -> None:
    """An upgraded store has the table but not its rows: the first webhook fills them, then reads the index."""
    store = erp.served.store

    def forget(tx: Any) -> None:
        tx.execute("DELETE FROM match_keys")
        tx.execute("INSERT INTO meta VALUES ('match_keys_backfill', 'pending')")

    store._write("as an old store", forget)  # type: ignore[attr-defined]
    assert (
        store.match_backfill_pending()
        and store.matching("sales", "documents.signed_contract.contract_no", '"HT-2026-0042"') == []
    )
    response = erp.send(payment(), "erp-index-4")
    assert response.status_code == 200 and response.json()["case"] == contracted
    assert not store.match_backfill_pending()
