"""Forms from JSON Schemas: each input named by its JSON path, errors found at their field, values back as typed."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from procflow.documents import field_errors
from procflow.errors import FieldError
from procflow.server.web import forms

SHANGHAI = ZoneInfo("Asia/Shanghai")
SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["name", "items"],
    "properties": {
        "name": {"type": "string", "title": "Name", "description": "who"},
        "count": {"type": "integer"},
        "price": {"type": "number"},
        "kind": {"enum": ["a", "b"]},
        "ok": {"type": "boolean"},
        "when": {"type": "string", "format": "date-time"},
        "day": {"type": "string", "format": "date"},
        "contact": {"type": "object", "required": ["phone"], "properties": {"phone": {"type": "string"}}},
        "items": {"type": "array", "items": {"type": "object", "properties": {"sku": {"type": "string"}}}},
    },
}


def _paths(field: forms.Field) -> dict[str, forms.Field]:
    found = {field.path: field}
    for child in field.children:
        found.update(_paths(child))
    return found


def test_every_kind_of_field_is_built_with_its_name_label_and_marks() -> None:
    items = [{"sku": "s1"}, {"sku": "s2"}]
    value = {"name": "x", "contact": {"phone": "1"}, "items": items, "when": "2026-03-02T01:00:00Z"}
    root = forms.build(SCHEMA, value, {"$.items[1].sku": ["too short"]}, SHANGHAI)
    by_path = _paths(root)
    assert {p: f.kind for p, f in by_path.items() if f.kind != "object"} == {
        "$.name": "text",
        "$.count": "integer",
        "$.price": "number",
        "$.kind": "select",
        "$.ok": "boolean",
        "$.when": "datetime",
        "$.day": "date",
        "$.contact.phone": "text",
        "$.items": "array",
        "$.items[0].sku": "text",
        "$.items[1].sku": "text",
    }
    assert by_path["$.name"].required and by_path["$.name"].label == "Name" and by_path["$.name"].help == "who"
    assert by_path["$.contact.phone"].required and not by_path["$.count"].required
    assert by_path["$.items[1].sku"].errors == ["too short"]
    assert by_path["$.when"].value == "2026-03-02T09:00"  # shown in the process's zone
    assert by_path["$.items"].row is not None and by_path["$.items"].row.path == f"$.items[{forms.ITEM}]"


def test_a_form_parses_back_to_the_document_and_leaves_empty_inputs_out() -> None:
    form = {
        "$.name": "  Acme ",
        "$.count": "12",
        "$.price": "3.5",
        "$.kind": "b",
        "$.ok": "false",
        "$.when": "2026-03-02T09:00",
        "$.day": "",
        "$.contact.phone": "",
        "$.items[0].sku": "s1",
        "$.items[3].sku": "s3",
        "$.items[2].sku": "",
        "csrf": "not data",
    }
    assert forms.parse(SCHEMA, form, SHANGHAI) == {
        "name": "Acme",
        "count": 12,
        "price": 3.5,
        "kind": "b",
        "ok": False,
        "when": "2026-03-02T09:00:00+08:00",
        "items": [{"sku": "s1"}, {"sku": "s3"}],
    }


def test_what_does_not_parse_stays_as_typed_for_the_engine_to_refuse_at_its_field() -> None:
    data = forms.parse(SCHEMA, {"$.name": "x", "$.count": "twelve", "$.items[0].sku": "s"}, SHANGHAI)
    assert data["count"] == "twelve"
    errors = field_errors(Draft202012Validator(SCHEMA), data)
    root = forms.build(SCHEMA, data, forms.errors_by_path(errors), SHANGHAI)
    assert _paths(root)["$.count"].value == "twelve" and _paths(root)["$.count"].errors
    assert forms.unplaced(forms.errors_by_path([FieldError("$", "phone or e-mail")]), root) == ["phone or e-mail"]


@given(st.dictionaries(st.sampled_from(["name", "kind"]), st.text(min_size=1).map(str.strip).filter(bool)))
def test_text_round_trips_through_the_form(data: dict[str, str]) -> None:
    shown = _paths(forms.build(SCHEMA, data, {}, SHANGHAI))
    form = {path: str(field.value) for path, field in shown.items() if field.kind not in ("object", "array")}
    assert forms.parse(SCHEMA, form, SHANGHAI) == data


def test_refs_to_other_schemas_of_the_process_are_followed_with_the_fields_own_title(complaint: Any) -> None:
    schema = forms.inlined(complaint.schemas, "complaint/complaint_record.schema.json")
    customer = _paths(forms.build(schema, None, {}, SHANGHAI))["$.customer"]
    assert customer.kind == "object" and customer.label == "Customer contact"
    assert {child.path for child in customer.children} >= {"$.customer.email"}
    assert forms.inlined(SCHEMAS, "plain.json") is SCHEMAS["plain.json"]  # nothing to follow: the same object


SCHEMAS = {"plain.json": SCHEMA}
