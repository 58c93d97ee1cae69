"""Regular expressions from process owners run in linear time (RE2); those RE2 cannot run are refused at load."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from procflow import DocumentInvalid, Engine, load
from procflow.definition.loader import check
from procflow.documents import SchemaSet, field_errors
from procflow.errors import DefinitionError
from procflow.patterns import search
from tests.conftest import AUDITOR, REQUESTER, line_of

EVIL = "(a+)+$"  # exponential on "a"*n + "!" for a backtracking engine
EVIL_INPUT = "a" * 40 + "!"
REQUEST = "mini/request.schema.json"


def schema_with(**properties: Any) -> SchemaSet:
    return SchemaSet({"d.json": {"type": "object", **properties}})


def errors(schemas: SchemaSet, data: Any) -> list[tuple[str, str]]:
    return [(e.path, e.message) for e in field_errors(schemas.validator("d.json"), data)]


@pytest.mark.timeout(20)
def test_a_catastrophic_pattern_is_judged_at_once() -> None:
    schemas = schema_with(properties={"code": {"type": "string", "pattern": EVIL}})
    assert errors(schemas, {"code": EVIL_INPUT}) == [("$.code", f"{EVIL_INPUT!r} does not match {EVIL!r}")]
    assert errors(schemas, {"code": "a" * 100_000}) == []


@pytest.mark.timeout(20)
def test_pattern_properties_and_property_names_run_on_the_linear_engine() -> None:
    schemas = schema_with(patternProperties={EVIL: {"type": "integer"}}, propertyNames={"pattern": "^(x+x+)+y$|^a"})
    assert errors(schemas, {"a" * 30: "text"}) == [("$." + "a" * 30, "'text' is not of type 'integer'")]
    [(_path, message)] = errors(schemas, {"x" * 40: 1})
    assert "does not match" in message


@pytest.mark.timeout(20)
def test_a_format_regex_field_is_checked_by_the_engine_that_would_run_it() -> None:
    schemas = schema_with(properties={"rule": {"type": "string", "format": "regex"}})
    assert errors(schemas, {"rule": EVIL}) == []
    [(path, message)] = errors(schemas, {"rule": "(a)\\1"})
    assert (path, message) == ("$.rule", "'(a)\\\\1' is not a 'regex'")


@pytest.mark.parametrize(("pattern", "text"), [("^[a-z]+$", "abc\n"), ("^x$", "x\n"), ("[0-9]$", "7\n")])
def test_dollar_is_the_end_of_the_text_as_in_json_schema(pattern: str, text: str) -> None:
    assert re.search(pattern, text)  # what Python's re would have accepted
    assert not search(pattern, text)
    assert search(pattern, text.rstrip("\n"))


@given(st.text(alphabet="ab\n!", max_size=30))
def test_re2_agrees_with_backtracking_on_patterns_both_can_run(text: str) -> None:
    for pattern in ("^a+b?$", "b{2,}", "^(ab|a)*!?$", "a\\nb"):
        assert search(pattern, text) == bool(re.search(pattern.replace("$", r"\Z"), text))


def _with_schema(mini_copy: Callable[[str, str], Path], change: Callable[[dict[str, Any]], None]) -> Path:
    process = mini_copy("title: Purchase approval", "title: Purchase approval ")
    schema_file = process.parent.parent / "schemas" / REQUEST
    schema = json.loads(schema_file.read_text("utf-8"))
    change(schema)
    schema_file.write_text(json.dumps(schema, indent=2), "utf-8")
    return process


@pytest.mark.parametrize("pattern", ["(a)\\1", "^(?=x)y", "(?<!a)b", "(?!z)"])
def test_a_pattern_re2_cannot_run_is_refused_at_load_at_its_place_in_the_schema(
    mini_copy: Callable[[str, str], Path], pattern: str
) -> None:
    process = _with_schema(mini_copy, lambda s: s["properties"]["item"].update(pattern=pattern))
    result = check(process)
    [problem] = [p for p in result.errors if "cannot be used" in p.message]
    schema_file = process.parent.parent / "schemas" / REQUEST
    assert problem.file.endswith(f"schemas/{REQUEST}")
    needle = json.dumps(pattern)
    assert problem.line == line_of(schema_file, needle)
    assert problem.column == schema_file.read_text("utf-8").splitlines()[problem.line - 1].index(needle) + 1
    assert "no backreferences" in problem.message and "lookahead" in problem.message
    assert result.definition is None


def test_pattern_property_keys_are_checked_at_load_too(mini_copy: Callable[[str, str], Path]) -> None:
    process = _with_schema(mini_copy, lambda s: s.update(patternProperties={"(?=x)": {}}))
    with pytest.raises(DefinitionError, match=r"the pattern '\(\?=x\)' cannot be used"):
        load(process)


@pytest.mark.timeout(60)
def test_submitting_against_a_catastrophic_pattern_answers_at_once(
    mini_copy: Callable[[str, str], Path], engine: Engine
) -> None:
    process = _with_schema(mini_copy, lambda s: s["properties"]["item"].update(pattern=EVIL))
    engine.register(load(process))
    engine.publish("mini", "policy", {"limit": 1000}, AUDITOR)
    case = engine.start("mini", REQUESTER)
    with pytest.raises(DocumentInvalid, match="does not match"):
        engine.submit(case, "request", {"item": EVIL_INPUT, "amount": 1}, REQUESTER)
    assert engine.get(case.id).version == case.version


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("id: mini", 'id: "mini\\n"'),
        ("template: mini/request.md.j2", 'template: "mini/request.md.j2\\n"'),
        ("trigger: send\n", 'trigger: "send\\n"\n'),
        ("  requester: {title: Requester}", '  "requester\\n": {title: Requester}'),
    ],
)
def test_ids_and_names_with_a_trailing_newline_are_refused(
    mini_copy: Callable[[str, str], Path], old: str, new: str
) -> None:
    result = check(mini_copy(old, new))
    [problem] = result.errors
    assert "is not valid here" in problem.message
    assert "\n" not in str(problem)  # the newline is shown escaped, on one line
