"""Process owners write the words: message templates declared in the YAML are read into the bundle and checked
at load like document templates — missing files, syntax, and names or fields a message does not have."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from procflow import load
from procflow.definition.loader import check
from procflow.errors import DefinitionError
from tests.conftest import line_of

SALES = "processes/sales.yaml"
ESCALATION = "doc_templates/sales/messages/escalation.zh-CN.md.j2"


def test_the_sales_process_carries_its_message_templates_in_its_bundle(sales_file: Path) -> None:
    definition = load(sales_file)
    assert definition.messages["escalation"] == {"zh-CN": "sales/messages/escalation.zh-CN.md.j2"}
    assert "sales/messages/escalation.zh-CN.md.j2" in definition.templates  # stored with the version


@pytest.fixture
def sales_file(tree: Path) -> Path:
    return tree / SALES


@pytest.mark.parametrize(
    ("old", "new", "phrase", "needle"),
    [
        (
            "{{ message.overdue_by }}",
            "{{ message.overdue }}",
            "message.overdue is not in a message",
            "message.overdue }}",
        ),
        ("{{ person.name }}", "{{ doc.customer }}", "template uses 'doc'; message templates can use person", "doc."),
        ("{{ case.id }}", "{{ case.id }", "does not parse", "{{ case.id }"),
    ],
    ids=["unknown-field", "document-root", "syntax"],
)
def test_a_broken_message_template_is_reported_at_its_line(
    tree: Path, edit: Callable[[str, str, str], Path], old: str, new: str, phrase: str, needle: str
) -> None:
    template = tree / ESCALATION
    template.write_text(template.read_text("utf-8").replace(old, new, 1), "utf-8")
    result = check(tree / SALES)
    found = [p for p in result.errors if phrase in p.message]
    assert len(found) == 1, [str(p) for p in result.errors]
    assert found[0].file.endswith("sales/messages/escalation.zh-CN.md.j2")
    assert found[0].line == line_of(template, needle)
    assert found[0].path == "messages.escalation.zh-CN"


def test_a_missing_message_template_is_an_error_where_the_yaml_names_it(
    tree: Path, edit: Callable[[str, str, str], Path]
) -> None:
    edit(
        SALES,
        "{overdue_by: 4h, notify: sales_manager, action: notify}",
        "{overdue_by: 4h, notify: sales_manager, action: notify, message: sales/messages/nope.md.j2}",
    )
    with pytest.raises(DefinitionError) as caught:
        load(tree / SALES)
    problem = next(p for p in caught.value.problems if "nope.md.j2" in p.message)
    assert "no such file inside doc_templates/" in problem.message
    assert problem.line == line_of(tree / SALES, "sales/messages/nope.md.j2")


def test_a_malformed_declaration_is_refused_by_the_schema(tree: Path, edit: Callable[[str, str, str], Path]) -> None:
    edit(SALES, "  reminder: {zh-CN: sales/messages/reminder.zh-CN.md.j2}", "  reminder: {zh-CN: 42}\n  digest: x.j2")
    with pytest.raises(DefinitionError) as caught:
        load(tree / SALES)
    assert any("messages" in p.path for p in caught.value.problems)


def test_a_declared_move_template_is_carried_and_checked_like_the_others(
    tree: Path, edit: Callable[[str, str, str], Path]
) -> None:
    edit(SALES, "messages:\n", "messages:\n  move: {zh-CN: sales/messages/move.zh-CN.md.j2}\n")
    template = tree / "doc_templates/sales/messages/move.zh-CN.md.j2"
    template.write_text("{{ case.id }}：{{ message.from_title }} → {{ case.state_title }}\n{{ message.actor }}\n")
    assert load(tree / SALES).messages["move"] == {"zh-CN": "sales/messages/move.zh-CN.md.j2"}
    template.write_text("{{ case.id }}\n{{ message.from_state }}\n")
    found = [p for p in check(tree / SALES).errors if "message.from_state is not in a message" in p.message]
    assert [(p.line, p.path) for p in found] == [(2, "messages.move.zh-CN")]


def test_procflows_default_message_templates_use_only_what_a_message_has() -> None:
    from procflow.definition.messages import CONTEXT, KINDS, _unknown_reads
    from procflow.notify.wording import DEFAULT_PREFIX, default_templates
    from procflow.rendering import Renderer

    defaults = default_templates()
    renderer = Renderer(dict(defaults))
    assert {name.removeprefix(DEFAULT_PREFIX).split(".")[0] for name in defaults} == set(KINDS)
    for name, source in defaults.items():
        assert list(_unknown_reads(renderer, name, source)) == [], name
    assert "from_title" in CONTEXT["message"]
