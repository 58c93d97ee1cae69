"""Document schemas: a local registry (never the network), compiled validators, field lookup.

Every schema a definition uses is loaded from disk at load time and kept in
the definition bundle; `$ref`s resolve only inside that set, so validation can
never fetch anything.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urldefrag, urljoin

from jsonschema import ValidationError
from jsonschema.protocols import Validator
from jsonschema.validators import validator_for
from referencing import Registry, Resource
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT202012

from .errors import DocumentInvalid, FieldError
from .excerpts import excerpt, short_message
from .patterns import FORMATS, UNSUPPORTED_HINT, linear

_DEFAULT_DRAFT = {"$schema": "https://json-schema.org/draft/2020-12/schema"}
LOCAL_BASE = "file:///procflow-schemas/"  # an identifier only: nothing is ever fetched


def base_uri(path: str, schema: Mapping[str, Any]) -> str:
    """The URI relative `$ref`s in the schema at `path` resolve against."""
    declared = schema.get("$id")
    return declared if isinstance(declared, str) and declared else LOCAL_BASE + path


class SchemaSet:
    """All schemas of one definition, keyed by path under `schemas/`, resolvable offline."""

    def __init__(self, schemas: Mapping[str, Mapping[str, Any]]) -> None:
        self.schemas = dict(schemas)
        pairs = []
        for path, schema in self.schemas.items():
            resource = Resource.from_contents(dict(schema), default_specification=DRAFT202012)
            pairs.append((LOCAL_BASE + path, resource))
            if base_uri(path, schema) != LOCAL_BASE + path:
                pairs.append((base_uri(path, schema), resource))
        self.registry: Registry[Any] = Registry().with_resources(pairs).crawl()

    def validator(self, path: str) -> Validator:
        """A validator for the schema at `path` whose regular expressions run in linear time (RE2)."""
        schema = {"$id": base_uri(path, self.schemas[path]), **self.schemas[path]}  # relative $refs need a base
        return _validator_class(schema)(schema, registry=self.registry, format_checker=FORMATS)

    def schema_problems(self, path: str) -> Iterator[str]:
        """Why the schema at `path` is not a usable JSON Schema, or has refs that do not resolve."""
        schema = self.schemas[path]
        errors = [e for e in _metaschema_errors(schema) if not _is_pattern_error(e)]
        for error in errors:
            where = "/".join(str(p) for p in error.absolute_path)
            yield f"{path} is not a valid JSON Schema: {short_message(error)}" + (f" (at {where})" if where else "")
        if errors:
            return
        for ref, base in refs(schema, base_uri(path, schema)):
            try:
                self.registry.resolver(base).lookup(ref)
            except Unresolvable:
                yield (
                    f"{path}: $ref {ref!r} does not resolve to a schema under schemas/; "
                    "only local schemas are used (nothing is fetched over the network)"
                )

    def pattern_problems(self, path: str) -> Iterator[tuple[str, str]]:
        """(pattern, why it is refused) for each regular expression in the schema that RE2 cannot run."""
        for error in _metaschema_errors(self.schemas[path]):
            if _is_pattern_error(error) and isinstance(error.instance, str):
                why = f"the pattern {excerpt(error.instance)} cannot be used ({error.cause or 'it does not compile'})"
                yield error.instance, f"{why}; {UNSUPPORTED_HINT}"

    def field(self, path: str, parts: tuple[str | int, ...]) -> Mapping[str, Any] | None:
        """The subschema for a field path in the document schema at `path`, or None if undeclared."""
        schema: Mapping[str, Any] = self.schemas[path]
        base = base_uri(path, schema)
        for part in parts:
            schema, base = self._deref(schema, base)
            if isinstance(part, int) or schema.get("type") == "array":
                items = schema.get("items")
                if not isinstance(items, Mapping):
                    return None
                schema = items
                if not isinstance(part, int):
                    schema, base = self._deref(schema, base)
                    properties = schema.get("properties", {})
                    if part not in properties:
                        return None
                    schema = properties[part]
                continue
            properties = schema.get("properties", {})
            if part not in properties:
                return None
            schema = properties[part]
        return self._deref(schema, base)[0]

    def resolve(self, schema: Mapping[str, Any], base: str) -> tuple[Mapping[str, Any], str]:
        """What a subschema's `$ref` names (chains followed) and the base URI inside it; `{}` if unresolvable."""
        return self._deref(schema, base)

    def _deref(self, schema: Mapping[str, Any], base: str) -> tuple[Mapping[str, Any], str]:
        for _ in range(16):
            ref = schema.get("$ref")
            if not isinstance(ref, str):
                break
            try:
                resolved = self.registry.resolver(base).lookup(ref)
            except Unresolvable:  # reported by schema_problems; treat the field as opaque here
                return {}, base
            schema, base = resolved.contents, urldefrag(urljoin(base, ref)).url
        return schema, base


def refs(schema: Any, base: str) -> Iterator[tuple[str, str]]:
    if isinstance(schema, Mapping):
        here = schema.get("$id") if isinstance(schema.get("$id"), str) else None
        base = urljoin(base, here) if here else base
        ref = schema.get("$ref")
        if isinstance(ref, str):
            yield ref, base
        for key, value in schema.items():
            if key not in ("const", "enum", "examples", "default"):
                yield from refs(value, base)
    elif isinstance(schema, list):
        for item in schema:
            yield from refs(item, base)


def _validator_class(schema: Mapping[str, Any]) -> type[Validator]:
    return linear(validator_for(schema, default=validator_for(_DEFAULT_DRAFT)))


def _metaschema_errors(schema: Mapping[str, Any]) -> Iterator[ValidationError]:
    """What the metaschema says about `schema`, with its `pattern`s (format: regex) checked by RE2."""
    cls = _validator_class(schema)
    meta = validator_for(cls.META_SCHEMA, default=cls)(cls.META_SCHEMA, format_checker=FORMATS)
    return meta.iter_errors(dict(schema))


def _is_pattern_error(error: ValidationError) -> bool:
    return error.validator == "format" and error.validator_value == "regex" and isinstance(error.instance, str)


def field_errors(validator: Validator, data: Any) -> list[FieldError]:
    """Every reason `data` fails `validator`, each with its JSON path, in path order."""
    errors = [FieldError(error.json_path, short_message(error)) for error in validator.iter_errors(data)]
    return sorted(errors, key=lambda e: e.path)


def validate(document: str, validator: Validator, data: Any) -> None:
    errors = field_errors(validator, data)
    if errors:
        raise DocumentInvalid(document, errors)
