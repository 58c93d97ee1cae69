"""Document schemas: field errors at JSON paths, format checks, and `$ref`s resolved offline."""

from __future__ import annotations

from typing import Any

import pytest

from procflow import DocumentInvalid, ProcessDefinition
from procflow.documents import SchemaSet, field_errors, validate
from tests.definition.conftest import refuse_network

RECORD = "complaint/complaint_record.schema.json"
GOOD_RECORD: dict[str, Any] = {
    "received_at": "2026-03-02T09:00:00+01:00",
    "channel": "email",
    "customer": {"name": "Ada Lovelace", "email": "ada@example.com"},
    "product": "Kettle K2",
    "description": "The lid does not close.",
    "safety_issue": False,
    "affected_units": 1,
}
FORMATS = {
    "type": "object",
    "properties": {
        "at": {"type": "string", "format": "date-time"},
        "on": {"type": "string", "format": "date"},
        "mail": {"type": "string", "format": "email"},
    },
}


@pytest.fixture(scope="module")
def schemas(complaint: ProcessDefinition) -> SchemaSet:
    return SchemaSet(complaint.schemas)


def errors_in(schemas: SchemaSet, path: str, data: Any) -> list[tuple[str, str]]:
    return [(e.path, e.message) for e in field_errors(schemas.validator(path), data)]


def test_a_good_record_has_no_errors(schemas: SchemaSet) -> None:
    assert errors_in(schemas, RECORD, GOOD_RECORD) == []


def test_field_errors_name_the_json_path_of_each_problem_in_path_order(schemas: SchemaSet) -> None:
    bad = {
        **GOOD_RECORD,
        "customer": {"name": "", "email": "ada@example.com", "fax": "1"},
        "serial_numbers": ["A1", 7, "A1"],
        "affected_units": 0,
        "colour": "red",
    }
    found = errors_in(schemas, RECORD, bad)
    assert [path for path, _ in found] == [
        "$",
        "$.affected_units",
        "$.customer",
        "$.customer.name",
        "$.serial_numbers",
        "$.serial_numbers[1]",
    ]
    assert "'colour' was unexpected" in found[0][1]
    assert "0 is less than the minimum of 1" in found[1][1]


def test_every_missing_required_field_is_reported(schemas: SchemaSet) -> None:
    found = errors_in(schemas, RECORD, {})
    assert len(found) == 7
    assert all(path == "$" and message.endswith("is a required property") for path, message in found)


def test_validate_raises_document_invalid_with_every_error(schemas: SchemaSet) -> None:
    with pytest.raises(DocumentInvalid) as caught:
        validate("complaint_record", schemas.validator(RECORD), {**GOOD_RECORD, "channel": "fax", "product": ""})
    assert caught.value.document == "complaint_record"
    assert [e.path for e in caught.value.errors] == ["$.channel", "$.product"]
    assert caught.value.exit_code == 3
    assert "document 'complaint_record' is invalid (2 problem(s))" in str(caught.value)


@pytest.mark.parametrize(
    ("field", "value", "valid"),
    [
        ("at", "2026-03-02T09:00:00+01:00", True),
        ("at", "2026-03-02T09:00:00Z", True),
        ("at", "2026-03-02T09:00:00", False),
        ("at", "2026-03-02", False),
        ("at", "2026-02-30T09:00:00Z", False),
        ("at", "yesterday", False),
        ("on", "2026-03-02", True),
        ("on", "2026-02-30", False),
        ("on", "02.03.2026", False),
        ("mail", "ada@example.com", True),
        ("mail", "not an address", False),
    ],
    ids=[
        "date-time-offset",
        "date-time-utc",
        "date-time-without-offset",
        "date-for-date-time",
        "date-time-impossible-day",
        "date-time-prose",
        "date",
        "date-impossible-day",
        "date-german-style",
        "email",
        "email-without-at",
    ],
)
def test_formats_are_checked(field: str, value: str, valid: bool) -> None:
    found = errors_in(SchemaSet({"f.schema.json": FORMATS}), "f.schema.json", {field: value})
    assert found == (
        [] if valid else [(f"$.{field}", f"{value!r} is not a {FORMATS['properties'][field]['format']!r}")]
    )


def test_ref_to_a_shared_schema_resolves_with_no_network(schemas: SchemaSet, monkeypatch: pytest.MonkeyPatch) -> None:
    attempts = refuse_network(monkeypatch)
    bad = {**GOOD_RECORD, "customer": {"name": "Ada", "email": "nope", "phone": "call me"}}
    assert errors_in(schemas, RECORD, bad) == [
        ("$.customer.email", "'nope' is not a 'email'"),
        ("$.customer.phone", "'call me' does not match '^\\\\+?[0-9][0-9 ()/-]{4,30}$'"),
    ]
    assert schemas.field(RECORD, ("customer", "email")) == {
        "title": "E-mail",
        "description": "E-mail address of the person.",
        "type": "string",
        "format": "email",
        "maxLength": 254,
    }
    assert attempts == []


COMMON = {"$defs": {"contact": {"type": "object", "required": ["email"], "properties": {"email": {"format": "email"}}}}}
USES_COMMON = {"type": "object", "properties": {"who": {"$ref": "common.schema.json#/$defs/contact"}}}


@pytest.mark.parametrize(
    "base",
    ["https://example.org/schemas/x/", None],
    ids=["both-declare-an-id", "neither-declares-an-id"],
)
def test_relative_ref_between_sibling_files_resolves_offline(monkeypatch: pytest.MonkeyPatch, base: str | None) -> None:
    attempts = refuse_network(monkeypatch)
    ids = {"doc": {"$id": f"{base}doc.schema.json"}, "common": {"$id": f"{base}common.schema.json"}} if base else {}
    schemas = SchemaSet(
        {
            "x/doc.schema.json": {**ids.get("doc", {}), **USES_COMMON},
            "x/common.schema.json": {**ids.get("common", {}), **COMMON},
        }
    )
    assert list(schemas.schema_problems("x/doc.schema.json")) == []
    assert errors_in(schemas, "x/doc.schema.json", {"who": {"email": "nope"}}) == [
        ("$.who.email", "'nope' is not a 'email'")
    ]
    assert schemas.field("x/doc.schema.json", ("who", "email")) == {"format": "email"}
    assert attempts == []


def test_remote_ref_is_reported_without_touching_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    attempts = refuse_network(monkeypatch)
    schemas = SchemaSet({"d.schema.json": {"properties": {"a": {"$ref": "https://example.com/a.json"}}}})
    [message] = schemas.schema_problems("d.schema.json")
    assert "$ref 'https://example.com/a.json' does not resolve to a schema under schemas/" in message
    assert attempts == []


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        (("received_at",), {"format": "date-time"}),
        (("customer", "name"), {"type": "string"}),
        (("serial_numbers", 0), {"type": "string"}),
        (("customer", "fax"), None),
        (("nothing",), None),
    ],
    ids=["top", "through-ref", "array-item", "missing-in-ref", "missing"],
)
def test_field_lookup(schemas: SchemaSet, parts: tuple[str | int, ...], expected: dict[str, str] | None) -> None:
    found = schemas.field(RECORD, parts)
    if expected is None:
        assert found is None
    else:
        assert found is not None and expected.items() <= dict(found).items()
