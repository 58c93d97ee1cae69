"""Computed documents: the engine fills them from other documents by rules declared in YAML."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .compiled import CompiledField


def compute(fields: tuple[CompiledField, ...], documents: Mapping[str, Any], data: Mapping[str, Any]) -> dict[str, Any]:
    """Evaluate the fields in order; each sees the earlier ones as `this`."""
    this: dict[str, Any] = {}
    context = {"documents": documents, "data": data, "this": this}
    for f in fields:
        if f.expression is not None:
            this[f.field.name] = f.expression.evaluate(context)
            continue
        for condition, value in f.rules:
            if condition is None or condition.holds(context):
                this[f.field.name] = value
                break
    return this
