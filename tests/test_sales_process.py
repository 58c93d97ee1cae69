"""processes/sales.yaml carries every numbered element of the written procedure."""

from __future__ import annotations

import re

import pytest

from procflow import ProcessDefinition
from tests.conftest import PROCESSES, ROOT

PROCEDURE = ROOT.parent / "shared" / "seed" / "sales-procedure.md"
SALES = (PROCESSES / "sales.yaml").read_text("utf-8")


def numbered(prefix: str) -> list[str]:
    if not PROCEDURE.is_file():
        pytest.skip(f"{PROCEDURE} is not beside this checkout")
    rows = re.findall(rf"^\| ({prefix}[0-9.]+) \|", PROCEDURE.read_text("utf-8"), re.MULTILINE)
    return sorted(set(rows))


def refs(definition: ProcessDefinition) -> set[str]:
    found = {r.ref for r in definition.roles.values()} | {d.ref for d in definition.documents.values()}
    found |= {s.ref for s in definition.states.values()} | {t.ref for t in definition.transitions}
    for holder in (*definition.stages, *definition.states.values()):
        found |= {d.ref for d in holder.deadlines}
    return found


def test_every_role_deadline_and_numbered_document_has_its_ref(sales: ProcessDefinition) -> None:
    expected = {f"R{i}" for i in range(1, 11)} | {f"T{i}" for i in range(1, 9)} | {f"D{i}" for i in range(1, 15)}
    assert expected <= refs(sales)


def test_every_step_of_the_procedure_is_carried(sales: ProcessDefinition) -> None:
    steps = numbered("S")
    assert len(steps) == 20
    missing = [s for s in steps if s not in refs(sales) and not re.search(rf"#.*\b{re.escape(s)}\b", SALES)]
    assert missing == []


def test_titles_are_chinese_beside_english_ids(sales: ProcessDefinition) -> None:
    han = re.compile(r"[\u4e00-\u9fff]")
    for item in (*sales.roles.values(), *sales.states.values(), *sales.documents.values(), *sales.stages):
        assert item.id.isascii()
        assert han.search(item.title.get("zh-CN")), item.id
        assert item.title.get("en") and not han.search(item.title.get("en")), item.id


def test_the_gates_the_procedure_asks_for(sales: ProcessDefinition) -> None:
    by_trigger = {t.trigger: t for t in sales.transitions}
    assert "grade in ['A', 'B']" in (by_trigger["qualify"].guard or "")
    assert by_trigger["park_low_match"].dest == "nurture" and by_trigger["reactivate"].dest == "first_contact"
    assert by_trigger["reject_solution"].dest == "solution_design"
    assert "payment_status == 'received'" in (by_trigger["confirm_payment"].guard or "")
    # S4.3: invoice ‖ payment follow-up, joined before the hand-over (S4.4)
    invoicing = sales.states["invoicing"]
    assert [r.id for r in invoicing.regions] == ["invoice", "payment"] and invoicing.join == ("invoice", "payment")
    assert (
        by_trigger["hand_over_delivery"].sources == ("invoicing",) and not by_trigger["hand_over_delivery"].interrupts
    )
    lose = by_trigger["lose"]
    before_signing = [
        s for s in sales.states.values() if sales.stage_of(s.id).index < 3 and not s.final and s.parent is None
    ]
    assert {s.id for s in before_signing} <= set(lose.sources)
    assert "invoicing" not in lose.sources
    assert sales.documents["lead_grading"].computed is not None
    assert sales.calendar is not None and sales.calendar.country == "CN"
