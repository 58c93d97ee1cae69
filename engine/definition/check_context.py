"""What every load-time check reads and yields, and the reference lookups several checks share.

A check is a function of the `Context` (the built definition with its schemas, templates and renderer) that
yields `Finding`s (a YAML path, a message, a severity), so the loader can report every problem at once,
located in the file. The checks live in modules by subject (`checks`, `expression_checks`, `people_checks`,
`invariant_checks`, `integration_checks`); what more than one of them looks up is here, said once.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property

from ..documents import SchemaSet
from ..errors import Problem
from ..rendering import Renderer
from ..suggest import did_you_mean
from .model import ProcessDefinition
from .reader import Path
from .values import Action, FieldRef


@dataclass(frozen=True)
class Finding:
    path: Path
    message: str
    severity: str = "error"
    key: bool = False


Check = Callable[["Context"], Iterator["Finding | Problem"]]


@dataclass
class Context:
    definition: ProcessDefinition
    schemas: SchemaSet
    renderer: Renderer
    templates_dir: str
    missing_files: frozenset[str]  # schema paths that could not be read (already reported)
    schemas_dir: str = "schemas"
    schema_texts: Mapping[str, str] = dataclasses.field(default_factory=dict)  # path → JSON text

    def unknown(self, kind: str, name: str, known: Iterable[str]) -> str:
        return f"unknown {kind} {name!r}{did_you_mean(name, known)}"

    @cached_property
    def triggers(self) -> set[str]:
        """Every trigger the process's transitions declare (what a `fire:<trigger>` step may name)."""
        return {t.trigger for t in self.definition.transitions}


def action_findings(c: Context, action: Action, path: Path) -> Iterator[Finding]:
    """A step (`submit:<document>`, `fire:<trigger>`) that names a document or trigger the process lacks."""
    if action.kind == "submit" and action.name not in c.definition.documents:
        yield Finding(path, c.unknown("document", action.name, c.definition.documents))
    if action.kind == "fire" and action.name not in c.triggers:
        yield Finding(path, c.unknown("trigger", action.name, c.triggers))


def field_findings(c: Context, ref: FieldRef, path: Path, *, dates: bool) -> Iterator[Finding]:
    d = c.definition
    if ref.document not in d.documents:
        yield Finding(path, c.unknown("document", ref.document, d.documents))
        return
    doc = d.documents[ref.document]
    if doc.schema_file in c.missing_files:
        return
    sub = c.schemas.field(doc.schema_file, (ref.field,))
    if sub is None:
        known = list(doc.schema.get("properties", {}))
        yield Finding(path, f"document {ref.document!r} has no field {ref.field!r}{did_you_mean(ref.field, known)}")
    elif dates and sub.get("format") not in ("date", "date-time"):
        yield Finding(
            path,
            f"{ref} is not a date: its schema needs type: string with format: date or date-time",
        )
