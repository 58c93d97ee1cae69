"""Regions and sign-offs on the command line: fire, status, available, sign, signers, graph."""

from __future__ import annotations

from pathlib import Path

from procflow import Actor, Engine
from procflow.store import open_store
from tests.conftest import PROCESSES, ROOT, Run, seat

SIGNOFF = ROOT / "tests" / "fixtures" / "signoff" / "processes" / "signoff.yaml"
PARALLEL = ROOT / "tests" / "fixtures" / "parallel" / "processes" / "parallel.yaml"


def seated(tmp_path: Path, *people: str) -> None:
    """Grant each PERSON:ROLE in the directory of the command line's scratch store."""
    actors = [Actor(*p.split(":")) for p in people]
    seat(Engine(open_store(f"sqlite:///{tmp_path / 'cli.db'}")), *actors).store.close()


def test_a_round_signed_on_the_command_line(run: Run, tmp_path: Path) -> None:
    seated(tmp_path, "fay:finance", "fay:legal", "lee:legal", "max:manager")
    (tmp_path / "request.json").write_text('{"text": "a laptop"}')
    assert run("start", str(SIGNOFF), "--as", "rita:requester", "--id", "r1")[0] == 0
    assert run("submit", "r1", "request", "request.json", "--as", "rita:requester")[0] == 0
    assert run("fire", "r1", "send", "--as", "rita:requester")[0] == 0
    code, out, _ = run("available", "r1", "--as", "fay:finance")
    assert code == 0 and "yes sign approve on review" in out and "yes sign reject on review" in out
    code, out, err = run("signers", "r1", "add", "auditor", "--as", "fay:finance")
    assert code == 3 and "only the owner of 'review' (manager)" in err
    assert run("signers", "r1", "add", "auditor", "--as", "max:manager")[0] == 0
    assert run("signers", "r1", "remove", "auditor", "--as", "max:manager")[0] == 0
    assert run("sign", "r1", "approve", "--comment", "budget ok", "--as", "fay:finance")[0] == 0
    code, _, err = run("sign", "r1", "approve", "--as", "fay:legal")
    assert code == 3 and "fay has already signed" in err
    assert run("sign", "r1", "approve", "--as", "lee:legal")[0] == 0
    code, out, _ = run("sign", "r1", "approve", "--as", "max:manager")
    assert code == 0 and "the round is decided: review → approved" in out


def test_regions_on_the_command_line(run: Run, tmp_path: Path) -> None:
    seated(tmp_path, "cleo:clerk")
    (tmp_path / "order.json").write_text('{"text": "chairs"}')
    run("start", str(PARALLEL), "--as", "cleo:clerk", "--id", "o1")
    run("submit", "o1", "order", "order.json", "--as", "cleo:clerk")
    code, out, _ = run("fire", "o1", "place", "--as", "cleo:clerk")
    assert code == 0 and "draft --place--> fulfilment (picking ‖ invoicing)" in out
    code, out, _ = run("status", "o1")
    assert "regions   picking ‖ invoicing" in out
    code, out, _ = run("list", "--process", "parallel", "--state", "invoicing")
    assert code == 0 and "o1" in out
    code, out, _ = run("graph", str(PARALLEL), "--format", "mermaid-state")
    assert code == 0 and "  state fulfilment {" in out and "    --" in out


def test_show_outlines_regions_and_sign_offs(run: Run) -> None:
    code, out, _ = run("show", str(PROCESSES / "purchase.yaml"))
    assert code == 0
    assert "sign-off: 2 of department_head, finance, general_manager → approve / decline" in out
    assert "regions: delivery (awaiting_delivery → goods_received) ‖ payment (awaiting_invoice → paid)" in out
    assert "goods_received Goods received [end of its region] [in fulfilment ▸ delivery]" in out
