"""The structure check: messages a process owner can act on, at the right place; the schema and builder agree."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from procflow.definition.builder import build
from procflow.definition.loader import check
from procflow.definition.reader import read_yaml
from procflow.definition.schema_check import check_structure, process_schema
from procflow.errors import Problem
from tests.conftest import ROOT
from tests.definition.conftest import MAXIMAL, SCHEMAS, TEMPLATES, at, find, position

Edit = Callable[[str, str], tuple[Path, list[Problem]]]
SCHEMA: dict[str, Any] = json.loads((ROOT / "schemas" / "process.schema.json").read_text("utf-8"))
DURATION_HINT = "is not valid here: a positive duration: a whole number and a unit"


# --- messages ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "key_line", "phrase", "path"),
    [
        (
            "locale: en\n",
            "locale: en\nlocal: en\n",
            "local: en",
            "unknown key 'local'; did you mean 'locale'?",
            "local",
        ),
        (
            "    guard: documents.manager_approval.approved\n",
            "    gaurd: documents.manager_approval.approved\n",
            "gaurd:",
            "unknown key 'gaurd'; did you mean 'guard'?",
            "transitions[7].gaurd",
        ),
        (
            "    title: Quality engineer\n",
            "    title: Quality engineer\n    colour: blue\n",
            "colour: blue",
            "unknown key 'colour'; allowed here: title, ref, description, external",
            "roles.quality_engineer.colour",
        ),
    ],
    ids=["top-level-typo", "transition-typo", "no-close-match"],
)
def test_unknown_key_is_named_at_the_key_with_a_suggestion(
    complaint_errors: Edit, old: str, new: str, key_line: str, phrase: str, path: str
) -> None:
    file, errors = complaint_errors(old, new)
    problem = find(errors, phrase)
    key = key_line.split(":")[0].strip()
    assert at(problem) == position(file, key_line, key)
    assert problem.path == path


def test_missing_required_key_is_reported_at_the_entry_that_lacks_it(complaint_errors: Edit) -> None:
    file, errors = complaint_errors("    title: Quality engineer\n", "")
    problem = find(errors, "missing key 'title': Role title.")
    assert at(problem) == position(file, "  quality_engineer:", "quality_engineer")
    assert problem.path == "roles.quality_engineer"


@pytest.mark.parametrize(
    ("old", "new", "needle", "bad", "path"),
    [
        (
            "  quality_engineer:\n",
            "  Quality_Engineer:\n",
            "  Quality_Engineer:",
            "Quality_Engineer",
            "roles.Quality_Engineer",
        ),
        ("  triage:\n", "  triage-step:\n", "  triage-step:", "triage-step", "states.triage-step"),
        ("initial: registration\n", "initial: Registration\n", "initial: Registration", "Registration", "initial"),
        (
            "  - trigger: start_triage\n",
            "  - trigger: 2nd_triage\n",
            "trigger: 2nd_triage",
            "2nd_triage",
            "transitions[0].trigger",
        ),
    ],
    ids=["role-key", "state-key", "initial-value", "trigger-value"],
)
def test_bad_id_is_reported_where_it_is_written(
    complaint_errors: Edit, old: str, new: str, needle: str, bad: str, path: str
) -> None:
    file, errors = complaint_errors(old, new)
    problem = find(errors, f"{bad!r} is not valid here: an id: lower-case ASCII letters")
    assert at(problem) == position(file, needle, bad)
    assert problem.path == path


@pytest.mark.parametrize("duration", ["-1d", "abc", "99999 years", "24 hrs", "0h", "1.5 days"])
def test_bad_duration_explains_the_format(complaint_errors: Edit, duration: str) -> None:
    file, errors = complaint_errors("        within: 4h\n", f"        within: {duration}\n")
    problem = find(errors, DURATION_HINT)
    assert problem.message.startswith(f"{duration!r} is not valid here")
    assert "Examples: 24h, 3 days, 1 working day, 2w" in problem.message
    assert at(problem) == position(file, f"within: {duration}", duration)
    assert problem.path == "states.registration.deadlines[0].within"


@pytest.mark.parametrize("written", ["1.0", "2", "1.10", "2.00", "007", "1e3"])
def test_version_given_as_a_number_gets_a_hint_to_quote_it_as_written(complaint_errors: Edit, written: str) -> None:
    """The advice keeps what was written: quoting 1.1 for a 1.10 would silently change the version."""
    file, errors = complaint_errors('version: "1.0"\n', f"version: {written}\n")
    problem = find(errors, "expected text, found")
    assert problem.message == f'expected text, found {written}; put it in quotes: "{written}"'
    assert at(problem) == position(file, f"version: {written}", written)


@pytest.mark.parametrize(
    ("file", "old", "new", "needle", "path"),
    [
        (
            "processes/complaint.yaml",
            "    title: Intake\n",
            "    title: {en: Intake, de: Aufnahme, new}\n",
            "{en: Intake, de: Aufnahme, new}",
            "stages[0].title",
        ),
        (
            "processes/sales.yaml",
            "en: 'Clear interest, hand over to an account manager'",
            "en: Clear interest, hand over to an account manager",
            "en: Clear interest, hand over",
            "transitions[2].title",
        ),
    ],
    ids=["orphan-is-a-locale", "orphan-is-prose"],
)
def test_unquoted_comma_in_a_flow_mapping_gets_a_hint_to_quote(
    problems_after: Callable[[str, str, str], tuple[Path, list[Problem]]],
    file: str,
    old: str,
    new: str,
    needle: str,
    path: str,
) -> None:
    edited, problems = problems_after(file, old, new)
    problem = find(problems, "quote text that contains one")
    assert "in a {...} mapping a comma separates entries" in problem.message
    assert at(problem) == position(edited, needle, "{")
    assert problem.path == path


@pytest.mark.parametrize(
    ("new", "message"),
    [
        (
            "        title: Acknowledge the complaint within 4 hours of receiving it.\n",
            "needs exactly one of: lead_time, recurring, within",
        ),
        (
            "        title: Acknowledge the complaint within 4 hours of receiving it.\n"
            "        within: 4h\n"
            "        recurring: {action: 'submit:acknowledgement', min: 1, per: 1w}\n",
            "give only one of: within, lead_time, recurring",
        ),
    ],
    ids=["none", "two"],
)
def test_deadline_needs_exactly_one_kind(complaint_errors: Edit, new: str, message: str) -> None:
    file, errors = complaint_errors(
        "        title: Acknowledge the complaint within 4 hours of receiving it.\n        within: 4h\n", new
    )
    problem = find(errors, message)
    assert problem.message == message
    assert at(problem) == position(file, "- id: acknowledge_complaint", "id:")
    assert problem.path == "states.registration.deadlines[0]"


def test_every_structural_problem_is_reported_in_file_order(complaint_errors: Edit) -> None:
    file, errors = complaint_errors("locale: en\n", "locale: en\nlocal: en\n")
    text = file.read_text("utf-8").replace("        within: 4h\n", "        within: soon\n")
    file.write_text(text.replace("    title: Triage\n", "    titel: Triage\n"), "utf-8")
    errors = check(file).errors
    assert [p.message.split(";")[0].split(":")[0] for p in errors] == [
        "unknown key 'local'",
        "'soon' is not valid here",
        "missing key 'title'",
        "unknown key 'titel'",
    ]
    assert [p.line for p in errors] == sorted(p.line for p in errors)


# --- the schema itself ------------------------------------------------------------------


def test_packaged_schema_is_the_one_editors_see() -> None:
    assert process_schema() == SCHEMA


def _subschemas(node: Any, where: str = "#") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every schema object in the tree, with a JSON-pointer-like location (values of const/enum skipped)."""
    if isinstance(node, dict):
        yield where, node
        for key, value in node.items():
            if key not in ("const", "enum", "examples", "default"):
                yield from _subschemas(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from _subschemas(item, f"{where}/{i}")


def _resolved(node: Mapping[str, Any]) -> Mapping[str, Any]:
    while "$ref" in node:
        node = SCHEMA["$defs"][node["$ref"].removeprefix("#/$defs/")]
    return node


def test_every_object_in_the_schema_is_closed() -> None:
    open_objects = [
        where
        for where, node in _subschemas(SCHEMA)
        if (node.get("type") == "object" or "properties" in node)
        and node.get("additionalProperties") is not False
        and "propertyNames" not in node
    ]
    assert open_objects == []


def test_every_property_has_a_description() -> None:
    undescribed = [
        f"{where}/properties/{name}"
        for where, node in _subschemas(SCHEMA)
        for name, sub in (node.get("properties") or {}).items()
        if isinstance(sub, dict) and "description" not in sub and "description" not in _resolved(sub)
    ]
    assert undescribed == []


# --- drift: the schema and the builder agree on every key ---------------------------------
#
# A key is named by its *shape* — the `$defs` entry (or the root, "process")
# that declares it, plus the path inside that entry — so `deadline.within` is
# one key whether the deadline sits on a stage or on a state.
#
# The test walks tests/definition/maximal.yaml and the schema side by side and
# wraps every mapping that has declared properties in a dict that records each
# key the builder asks for (`m[k]`, `m.get(k)`, `k in m`). After `build()`:
#   * the maximal process must use every declared key (else it proves nothing),
#   * the builder must have asked for every declared key (else a key the schema
#     accepts would be silently ignored), except SCHEMA_ONLY,
#   * the builder must not ask for a key the schema does not declare (else it
#     reads something no valid file can contain).
# Reading the data, not the builder's source, keeps this robust to refactoring.

# the format version: checked by the schema's const, not modelled; the resource folders: read by the loader
SCHEMA_ONLY = {("process", "procflow"), ("process", "schemas"), ("process", "templates")}


def _branches(node: Mapping[str, Any], shape: str) -> Iterator[tuple[Mapping[str, Any], str]]:
    while "$ref" in node:
        shape = node["$ref"].removeprefix("#/$defs/")
        node = SCHEMA["$defs"][shape]
    yield node, shape
    for keyword in ("oneOf", "anyOf", "allOf"):
        for alternative in node.get(keyword, ()):
            yield from _branches(alternative, shape)


def _object_view(node: Mapping[str, Any], shape: str) -> tuple[str, dict[str, Any], Mapping[str, Any] | None]:
    """For a mapping at `node`: its shape, its declared properties, the schema of any other keys."""
    properties: dict[str, Any] = {}
    extra: Mapping[str, Any] | None = None
    for branch, where in _branches(node, shape):
        if "properties" in branch:
            properties.update(branch["properties"])
            shape = where
        if isinstance(branch.get("additionalProperties"), dict):
            extra = branch["additionalProperties"]
            shape = where
    return shape, properties, extra


def _items(node: Mapping[str, Any], shape: str) -> tuple[Mapping[str, Any], str] | None:
    for branch, where in _branches(node, shape):
        if isinstance(branch.get("items"), dict):
            return branch["items"], f"{where}[]"
    return None


def declared_keys() -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()

    def visit(node: Mapping[str, Any], shape: str) -> None:
        for branch, where in _branches(node, shape):
            for name, sub in branch.get("properties", {}).items():
                found.add((where, name))
                visit(sub, f"{where}.{name}")
            if isinstance(branch.get("additionalProperties"), dict):
                visit(branch["additionalProperties"], f"{where}.*")
            if isinstance(branch.get("items"), dict):
                visit(branch["items"], f"{where}[]")

    visit(SCHEMA, "process")
    return found


class _Recording(dict[str, Any]):
    """A dict that logs (shape, key) for every key asked for; copying it with dict() is not a read."""

    def __init__(self, data: dict[str, Any], shape: str, log: set[tuple[str, str]]) -> None:
        super().__init__(data)
        self.shape, self.log = shape, log

    def __getitem__(self, key: str) -> Any:
        self.log.add((self.shape, key))
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:
        self.log.add((self.shape, key))
        return super().get(key, default)

    def __contains__(self, key: object) -> bool:
        self.log.add((self.shape, str(key)))
        return super().__contains__(key)


def _wrap(
    value: Any, node: Mapping[str, Any], shape: str, used: set[tuple[str, str]], read: set[tuple[str, str]]
) -> Any:
    if isinstance(value, list):
        items = _items(node, shape)
        return [_wrap(v, *items, used, read) for v in value] if items else value
    if not isinstance(value, dict):
        return value
    shape, properties, extra = _object_view(node, shape)
    children: dict[str, Any] = {}
    for key, child in value.items():
        if key in properties:
            used.add((shape, key))
            children[key] = _wrap(child, properties[key], f"{shape}.{key}", used, read)
        elif extra is not None:
            children[key] = _wrap(child, extra, f"{shape}.*", used, read)
        else:
            children[key] = child
    return _Recording(children, shape, read) if properties else children


def test_the_maximal_process_is_valid_and_uses_every_declared_key() -> None:
    result = check(MAXIMAL, schemas_dir=SCHEMAS, templates_dir=TEMPLATES)
    assert result.problems == []
    used: set[tuple[str, str]] = set()
    _wrap(read_yaml(MAXIMAL.read_bytes()).data, SCHEMA, "process", used, set())
    assert sorted(declared_keys() - used) == [], "add these keys to tests/definition/maximal.yaml"


def test_builder_reads_exactly_the_keys_the_schema_declares() -> None:
    marked = read_yaml(MAXIMAL.read_bytes(), str(MAXIMAL))
    assert check_structure(marked) == []
    read: set[tuple[str, str]] = set()
    build(_wrap(marked.data, SCHEMA, "process", set(), read), {}, {}, "0" * 64)
    declared = declared_keys()
    assert sorted(read - declared) == [], "the builder reads keys the schema does not declare"
    assert sorted(declared - read - SCHEMA_ONLY) == [], "the schema accepts keys the builder ignores"
    assert declared >= SCHEMA_ONLY and not SCHEMA_ONLY & read, "SCHEMA_ONLY is out of date"
