"""Diagrams and the handbook: what a process owner hands to the team."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from procflow import ProcessDefinition, graph
from procflow.cli import main
from procflow.handbook import build, example_documents, scenarios_beside
from tests.conftest import PROCESSES, chinese_font, headless_browser


def test_mermaid_is_well_formed(sales: ProcessDefinition) -> None:
    text = graph.mermaid(sales)
    lines = text.splitlines()
    assert lines[0] == "flowchart TD"
    assert sum(1 for line in lines if line.strip().startswith("subgraph ")) == sum(
        1 for line in lines if line.strip() == "end"
    )
    declared = set(re.findall(r"^\s+([a-z_][a-z0-9_]*)(?:\[|\(|\(\()", text, re.MULTILINE))
    declared |= set(re.findall(r"^\s+subgraph ([a-z_][a-z0-9_]*)\[", text, re.MULTILINE))  # states with regions
    for source, _label, dest in re.findall(r"^\s+(\w+) -->(?:\|\"([^\"]*)\"\|)? (\w+)$", text, re.MULTILINE):
        assert source in declared and dest in declared, (source, dest)
    for label in re.findall(r'"([^"]*)"', text):
        assert "<" not in label.replace("<br/>", "") and '"' not in label
    assert set(sales.states) <= declared
    assert 'first_contact -->|"hand_over [bd_specialist]"| research_planning' in text
    assert "T6 签约后1个工作日内将扫描件录入CRM系统" in text


def test_dot_has_a_cluster_per_stage_and_every_transition(sales: ProcessDefinition) -> None:
    text = graph.dot(sales, "en")
    with_regions = [s for s in sales.states.values() if s.regions]
    clusters = len(sales.stages) + sum(1 + len(s.regions) for s in with_regions)  # a state, then each region
    assert text.count("subgraph cluster_") == clusters
    assert "subgraph cluster_invoicing__payment {" in text
    edges = sum(len(t.sources) for t in sales.transitions) + 1
    assert text.count(" -> ") == edges
    assert 'label="Lead acquisition and recording\\nS1.2 · owner: bd_specialist' in text
    stage_two = next(line for line in text.splitlines() if "(阶段二)" in line)
    assert "\\\\n" not in stage_two and "\\nT5 " in stage_two  # a line break, not a backslash and an n


def test_no_box_of_the_svg_or_the_handbook_shows_a_literal_backslash_n(sales: ProcessDefinition) -> None:
    if not shutil.which("dot"):
        pytest.skip("needs Graphviz")
    for lang in ("zh-CN", "en"):
        svg = graph.svg(sales, lang)
        assert "\\n" not in svg, lang
        assert "\\n" not in build(sales, lang=lang).split("<svg", 1)[1].split("</svg>", 1)[0]


def test_svg_through_graphviz_or_a_clear_message(sales: ProcessDefinition, monkeypatch: pytest.MonkeyPatch) -> None:
    if os.environ.get("CI"):
        assert shutil.which("dot"), "CI must have Graphviz: .ci/run installs it"
    if shutil.which("dot"):
        svg = graph.svg(sales)
        assert svg.lstrip().startswith("<?xml") and "<svg" in svg and "线索获取与录入" in svg
    monkeypatch.setattr(shutil, "which", lambda name: None)
    err = io.StringIO()
    code = main(["graph", str(PROCESSES / "sales.yaml"), "--format", "svg"], io.StringIO(), err)
    assert code == 2 and "apt-get install graphviz" in err.getvalue() and "Traceback" not in err.getvalue()


def test_the_handbook_explains_each_step_with_roles_deadlines_and_examples(sales: ProcessDefinition) -> None:
    examples = example_documents(sales, scenarios_beside(PROCESSES / "sales.yaml", "sales"))
    page = build(sales, examples=examples)
    assert page.startswith("<!DOCTYPE html>") and "http://" not in page.replace("http://www.w3.org", "")
    assert "<h2>1. 客户开发与初步筛选" in page
    assert "签约后1个工作日内将扫描件录入CRM系统" in page  # T6 in plain words
    assert "documents.signed_contract.signed_at后 1 个工作日内" in page  # the rule in the process's language
    assert "角色与步骤" in page and "<td>R</td>" in page  # the role × step table
    assert page.count('class="example"') >= 10  # example renderings from the scenarios
    english = build(sales, lang="en", examples=examples)
    assert "Who does what" in english and "Lead acquisition and recording" in english
    assert "within 1 working day after documents.signed_contract.signed_at" in english


def test_the_handbook_renders_chinese_in_a_headless_browser(sales: ProcessDefinition, tmp_path: Path) -> None:
    chinese_font()
    page = tmp_path / "handbook.html"
    assert main(["handbook", str(PROCESSES / "sales.yaml"), "-o", str(page)], io.StringIO(), io.StringIO()) == 0
    shot = tmp_path / "handbook.png"
    dom = headless_browser(page, shot)
    assert "营销团队销售流程" in dom and "客户开发与初步筛选" in dom
    assert shot.is_file() and shot.stat().st_size > 50_000  # a real page, not a blank one
    print(f"handbook screenshot: {shot}")


@pytest.mark.parametrize(("ci", "outcome"), [(None, pytest.skip.Exception), ("true", pytest.fail.Exception)])
def test_a_missing_chinese_font_skips_outside_ci_and_fails_in_ci(
    monkeypatch: pytest.MonkeyPatch, ci: str | None, outcome: type[BaseException]
) -> None:
    def no_fonts(*args: object, **kwargs: object) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess(args, 0, stdout="", stderr="")

    monkeypatch.setattr(subprocess, "run", no_fonts)
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    with pytest.raises(outcome, match="no font with Chinese glyphs"):
        chinese_font()


def test_mermaid_state_diagram_draws_regions_as_concurrent_parts(sales: ProcessDefinition) -> None:
    text = graph.mermaid_state(sales, "en")
    lines = text.splitlines()
    assert lines[0] == "stateDiagram-v2"
    start, end = lines.index("  state invoicing {"), lines.index("  }")
    block = lines[start:end]
    assert "    --" in block  # the concurrency separator between the invoice and payment regions
    assert "    issuing_invoice --> invoice_issued : issue_invoice [finance]" in block
    assert "    chasing_payment --> payment_received : confirm_payment [account_manager]" in block
    assert "  invoicing --> kickoff : hand_over_delivery [account_manager]" in lines
    assert sum(1 for line in lines if " --> " in line and "[*]" not in line) == sum(
        len(t.sources) for t in sales.transitions
    )
