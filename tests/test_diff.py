"""Semantic diff: a series of sales.yaml versions, one kind of change each, tested exactly."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from procflow import Actor, Engine, load, open_store
from procflow.cli import main
from tests.conftest import PROCESSES, REQUESTER, seat

SALES = PROCESSES / "sales.yaml"
Edit = Callable[[str, str, str], Path]

REVIEW_ROLES = "    to: presentation\n    roles: [sales_supervisor]\n"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return main(list(argv), out, err), out.getvalue(), err.getvalue()


def test_comments_order_and_layout_are_no_semantic_change(edit: Edit, tree: Path) -> None:
    path = edit("processes/sales.yaml", "procflow: 1\nid: sales\n", "id: sales   # moved up\nprocflow: 1\n\n\n")
    code, out, _ = run("diff", "--lang", "en", str(SALES), str(path))
    assert (code, out) == (
        0,
        f"sales 1.0 ({load(SALES).content_hash[:12]}) → 1.0 ({load(SALES).content_hash[:12]}): no semantic change\n",
    )


def test_a_widened_permission_is_called_out(edit: Edit) -> None:
    path = edit(
        "processes/sales.yaml",
        REVIEW_ROLES,
        REVIEW_ROLES.replace("[sales_supervisor]", "[sales_supervisor, sales_manager]"),
    )
    code, out, _ = run("diff", "--lang", "en", str(SALES), str(path))
    assert code == 1
    assert out.splitlines()[1:] == [
        "",
        "[方案制定与商务洽谈]",
        "  changed transition approve_solution: 评审通过，提交客户确认",
        "      permission widened: sales_manager may now fire it",
    ]


def test_a_deadline_change_says_stricter_or_looser(edit: Edit) -> None:
    path = edit("processes/sales.yaml", "within: 3 working days", "within: 2 working days")
    code, out, _ = run("diff", "--lang", "en", str(SALES), str(path), "--json")
    report = json.loads(out)
    assert code == 1 and report["format"] == 1 and report["equal"] is False
    assert report["changes"] == [
        {
            "kind": "changed",
            "element": "state",
            "id": "satisfaction_survey",
            "title": "客户满意度调研与反馈",
            "stage": "售后跟进与关系维护",
            "details": ["deadline T8 within: 3 working days → 2 working days (stricter)"],
        }
    ]


def test_a_renamed_state_with_the_same_title_is_a_rename(tree: Path) -> None:
    target = tree / "processes" / "sales.yaml"
    target.write_text(re.sub(r"\bkickoff\b", "handover_meeting", SALES.read_text("utf-8")), "utf-8")
    code, out, _ = run("diff", "--lang", "en", str(SALES), str(target))
    assert code == 1
    assert "  renamed state kickoff → handover_meeting: 客户交接与项目启动" in out
    assert "removed state" not in out and "added state" not in out


def test_document_schemas_are_compared_field_by_field(tree: Path) -> None:
    schema = tree / "schemas/sales/loss_record.schema.json"
    data = json.loads(schema.read_text())
    data["properties"]["reason"]["enum"] = [*data["properties"]["reason"]["enum"], "merger"]
    data["properties"]["competitor_price"] = {"type": "number", "minimum": 0, "title": "竞争对手报价"}
    schema.write_text(json.dumps(data, ensure_ascii=False))
    code, out, _ = run("diff", "--lang", "en", str(SALES), str(tree / "processes/sales.yaml"))
    assert code == 1
    assert "  changed document loss_record: 流失记录" in out or "changed document loss_record" in out
    assert "      field competitor_price added" in out
    assert any(line.strip().startswith("field reason: enum [") and "'merger'" in line for line in out.splitlines())


def test_a_changed_guard_and_a_removed_transition(edit: Edit) -> None:
    edit(
        "processes/sales.yaml",
        "documents.meeting_minutes.outcome == 'proceed'",
        "documents.meeting_minutes.outcome in ['proceed']",
    )
    code, out, _ = run(
        "diff",
        "--lang",
        "en",
        str(SALES),
        str(edit("processes/sales.yaml", "id: sales\n", "id: sales\n")),
        "--format",
        "md",
    )
    assert code == 1
    assert "- changed transition start_contract" in out
    assert (
        "  - guard: documents.meeting_minutes.outcome == 'proceed' → documents.meeting_minutes.outcome in ['proceed']"
        in out
    )


def test_bad_sides_exit_2_with_a_clear_message(edit: Edit) -> None:
    broken = edit("processes/sales.yaml", "    owner: legal\n", "    owner: legl\n")
    code, _, err = run("diff", "--lang", "en", str(SALES), str(broken))
    assert code == 2 and "unknown role 'legl'; did you mean 'legal'?" in err
    code, _, err = run("diff", "--lang", "en", "no-such-rev:processes/sales.yaml", str(SALES))
    assert code == 2 and "git cannot read revision 'no-such-rev'" in err
    code, _, err = run("diff", "--lang", "en", "missing.yaml", str(SALES))
    assert code == 2 and "missing.yaml: no such file" in err


def test_stored_versions_and_the_cases_a_change_touches(mini_copy: Callable[[str, str], Path], tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'd.db'}"
    engine = seat(Engine(open_store(url)), REQUESTER, Actor("a", "auditor"))
    old = engine.register(load(mini_copy("title: Draft\n", "title: Draft\n")))
    engine.publish("mini", "policy", {"limit": 1000}, REQUESTER.__class__("a", "auditor"))
    case = engine.start("mini", REQUESTER)
    new = engine.register(load(mini_copy("    requires: [request]\n", "    requires: [request, decision]\n")))
    code, out, _ = run(
        "diff", "--lang", "en", f"mini@{old.content_hash[:10]}", f"mini@{new.content_hash[:10]}", "--db", url, "--cases"
    )
    assert code == 1
    assert "      now requires decision" in out
    assert f"  {case.id} (draft): 'decision' is now required (to leave 'draft') but the case has none" in out


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_audit_file_formats(fmt: str, edit: Edit) -> None:
    path = edit("processes/sales.yaml", "within: 3 working days", "within: 2 working days")
    code, out, _ = run("diff", "--lang", "en", str(SALES), str(path), "--format", fmt)
    assert code == 1
    assert ("<h2>售后跟进与关系维护</h2>" in out) if fmt == "html" else ("## 售后跟进与关系维护" in out)


def test_the_diff_speaks_the_process_language(edit: Edit) -> None:
    changed = edit("processes/sales.yaml", "within: 1 working day", "within: 2 working days")
    code, out, _ = run("diff", str(SALES), str(changed))
    assert code == 1 and "  修改 " in out and "时限 T6 within: 1 working day → 2 working days（放宽）" in out
    assert "changed" not in out and "looser" not in out
    code, out, _ = run("diff", str(SALES), str(changed), "--lang", "en")
    assert code == 1 and "  changed " in out and "deadline T6 within: 1 working day → 2 working days (looser)" in out
