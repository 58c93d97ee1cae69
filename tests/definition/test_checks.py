"""Graph and reference checks on edited copies of the shipped processes: each problem, where it is written."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from procflow.cli import main
from procflow.definition.loader import CheckResult
from procflow.errors import Problem
from tests.conftest import line_of
from tests.definition.conftest import at, find, position, refuse_network

Edit = Callable[[str, str], tuple[Path, list[Problem]]]
EditFile = Callable[[str, str, str], Path]

COMPLAINT = "processes/complaint.yaml"
ACK_TEMPLATE = "doc_templates/complaint/acknowledgement.md.j2"
STATUS_SCHEMA = "schemas/complaint/status_update.schema.json"
APPROVE_GUARD = "    guard: documents.manager_approval.approved\n"


# --- references: roles, states, documents, stages ------------------------------------------

REFERENCES = [
    pytest.param(
        "    roles: [support_agent]\n    requires: [complaint_record, acknowledgement]",
        "    roles: [support_agnt]\n    requires: [complaint_record, acknowledgement]",
        "unknown role 'support_agnt'; did you mean 'support_agent'?",
        ("roles: [support_agnt]", "support_agnt"),
        "transitions[0].roles[0]",
        id="role-in-transition",
    ),
    pytest.param(
        "    owner: quality_engineer\n",
        "    owner: quality_enginer\n",
        "unknown role 'quality_enginer'; did you mean 'quality_engineer'?",
        ("owner: quality_enginer", "quality_enginer"),
        "states.investigating.owner",
        id="state-owner",
    ),
    pytest.param(
        "            notify: support_manager\n            action: flag\n\n  escalated:",
        "            notify: support_mgr\n            action: flag\n\n  escalated:",
        "unknown role 'support_mgr'; did you mean 'support_manager'?",
        ("notify: support_mgr", "support_mgr"),
        "states.triage.deadlines[0].escalate[0].notify",
        id="escalation-role",
    ),
    pytest.param(
        "    from: registration\n    to: triage\n",
        "    from: registraton\n    to: triage\n",
        "unknown state 'registraton'; did you mean 'registration'?",
        ("from: registraton", "registraton"),
        "transitions[0].from",
        id="state-in-from",
    ),
    pytest.param(
        "    from: [registration, triage, escalated,",
        "    from: [registration, triag, escalated,",
        "unknown state 'triag'; did you mean 'triage'?",
        ("from: [registration, triag,", "triag"),
        "transitions[13].from[1]",
        id="state-in-from-list",
    ),
    pytest.param(
        "    from: registration\n    to: triage\n",
        "    from: registration\n    to: triag\n",
        "unknown state 'triag'; did you mean 'triage'?",
        ("to: triag", "triag"),
        "transitions[0].to",
        id="state-in-to",
    ),
    pytest.param(
        "initial: registration\n",
        "initial: registraton\n",
        "unknown state 'registraton'; did you mean 'registration'?",
        ("initial: registraton", "registraton"),
        "initial",
        id="initial-state",
    ),
    pytest.param(
        "    requires: [complaint_record, acknowledgement]",
        "    requires: [complaint_record, acknowledgment]",
        "unknown document 'acknowledgment'; did you mean 'acknowledgement'?",
        ("requires: [complaint_record, acknowledgment]", "acknowledgment"),
        "transitions[0].requires[1]",
        id="document-in-transition-requires",
    ),
    pytest.param(
        "      - document: manager_approval\n",
        "      - document: manager_aproval\n",
        "unknown document 'manager_aproval'; did you mean 'manager_approval'?",
        ("- document: manager_aproval", "document:"),
        "states.approval.requires[0]",
        id="document-in-state-requires",
    ),
    pytest.param(
        "  escalated:\n    stage: escalation\n",
        "  escalated:\n    stage: escalaton\n",
        "unknown stage 'escalaton'; did you mean 'escalation'?",
        ("stage: escalaton", "escalaton"),
        "states.escalated.stage",
        id="stage",
    ),
]


@pytest.mark.parametrize(("old", "new", "message", "where", "path"), REFERENCES)
def test_unknown_reference_is_named_with_a_suggestion_where_it_is_written(
    complaint_errors: Edit, old: str, new: str, message: str, where: tuple[str, str], path: str
) -> None:
    file, errors = complaint_errors(old, new)
    problem = find(errors, message)
    assert problem.message == message
    assert at(problem) == position(file, *where)
    assert problem.path == path
    assert problem.file == str(file)


# --- the graph -------------------------------------------------------------------------------

ORPHAN = "  orphan:\n    stage: closure\n    title: Orphan\n    final: true\n\n  withdrawn:\n"
REOPEN = (
    "    guard: documents.closure_summary.outcome == 'resolved'\n\n"
    "  - trigger: reopen\n    from: resolved\n    to: closing\n    roles: [support_manager]\n"
)

GRAPH = [
    pytest.param(
        "  withdrawn:\n",
        ORPHAN,
        "state 'orphan' cannot be reached from the initial state 'registration'; add a transition to it or remove it",
        ("  orphan:", "orphan"),
        "states.orphan",
        id="unreachable",
    ),
    pytest.param(
        "duplicate or out of scope).\n    final: true\n",
        "duplicate or out of scope).\n",
        "state 'withdrawn' has no way out; add a transition from it or mark it 'final: true'",
        ("  withdrawn:", "withdrawn"),
        "states.withdrawn",
        id="dead-end",
    ),
    pytest.param(
        "    guard: documents.closure_summary.outcome == 'resolved'\n",
        REOPEN,
        "'reopen' leaves final state 'resolved'; a final state has no way out (remove 'final: true' or the transition)",
        ("from: resolved", "resolved"),
        "transitions[13].from",
        id="leaves-final",
    ),
    pytest.param(
        "  - trigger: escalate\n",
        "  - trigger: assign_investigation\n",
        "trigger 'assign_investigation' already leaves state 'triage' (transitions[1]); "
        "give each move from a state its own trigger name",
        ("trigger: assign_investigation", "assign_investigation", 2),
        "transitions[2].trigger",
        id="trigger-twice-from-a-state",
    ),
    pytest.param(
        "    produced_by: [quality_engineer]\n",
        "",
        "nobody can submit document 'investigation_report': add produced_by: [role, ...]",
        ("  investigation_report:", "investigation_report"),
        "documents.investigation_report",
        id="required-document-nobody-produces",
    ),
]


@pytest.mark.parametrize(("old", "new", "message", "where", "path"), GRAPH)
def test_graph_problem_is_reported_at_its_place(
    complaint_errors: Edit, old: str, new: str, message: str, where: tuple[Any, ...], path: str
) -> None:
    file, errors = complaint_errors(old, new)
    problem = find(errors, message)
    assert problem.message == message
    assert at(problem) == position(file, *where)
    assert problem.path == path


# --- warnings are not errors ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "message", "where", "path"),
    [
        pytest.param(
            "    to: proposing\n    roles: [quality_engineer]\n",
            "    to: proposing\n",
            "transition 'propose_resolution' names no roles, so nobody can fire it; add roles: [...]",
            ("- trigger: propose_resolution", "trigger"),
            "transitions[4]",
            id="transition-without-roles",
        ),
        pytest.param(
            "    produced_by: [support_agent, quality_engineer]\n",
            "",
            "nobody can submit document 'status_update': add produced_by: [role, ...]",
            ("  status_update:", "status_update"),
            "documents.status_update",
            id="unrequired-document-nobody-produces",
        ),
    ],
)
def test_warning_keeps_the_definition_loadable(
    problems_after: Callable[[str, str, str], tuple[Path, list[Problem]]],
    checked: Callable[[Path], CheckResult],
    old: str,
    new: str,
    message: str,
    where: tuple[str, str],
    path: str,
) -> None:
    file, problems = problems_after(COMPLAINT, old, new)
    problem = find(problems, message)
    assert problem.severity == "warning"
    assert str(problem).startswith(f"{file}:{problem.line}:{problem.column}: warning: ")
    assert at(problem) == position(file, *where)
    assert problem.path == path
    result = checked(file)
    assert result.errors == [] and result.definition is not None


def test_both_shipped_processes_have_no_problems_at_all(checked: Callable[[Path], CheckResult], tree: Path) -> None:
    for name in ("sales.yaml", "complaint.yaml"):
        assert checked(tree / "processes" / name).problems == []


# --- schemas ---------------------------------------------------------------------------------


def test_missing_schema_file_is_reported_at_the_document(complaint_errors: Edit) -> None:
    file, errors = complaint_errors(
        "    schema: complaint/escalation_note.schema.json\n", "    schema: complaint/escalation_notes.schema.json\n"
    )
    problem = find(errors, "complaint/escalation_notes.schema.json: no such file")
    assert problem.message.startswith("schema file ")
    assert at(problem) == position(file, "escalation_notes.schema.json", "complaint/")
    assert problem.path == "documents.escalation_note.schema"


@pytest.mark.parametrize(
    ("field", "relative"),
    [("schema", "../secret.schema.json"), ("template", "../secret.md.j2")],
    ids=["schema", "template"],
)
def test_files_outside_the_process_tree_are_never_read(
    tree: Path, complaint_errors: Edit, field: str, relative: str
) -> None:
    (tree / relative.removeprefix("../")).write_text('{"type": "object", "title": "SECRET"}', "utf-8")
    current = f"complaint/acknowledgement.{'schema.json' if field == 'schema' else 'md.j2'}"
    file, errors = complaint_errors(f"    {field}: {current}\n", f"    {field}: {relative}\n")
    problem = find(errors, "no such file")
    assert problem.path == f"documents.acknowledgement.{field}"
    assert at(problem) == position(file, f"{field}: {relative}", relative)
    assert all("SECRET" not in p.message for p in errors)


def _write_schema(tree: Path, schema: dict[str, Any]) -> None:
    (tree / STATUS_SCHEMA).write_text(json.dumps(schema), "utf-8")


def test_schema_that_is_not_a_valid_json_schema(tree: Path, checked: Callable[[Path], CheckResult]) -> None:
    schema = json.loads((tree / STATUS_SCHEMA).read_text("utf-8"))
    schema["properties"]["progress"]["type"] = "strin"
    _write_schema(tree, schema)
    file = tree / COMPLAINT
    problem = find(checked(file).errors, "is not a valid JSON Schema")
    assert problem.message.startswith("complaint/status_update.schema.json is not a valid JSON Schema: ")
    assert "(at properties/progress/type)" in problem.message
    assert at(problem) == position(file, "schema: complaint/status_update.schema.json", "complaint/")
    assert problem.path == "documents.status_update.schema"


@pytest.mark.parametrize(
    ("ref", "field"),
    [
        ("https://example.com/schemas/money.json", "budget"),
        ("http://localhost:9/x.json#/$defs/y", "budget"),
        ("file:///etc/passwd", "budget"),
        ("https://example.com/schemas/progress.json", "progress"),
    ],
    ids=["https", "http", "file", "https-on-a-field-the-template-renders"],
)
def test_remote_ref_in_a_document_schema_is_an_error_and_nothing_is_fetched(
    tree: Path,
    checked: Callable[[Path], CheckResult],
    monkeypatch: pytest.MonkeyPatch,
    ref: str,
    field: str,
) -> None:
    attempts = refuse_network(monkeypatch)
    schema = json.loads((tree / STATUS_SCHEMA).read_text("utf-8"))
    schema["properties"][field] = {"$ref": ref, "description": "remote"}
    _write_schema(tree, schema)
    file = tree / COMPLAINT
    problem = find(checked(file).errors, "does not resolve to a schema under schemas/")
    assert f"$ref {ref!r}" in problem.message
    assert "nothing is fetched over the network" in problem.message
    assert at(problem) == position(file, "schema: complaint/status_update.schema.json", "complaint/")
    assert problem.path == "documents.status_update.schema"
    assert attempts == []


# --- templates ------------------------------------------------------------------------------


def _template_problem(problems: list[Problem], tree: Path, phrase: str) -> tuple[Problem, Path]:
    problem = find(problems, phrase)
    template = tree / ACK_TEMPLATE
    assert Path(problem.file).resolve() == template.resolve(), "the problem must be reported in the template file"
    assert problem.path == "documents.acknowledgement.template"
    return problem, template


def test_template_using_a_field_its_schema_lacks(
    tree: Path, edit: EditFile, checked: Callable[[Path], CheckResult]
) -> None:
    edit(ACK_TEMPLATE, "{{ doc.message }}", "{{ doc.mesage }}")
    problem, template = _template_problem(
        checked(tree / COMPLAINT).errors,
        tree,
        "template uses doc.mesage, which complaint/acknowledgement.schema.json does not declare; "
        "did you mean 'message'?",
    )
    assert problem.line == line_of(template, "{{ doc.mesage }}")


def test_template_field_inside_a_loop_and_a_nested_object_is_checked(
    tree: Path, edit: EditFile, checked: Callable[[Path], CheckResult]
) -> None:
    edit(
        "doc_templates/complaint/complaint_record.md.j2",
        "- E-mail: {{ doc.customer.email }}",
        "- E-mail: {{ doc.customer.mail }}",
    )
    problem = find(checked(tree / COMPLAINT).errors, "template uses doc.customer.mail")
    assert problem.line == line_of(tree / "doc_templates/complaint/complaint_record.md.j2", "doc.customer.mail")


def test_template_syntax_error(tree: Path, edit: EditFile, checked: Callable[[Path], CheckResult]) -> None:
    edit(ACK_TEMPLATE, "{{ doc.message }}", "{% if doc.message %}\n{{ doc.message }")
    problem, template = _template_problem(
        checked(tree / COMPLAINT).errors, tree, "template complaint/acknowledgement.md.j2 does not parse"
    )
    assert problem.line == line_of(template, "{{ doc.message }")


def test_template_using_an_unknown_name_is_reported_at_its_line(
    tree: Path, edit: EditFile, checked: Callable[[Path], CheckResult]
) -> None:
    edit(ACK_TEMPLATE, "{{ doc.message }}", "{{ doc.message }}\n\n{{ customer_name }}")
    problem, template = _template_problem(
        checked(tree / COMPLAINT).errors,
        tree,
        "template uses 'customer_name'; templates can use doc, case, process, document",
    )
    assert problem.line == line_of(template, "{{ customer_name }}")


# --- guards and computed fields -------------------------------------------------------------

GUARDS = [
    pytest.param(
        "documents.manager_approval.approved and",
        "the expression does not parse: unexpected 'end of template'",
        id="does-not-parse",
    ),
    pytest.param(
        "documents.manager_approval.aproved",
        "document 'manager_approval' has no field 'aproved'; did you mean 'approved'?",
        id="unknown-field",
    ),
    pytest.param(
        "documents.manager_aproval.approved",
        "unknown document 'manager_aproval'; did you mean 'manager_approval'?",
        id="unknown-document",
    ),
    pytest.param(
        "documents.manager_approval.comment.startswith('ok')",
        "expressions cannot call functions or methods",
        id="method-call",
    ),
    pytest.param("range(3) | length > 2", "expressions cannot call functions or methods", id="function-call"),
    pytest.param(
        "approved == true",
        "unknown name 'approved'; expressions can use documents, data, state",
        id="unknown-name",
    ),
    pytest.param(
        "documents.manager_approval.approved | attr('x')",
        "the filter 'attr' is not allowed",
        id="filter",
    ),
]


@pytest.mark.parametrize(("guard", "message"), GUARDS)
def test_bad_guard_is_reported_at_the_guard(complaint_errors: Edit, guard: str, message: str) -> None:
    file, errors = complaint_errors(APPROVE_GUARD, f"    guard: {guard}\n")
    problem = find(errors, message)
    assert at(problem) == position(file, f"guard: {guard}", guard)
    assert problem.path == "transitions[7].guard"


def test_deeply_nested_guard_is_a_problem_not_a_crash(complaint_errors: Edit) -> None:
    guard = "(" * 600 + "documents.manager_approval.approved" + ")" * 600
    file, errors = complaint_errors(APPROVE_GUARD, f"    guard: {guard}\n")
    [problem] = [p for p in errors if p.path == "transitions[7].guard"]
    assert at(problem) == position(file, "guard: (((", "(")


def test_computed_field_not_declared_in_its_schema(complaint_errors: Edit) -> None:
    file, errors = complaint_errors(
        "        requires_manager: this.severity in ['high', 'critical']\n",
        "        requires_manager: this.severity in ['high', 'critical']\n        call_back: this.injury\n",
    )
    problem = find(errors, "field 'call_back' is not declared in complaint/severity_assessment.schema.json")
    assert at(problem) == position(file, "call_back: this.injury", "call_back")
    assert problem.path == "documents.severity_assessment.computed.fields.call_back"


@pytest.mark.parametrize(
    ("old", "new", "message", "path"),
    [
        pytest.param(
            "        after: documents.complaint_record.received_at\n",
            "        after: documents.complaint_record.product\n",
            "documents.complaint_record.product is not a date: its schema needs type: string with format: "
            "date or date-time",
            "states.registration.deadlines[0].after",
            id="within-anchor",
        ),
        pytest.param(
            "          field: documents.resolution_proposal.valid_until\n",
            "          field: documents.resolution_proposal.attempt\n",
            "documents.resolution_proposal.attempt is not a date: its schema needs type: string with format: "
            "date or date-time",
            "states.proposing.deadlines[1].lead_time.field",
            id="lead-time-field",
        ),
        pytest.param(
            "        after: documents.complaint_record.received_at\n",
            "        after: documents.complaint_record.recieved_at\n",
            "document 'complaint_record' has no field 'recieved_at'; did you mean 'received_at'?",
            "states.registration.deadlines[0].after",
            id="anchor-unknown-field",
        ),
    ],
)
def test_anchor_field_must_be_a_declared_date(
    complaint_errors: Edit, old: str, new: str, message: str, path: str
) -> None:
    file, errors = complaint_errors(old, new)
    problem = find(errors, message)
    assert problem.message == message
    value = new.split(": ", 1)[1].strip()
    assert at(problem) == position(file, value, value)
    assert problem.path == path


# --- duplicates and the acceptance test -----------------------------------------------------


def test_problem_inside_the_kept_entry_of_a_duplicated_key_points_at_that_entry(complaint_errors: Edit) -> None:
    file, errors = complaint_errors(
        "  resolved:\n    stage: closure\n",
        "  resolved:\n    stage: closng\n    title: Resolved\n    final: true\n\n  resolved:\n    stage: closure\n",
    )
    assert at(find(errors, "duplicate key 'resolved'")) == position(file, "  resolved:", "resolved", 2)
    assert at(find(errors, "unknown stage 'closng'")) == position(file, "stage: closng", "closng")


DUPLICATE_STATE = (
    "  completed:\n    stage: after_sales\n    title: Done again\n    final: true\n\n  lost:\n    stage: closed\n"
)
MISSPELT_ROLE = (  # approve_solution's roles: the transition just before reject_solution
    "    roles: [sales_supervisor]\n    requires: [{document: review_record, fresh: true}]\n"
    "\n  - trigger: reject_solution"
)


def test_validate_reports_an_unknown_role_and_a_duplicated_state_with_their_lines(tree: Path, edit: EditFile) -> None:
    edit("processes/sales.yaml", MISSPELT_ROLE, MISSPELT_ROLE.replace("sales_supervisor", "sales_supervisr"))
    file = edit("processes/sales.yaml", "  lost:\n    stage: closed\n", DUPLICATE_STATE)
    out, err = io.StringIO(), io.StringIO()

    code = main(["validate", str(file)], out, err)

    assert code == 1
    first, second = line_of(file, "  completed:"), line_of(file, "  completed:", 2)
    role_line, role_column = position(file, "roles: [sales_supervisr]", "sales_supervisr")
    assert out.getvalue().splitlines() == [
        f"{file}:{second}:3: error: duplicate key 'completed' (first at line {first}); each key may appear once: "
        "merge the two entries or rename one (at states.completed)",
        f"{file}:{role_line}:{role_column}: error: unknown role 'sales_supervisr'; did you mean 'sales_supervisor'? "
        "(at transitions[9].roles[0])",
    ]
    assert err.getvalue() == ""
