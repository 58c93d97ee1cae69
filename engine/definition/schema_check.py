"""Check a process dict against `schemas/process.schema.json` and say what to write instead.

jsonschema's own messages are written for programmers ("Additional properties
are not allowed"); these name the key, the place, and a likely fix.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator, ValidationError
from jsonschema.exceptions import best_match
from jsonschema.protocols import Validator

from ..errors import Problem
from ..excerpts import excerpt, short_message
from ..patterns import linear
from ..suggest import did_you_mean
from .reader import Marked, Path

_TYPE_NAMES = {
    "object": "a mapping (key: value lines)",
    "array": "a list (lines starting with '- ')",
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
}


@cache
def process_schema() -> dict[str, Any]:
    text = resources.files("procflow.definition").joinpath("process.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@cache
def _validator() -> Validator:
    """The process format's validator; its id and name patterns run on RE2, where `$` is the end of the text."""
    return linear(Draft202012Validator)(process_schema())


def check_structure(marked: Marked) -> list[Problem]:
    """All the ways `marked.data` breaks the process format, in file order."""
    known = process_schema()["properties"]
    if isinstance(marked.data, dict) and marked.data and not any(key in known for key in marked.data):
        # some other file (a config, a password file): one line, and nothing of its content
        message = "this is not a procflow process file: it has none of the keys of one (it begins with procflow: 1)"
        return [marked.problem((), message)]
    problems = [p for error in _validator().iter_errors(marked.data) for p in _explain(error, marked)]
    unique = {(p.line, p.column, p.message): p for p in problems}
    return sorted(unique.values(), key=lambda p: (p.line, p.column))


def _explain(error: ValidationError, marked: Marked) -> Iterator[Problem]:
    path: Path = tuple(error.absolute_path)
    kind = error.validator
    instance = error.instance
    if kind == "additionalProperties" and isinstance(instance, dict):
        known = list(_schema(error).get("properties", {}))
        for key in instance:
            if key not in known:
                hint = did_you_mean(key, known) or f"; allowed here: {', '.join(known)}"
                yield marked.problem((*path, key), f"unknown key {excerpt(key, 40)}{hint}", key=True)
        return
    if kind == "required":
        for key in _value(error):
            if isinstance(instance, dict) and key not in instance:
                what = _schema(error).get("properties", {}).get(key, {}).get("description", "")
                yield marked.problem(path, f"missing key {key!r}" + (f": {what}" if what else ""), key=True)
        return
    if "propertyNames" in error.relative_schema_path:  # a bad key: the instance is the key itself
        yield marked.problem((*path, str(instance)), f"the key {_describe_value_error(error, instance)}", key=True)
        return
    if kind in ("oneOf", "anyOf"):
        yield marked.problem(path, _explain_choice(error))
        return
    yield marked.problem(path, _describe_value_error(error, instance, marked.spellings.get(path)))


def _describe_value_error(error: ValidationError, value: Any, spelling: str | None = None) -> str:
    """What is wrong with `value`; `spelling` is the number as written (1.10, not the 1.1 it reads as)."""
    kind = error.validator
    if kind == "type":
        expected = _value(error)
        names = [expected] if isinstance(expected, str) else list(expected)
        wanted = " or ".join(_TYPE_NAMES.get(n, n) for n in names)
        hint = ""
        if "string" in names and isinstance(value, (int, float)) and not isinstance(value, bool):
            hint = f'; put it in quotes: "{spelling or value}"'
        return f"expected {wanted}, found {spelling or _shown(value)}{hint}"
    if kind == "pattern":
        description = _schema(error).get("description", f"it must match {_value(error)}")
        return f"{_shown(value)} is not valid here: {description[:1].lower()}{description[1:]}"
    if kind == "enum":
        options = [str(o) for o in _value(error)]
        return f"{_shown(value)} is not one of: {', '.join(options)}{did_you_mean(str(value), options)}"
    if kind == "const":
        return f"expected {_value(error)!r}, found {_shown(value)}"
    if kind == "uniqueItems":
        return "the list names the same item twice; keep one"
    return short_message(error)


def _explain_choice(error: ValidationError) -> str:
    """oneOf/anyOf: say which alternatives exist, or why more than one matched."""
    context = list(error.context or [])
    missing = sorted({str(_value(e)[0]) for e in context if e.validator == "required"})
    if context and len(missing) == len(context):
        return f"needs exactly one of: {', '.join(missing)}"
    if "is valid under each of" in error.message:
        keys = [k for s in _value(error) for k in s.get("required", [])]
        if keys:
            return f"give only one of: {', '.join(keys)}"
    description = _schema(error).get("description")
    # alternatives rejected only for their type say nothing about what is wrong inside the value
    relevant = [e for e in context if e.relative_path or e.validator != "type"]
    if isinstance(error.instance, (dict, list)) and relevant:
        deepest = best_match(relevant)
        inner = ".".join(str(p) for p in deepest.relative_path)
        where = f"{inner}: " if inner else ""
        hint = ""
        if deepest.instance is None or (isinstance(error.instance, dict) and None in error.instance.values()):
            hint = "; in a {...} mapping a comma separates entries, so quote text that contains one"
        return f"{where}{_describe_value_error(deepest, deepest.instance)}{hint}"
    if description:
        return f"{_shown(error.instance)} is not valid here: {description}"
    return error.message


def _schema(error: ValidationError) -> Mapping[str, Any]:
    return error.schema if isinstance(error.schema, Mapping) else {}


def _value(error: ValidationError) -> Any:
    return error.validator_value


def _shown(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true" if value else "false"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "...'"
