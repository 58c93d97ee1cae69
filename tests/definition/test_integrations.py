"""`integrations:` in a process file: built into the model, and every wrong reference reported at its line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from procflow import ProcessDefinition, check
from procflow.definition.values import FieldRef
from tests.conftest import line_of

Edit = Callable[[str, str, str], Path]


def test_the_sales_process_declares_the_erp_and_crm_events(sales: ProcessDefinition) -> None:
    erp, crm = sales.integrations["erp"], sales.integrations["crm"]
    payment = erp.events["payment_received"]
    assert erp.acts_as == "finance" and payment.submit == "invoice_payment" and not payment.start
    assert payment.match == FieldRef("signed_contract", "contract_no") and payment.match_from == "contract_no"
    lead = crm.events["lead_captured"]
    assert crm.acts_as == "bd_specialist" and lead.start and lead.match is None


@pytest.mark.parametrize(
    ("old", "new", "needle", "message"),
    [
        ("acts_as: finance", "acts_as: financ", "acts_as: financ", "unknown role 'financ'; did you mean 'finance'?"),
        ("acts_as: finance", "acts_as: customer", "acts_as: customer", "role 'customer' is external"),
        ("acts_as: finance", "acts_as: legal", "submit: invoice_payment", "erp acts as 'legal', which may not submit"),
        ("submit: invoice_payment", "submit: invoice", "submit: invoice", "unknown document 'invoice'"),
        ("submit: invoice_payment", "submit: lead_grading", "submit: lead_grading", "is computed by the engine"),
        (
            "documents.signed_contract.contract_no",
            "documents.signed_contract.contract",
            "documents.signed_contract.contract,",
            "document 'signed_contract' has no field 'contract'",
        ),
        ("acts_as: bd_specialist", "acts_as: finance", "start: true", "crm acts as 'finance', which may not start"),
    ],
    ids=[
        "unknown-role",
        "external-role",
        "role-may-not-submit",
        "unknown-document",
        "computed",
        "no-field",
        "no-start",
    ],
)
def test_a_wrong_integration_is_reported_at_its_line(edit: Edit, old: str, new: str, needle: str, message: str) -> None:
    path = edit("processes/sales.yaml", old, new)
    problems = [p for p in check(path).errors if message in p.message]
    assert problems, [str(p) for p in check(path).errors]
    assert problems[0].line == line_of(path, needle.split(",")[0]) and problems[0].column > 0
    assert problems[0].path.startswith("integrations.")


def test_an_event_must_either_start_or_match(edit: Edit) -> None:
    path = edit("processes/sales.yaml", "        start: true\n", "")
    errors = check(path).errors
    assert errors and all(e.path.startswith("integrations.crm.events.lead_captured") for e in errors)
