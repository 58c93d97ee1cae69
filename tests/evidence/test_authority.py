"""Authority from the YAML alone: no single-person path to customer in sales.yaml; a weakened copy has one."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

from procflow import load
from procflow.cli.main import main
from procflow.evidence import authority
from tests.conftest import PROCESSES

SALES = PROCESSES / "sales.yaml"
RULE = """  - id: payment_not_self_confirmed
    ref: S4.3
    title: {zh-CN: 录入回款者不得自行通知交付, en: Whoever records the payment may not hand the deal over to delivery}
    did: "submit:invoice_payment"
    may_not: "fire:hand_over_delivery"
"""


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def test_sales_has_no_single_person_path_from_negotiation_to_customer() -> None:
    code, out, _ = run("authority", str(SALES))
    assert code == 0 and out == "invariant no_lone_close: no single-person path from negotiation to customer\n"


def test_a_weakened_copy_has_one_and_says_which_steps(edit: Callable[[str, str, str], Path]) -> None:
    weakened = edit("processes/sales.yaml", RULE, "")
    code, out, _ = run("authority", str(weakened), "--json")
    assert code == 1
    [finding] = json.loads(out)
    assert finding["broken"] and finding["invariant"] == "no_lone_close"
    assert finding["path"] == ["invoicing", "kickoff"]
    # the regions hand_over_delivery joins (invoice ‖ payment) are walked first, the document submitted once
    assert [s["step"] for s in finding["steps"]] == [
        "submit:invoice_payment",
        "fire:issue_invoice",
        "fire:confirm_payment",
        "fire:hand_over_delivery",
    ]
    code, out, _ = run("authority", str(weakened))
    assert code == 1 and out.startswith("BROKEN — invariant no_lone_close: one person could go from negotiation")


def test_an_external_sign_off_stops_a_lone_path(edit: Callable[[str, str, str], Path]) -> None:
    weakened = edit("processes/sales.yaml", RULE, "")
    definition = load(weakened)
    compiled = authority.CompiledProcess.compile(definition)
    starts, ends = authority.resolve(definition, "negotiation"), authority.resolve(definition, "customer")
    assert authority.lone_path(definition, compiled, starts, ends) is not None
    customer_pays = edit("processes/sales.yaml", "    roles: [account_manager]\n    guard: \"documents.invoice_payment",
                         "    roles: [customer]\n    guard: \"documents.invoice_payment")  # fmt: skip
    definition = load(customer_pays)
    compiled = authority.CompiledProcess.compile(definition)
    assert authority.lone_path(definition, compiled, starts, ends) is None


def test_without_invariants_each_pipeline_step_is_reported(edit: Callable[[str, str, str], Path]) -> None:
    text = SALES.read_text("utf-8")
    start = text.index("invariants:\n")
    end = text.index("\n# ----", start)
    plain = edit("processes/sales.yaml", text[start:end], "")
    code, out, _ = run("authority", str(plain))
    assert code == 0
    assert "one person could go from lead to prospect alone: first_contact → research_planning" in out
    assert "no single-person path from negotiation to customer" in out


def test_an_invariant_naming_nothing_is_a_located_error(edit: Callable[[str, str, str], Path]) -> None:
    bad = edit("processes/sales.yaml", "no_single_person: {from: negotiation,", "no_single_person: {from: negotation,")
    code, _, err = run("authority", str(bad))
    assert code == 1 and "sales.yaml:" in err
    assert "invariant 'no_lone_close': 'negotation' names no state, stage or pipeline position" in err
    assert "did you mean 'negotiation'" in err


def test_diff_reports_a_changed_invariant(edit: Callable[[str, str, str], Path]) -> None:
    from procflow.diff import compare

    moved = edit("processes/sales.yaml", "no_single_person: {from: negotiation, to: customer}",
                 "no_single_person: {from: opportunity, to: customer}")  # fmt: skip
    changes = [c for c in compare(load(SALES), load(moved)) if c.element == "invariant"]
    assert [(c.kind, c.id, c.details) for c in changes] == [
        ("changed", "no_lone_close", ("start: negotiation → opportunity",))
    ]
