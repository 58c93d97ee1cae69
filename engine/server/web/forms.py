"""HTML forms from a document's JSON Schema, and the submitted form back to the document's data.

Rendered on the server rather than by a schema-form library in the browser: the engine already holds the
schema, the latest version to prefill from and the validation errors with their JSON paths, so the page is
complete as sent (no JavaScript needed to see or submit a form, nothing to build or fetch), errors sit at
their field, and the values typed are kept exactly as typed, even when they are not yet valid.

An input's name is its JSON path (`$.contact.phone`, `$.pain_points[2]`), so an error's `json_path` from
jsonschema finds its field by string equality. Parsing is lenient on purpose: a number that does not parse
stays the string typed, so the engine's validation (the only rule) reports it where it was typed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from ...documents import SchemaSet, base_uri, refs
from ...errors import FieldError

ITEM = "__i__"  # the index placeholder of an array's row template (the page's script replaces it)
_INDEX = re.compile(r"\[(\d+)\]")


@dataclass
class Field:
    """One input (or group of inputs) of a form, ready for the template."""

    path: str  # the JSON path, also the input's name
    label: str
    kind: str  # text, textarea, integer, number, select, boolean, date, datetime, file, object, array
    required: bool = False
    help: str = ""
    value: Any = ""
    options: tuple[str, ...] = ()  # a select's values; a file field's accepted media types
    errors: list[str] = field(default_factory=list)
    children: list[Field] = field(default_factory=list)  # an object's properties, an array's rows
    row: Field | None = None  # an array's empty row, with ITEM for its index


def _kind(schema: Mapping[str, Any]) -> str:
    kind = schema.get("type")
    if "enum" in schema:
        return "select"
    if kind == "object":
        return "object"
    if kind == "array":
        return "array"
    if kind in ("integer", "number", "boolean"):
        return str(kind)
    if schema.get("format") == "date":
        return "date"
    if schema.get("format") == "date-time":
        return "datetime"
    if schema.get("format") == "attachment":
        return "file"  # its value is the uploaded file's `sha256:<hex>` (engine/server/attachments.py)
    return "textarea" if int(schema.get("maxLength", 0)) >= 500 else "text"


def build(
    schema: Mapping[str, Any],
    value: Any,
    errors: Mapping[str, list[str]],
    zone: tzinfo,
    path: str = "$",
    label: str = "",
    required: bool = False,
) -> Field:
    """The field tree for `schema`, filled with `value` and the errors found at each path."""
    kind = _kind(schema)
    made = Field(
        path=path,
        label=str(schema.get("title") or label or path),
        kind=kind,
        required=required,
        help=str(schema.get("description", "")),
        options=tuple(str(o) for o in schema.get("enum", schema.get("x-media-types", ()))),
        errors=list(errors.get(path, [])),
    )
    if kind == "object":
        needed = set(schema.get("required", ()))
        current = value if isinstance(value, Mapping) else {}
        for key, sub in schema.get("properties", {}).items():
            made.children.append(build(sub, current.get(key), errors, zone, f"{path}.{key}", key, key in needed))
    elif kind == "array":
        items = schema.get("items", {})
        rows = value if isinstance(value, list) else []
        made.children = [
            build(items, item, errors, zone, f"{path}[{i}]", f"{made.label} {i + 1}") for i, item in enumerate(rows)
        ]
        made.row = build(items, None, {}, zone, f"{path}[{ITEM}]", made.label)
    elif kind == "datetime":
        made.value = _local_input(value, zone)
        made.help = f"{made.help} ({zone})".strip()
    else:
        made.value = "" if value is None else value
    return made


def _local_input(value: Any, zone: tzinfo) -> str:
    """An RFC 3339 instant as a `datetime-local` input shows it: wall time in the process's zone."""
    if not isinstance(value, str) or not value:
        return ""
    try:
        return datetime.fromisoformat(value).astimezone(zone).strftime("%Y-%m-%dT%H:%M")
    except ValueError:
        return value  # as typed: the engine says what is wrong with it


def errors_by_path(found: tuple[FieldError, ...] | list[FieldError]) -> dict[str, list[str]]:
    by_path: dict[str, list[str]] = {}
    for error in found:
        by_path.setdefault(error.path, []).append(error.message)
    return by_path


def parse(schema: Mapping[str, Any], form: Mapping[str, str], zone: tzinfo, path: str = "$") -> Any:
    """The data a submitted form stands for; empty inputs are left out (so `required` is the schema's)."""
    kind = _kind(schema)
    if kind == "object":
        data = {}
        for key, sub in schema.get("properties", {}).items():
            value = parse(sub, form, zone, f"{path}.{key}")
            if value is not None:
                data[key] = value
        return data if data or path == "$" else None
    if kind == "array":
        prefix = f"{path}["
        found = (_row(name, prefix) for name in form if name.startswith(prefix))
        indexes = sorted({int(m.group(1)) for m in found if m})
        rows = [parse(schema.get("items", {}), form, zone, f"{path}[{i}]") for i in indexes]
        kept = [row for row in rows if row is not None]
        return kept or None
    text = form.get(path, "").strip()
    if not text:
        return None
    return _scalar(kind, text, zone)


def _row(name: str, prefix: str) -> re.Match[str] | None:
    return _INDEX.match(name, len(prefix) - 1)


def _scalar(kind: str, text: str, zone: tzinfo) -> Any:
    try:
        if kind == "integer":
            return int(text)
        if kind == "number":
            number = float(text)
            return int(number) if number.is_integer() and "." not in text else number
    except ValueError:
        return text
    if kind == "boolean":
        return {"true": True, "false": False}.get(text, text)
    if kind == "datetime":
        try:
            at = datetime.fromisoformat(text)
        except ValueError:
            return text
        return (at if at.tzinfo else at.replace(tzinfo=zone)).isoformat()
    return text


def unplaced(errors: Mapping[str, list[str]], root: Field) -> list[str]:
    """Errors whose path is no field of the form (the whole document's, e.g. 'phone or e-mail'), to show on top."""
    paths: set[str] = set()

    def walk(node: Field) -> None:
        paths.add(node.path)
        for child in node.children:
            walk(child)

    walk(root)
    return [msg for path, messages in errors.items() if path not in paths or path == "$" for msg in messages]


def inlined(schemas: Mapping[str, Mapping[str, Any]], path: str) -> Mapping[str, Any]:
    """The document schema at `path` (a key of the definition's schemas) with each `$ref` replaced by the
    schema it names, its own title and description kept, so a form is built from one tree. Resolved offline
    by the definition's own schemas; a schema without `$ref` is returned as it is, at no cost."""
    schema = schemas[path]
    base = base_uri(path, schema)
    if next(refs(schema, base), None) is None:
        return schema
    found = SchemaSet(schemas)
    inlined_schema: Mapping[str, Any] = _inline(found, schema, base, 0)
    return inlined_schema


def _inline(found: SchemaSet, node: Any, base: str, depth: int) -> Any:
    if isinstance(node, Mapping):
        if isinstance(node.get("$ref"), str) and depth < 16:  # a recursive schema stops unfolding here
            target, inside = found.resolve(node, base)
            merged = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
            return _inline(found, merged, inside, depth + 1)
        return {key: _inline(found, value, base, depth) for key, value in node.items()}
    if isinstance(node, list):
        return [_inline(found, value, base, depth) for value in node]
    return node
