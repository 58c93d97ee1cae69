"""Loading as a whole: the shipped processes, content hashes, and bundles that rebuild the exact version."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from procflow import DefinitionError, InputError, ProcessDefinition, load
from procflow.definition.bundle import from_bundle, to_bundle
from procflow.definition.loader import CheckResult
from procflow.documents import SchemaSet, field_errors

EditFile = Callable[[str, str, str], Path]
COMPLAINT = "processes/complaint.yaml"
COMMON = "complaint/common.schema.json"
RECORD = "complaint/complaint_record.schema.json"


@pytest.mark.parametrize("name", ["sales", "complaint"])
def test_shipped_process_loads_with_no_problems(
    name: str, tree: Path, checked: Callable[[Path], CheckResult], request: pytest.FixtureRequest
) -> None:
    definition: ProcessDefinition = request.getfixturevalue(name)
    assert checked(tree / "processes" / f"{name}.yaml").problems == []
    assert re.fullmatch(rf"{name}@1\.0#[0-9a-f]{{8}}", definition.key)
    assert re.fullmatch(r"[0-9a-f]{64}", definition.content_hash)


def test_load_raises_with_every_error(edit: EditFile) -> None:
    path = edit(COMPLAINT, "initial: registration\n", "initial: registraton\n")
    path.write_text(path.read_text("utf-8").replace("    owner: quality_engineer\n", "    owner: qa\n"), "utf-8")
    with pytest.raises(DefinitionError) as caught:
        load(path)
    messages = [p.message for p in caught.value.problems if p.severity == "error"]
    assert any("unknown state 'registraton'" in m for m in messages)
    assert any("unknown role 'qa'" in m for m in messages)
    assert str(caught.value).count(": error: ") == len(messages)


def test_missing_process_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        load(tmp_path / "nowhere.yaml")
    assert caught.value.exit_code == 2
    assert "nowhere.yaml: cannot read the file" in str(caught.value)


@pytest.mark.parametrize("text", ["- a\n- b\n", "just text\n", "~\n"], ids=["list", "scalar", "null"])
def test_a_process_file_must_be_a_mapping(tmp_path: Path, text: str) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(text, "utf-8")
    with pytest.raises(DefinitionError) as caught:
        load(path)
    [problem] = caught.value.problems
    assert "a process file must be a mapping" in problem.message
    assert (problem.line, problem.column) == (1, 1)


# --- the content hash ------------------------------------------------------------------------


def _hash(path: Path) -> str:
    return load(path).content_hash


def _double_indentation(text: str) -> str:
    out = []
    for line in text.splitlines(keepends=True):
        body = line.lstrip(" ")
        indent = len(line) - len(body)
        if body.startswith("- "):  # keep a list item's later keys aligned under its first key
            body = "-   " + body[2:]
        out.append(" " * (2 * indent) + body)
    return "".join(out)


def _comment_everything(text: str) -> str:
    lines = text.splitlines()
    out = ["# a new header comment", ""]
    for line in lines:
        out.append(line + ("  # trailing" if line.strip().startswith("- trigger:") else ""))
        if line.startswith("  ") and line.strip().endswith(":") and not line.startswith("   "):
            out.append("    # a comment inside " + line.strip())
    return "\n".join(out) + "\n\n\n"


def _reorder_keys(text: str) -> str:
    text = text.replace('version: "1.0"\nlocale: en\n', 'locale: en\nversion: "1.0"\n')
    text = text.replace("initial: registration\n", "")
    text = text.replace("procflow: 1\n", "procflow: 1\ninitial: registration\n")
    role_description = "    description: Investigates the root cause and defines the corrective action.\n"
    return text.replace(
        "    title: Quality engineer\n" + role_description, role_description + "    title: Quality engineer\n"
    )


def _restyle(text: str) -> str:
    text = text.replace('version: "1.0"', "version: '1.0'")
    text = text.replace("    produced_by: [quality_engineer]\n", "    produced_by:\n      - quality_engineer\n")
    return text.replace(
        'calendar:\n  country: DE\n  timezone: Europe/Berlin\n  cutoff: "17:00"\n',
        "calendar: {country: DE, timezone: Europe/Berlin, cutoff: '17:00'}\n",
    )


@pytest.mark.parametrize(
    "change",
    [_comment_everything, _double_indentation, _reorder_keys, _restyle],
    ids=["comments", "indentation", "key-order", "flow-and-quoting-style"],
)
def test_content_hash_ignores_layout(tree: Path, change: Callable[[str], str]) -> None:
    path = tree / COMPLAINT
    before = _hash(path)
    text = path.read_text("utf-8")
    changed = change(text)
    assert changed != text, "the change did not apply"
    path.write_text(changed, "utf-8")
    assert _hash(path) == before


def test_content_hash_does_not_depend_on_the_file_name(tree: Path) -> None:
    original = tree / COMPLAINT
    renamed = original.with_name("complaint-copy.yaml")
    renamed.write_bytes(original.read_bytes())
    assert _hash(renamed) == _hash(original)


@pytest.mark.parametrize(
    ("relative", "old", "new"),
    [
        (COMPLAINT, "title: Customer complaint handling\n", "title: Customer complaints\n"),
        (COMPLAINT, "    title: Support agent\n", "    title: Support agent (1st level)\n"),
        (COMPLAINT, "        within: 4h\n", "        within: 5h\n"),
        ("schemas/complaint/acknowledgement.schema.json", '"maxLength": 2000', '"maxLength": 3000'),
        ("schemas/complaint/common.schema.json", '"maxLength": 254', '"maxLength": 255'),
        ("doc_templates/complaint/acknowledgement.md.j2", "{{ doc.message }}", "{{ doc.message }}\n"),
    ],
    ids=["process-title", "role-title", "deadline", "schema", "referenced-schema", "template"],
)
def test_content_hash_changes_with_content(tree: Path, edit: EditFile, relative: str, old: str, new: str) -> None:
    before = _hash(tree / COMPLAINT)
    edit(relative, old, new)
    assert _hash(tree / COMPLAINT) != before


# --- bundles ----------------------------------------------------------------------------------


@pytest.fixture(params=["sales", "complaint"])
def definition(request: pytest.FixtureRequest) -> ProcessDefinition:
    found: ProcessDefinition = request.getfixturevalue(request.param)
    return found


@pytest.fixture
def stored(definition: ProcessDefinition) -> dict[str, Any]:
    """The bundle as a store keeps it: through strict JSON and back."""
    kept: dict[str, Any] = json.loads(json.dumps(to_bundle(definition), allow_nan=False))
    return kept


def test_bundle_round_trip_rebuilds_the_same_definition(definition: ProcessDefinition, stored: dict[str, Any]) -> None:
    rebuilt = from_bundle(stored)
    assert rebuilt.content_hash == definition.content_hash
    assert rebuilt == definition


def _set(path: tuple[str, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    def apply(bundle: dict[str, Any]) -> None:
        target = bundle
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return apply


def _edit_first(section: str, change: Callable[[Any], Any]) -> Callable[[dict[str, Any]], None]:
    def apply(bundle: dict[str, Any]) -> None:
        name = sorted(bundle[section])[0]
        bundle[section][name] = change(bundle[section][name])

    return apply


def _drop(key: str) -> Callable[[dict[str, Any]], None]:
    return lambda bundle: bundle.pop(key)


TAMPERING = {
    "process-title": _set(("process", "title"), "Something else"),
    "initial-state": lambda b: b["process"].update(initial=sorted(b["process"]["states"])[-1]),
    "schema": _edit_first("schemas", lambda s: {**s, "additionalProperties": True}),
    "template": _edit_first("templates", lambda t: t + "\n{{ doc }}"),
    "hash": _set(("content_hash",), "0" * 64),
    "format": _set(("format",), 2),
    "no-hash": _drop("content_hash"),
    "no-process": _drop("process"),
}


@pytest.mark.parametrize("tamper", list(TAMPERING.values()), ids=list(TAMPERING))
def test_tampered_bundle_is_refused(complaint: ProcessDefinition, tamper: Callable[[dict[str, Any]], None]) -> None:
    bundle = json.loads(json.dumps(to_bundle(complaint)))
    tamper(bundle)
    with pytest.raises(DefinitionError):
        from_bundle(bundle)


def test_schemas_referenced_by_ref_travel_in_the_bundle(complaint: ProcessDefinition) -> None:
    assert all(doc.schema_file != COMMON for doc in complaint.documents.values())
    bundle = json.loads(json.dumps(to_bundle(complaint)))
    assert COMMON in bundle["schemas"]
    rebuilt = from_bundle(bundle)
    validator = SchemaSet(rebuilt.schemas).validator(RECORD)
    record = {
        "received_at": "2026-03-02T09:00:00+01:00",
        "channel": "email",
        "customer": {"name": "Ada", "email": "not an address"},
        "product": "Kettle",
        "description": "It leaks.",
        "safety_issue": False,
        "affected_units": 1,
    }
    assert [e.path for e in field_errors(validator, record)] == ["$.customer.email"]


def test_a_schema_without_id_can_ref_its_sibling(
    tree: Path, edit: EditFile, checked: Callable[[Path], CheckResult]
) -> None:
    edit(
        f"schemas/{RECORD}",
        '  "$id": "https://procflow.dev/schemas/complaint/complaint_record.schema.json",\n',
        "",
    )
    result = checked(tree / COMPLAINT)
    assert result.problems == []
    assert result.definition is not None and COMMON in result.definition.schemas
