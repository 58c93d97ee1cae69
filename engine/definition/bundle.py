"""A stored definition's *bundle*: the process dict with every schema and template it uses, self-contained and
JSON-ready, so a store can rebuild exactly the version a case ran under without the files.

Apart from `loader.py` because every command that reads a case rebuilds its definition from the store, and that
needs neither the schema validator (jsonschema) nor the template engine (Jinja2) that loading a file checks with:
importing them would slow every `procflow status` down."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path as FsPath
from typing import Any

from .. import disk_cache
from ..canonical import JCS, LEGACY, digest
from ..errors import DefinitionError, Problem
from .builder import build
from .model import ProcessDefinition

BUNDLE_FORMAT = 1


def assemble(
    data: Mapping[str, Any],
    schemas: Mapping[str, Mapping[str, Any]],
    templates: Mapping[str, str],
    source_file: str,
    source_text: str,
    scheme: int = JCS,
) -> ProcessDefinition:
    content_hash = digest(canonical_form(data, schemas, templates), scheme)
    return build(data, schemas, templates, content_hash, source_file, source_text)


def canonical_form(
    data: Mapping[str, Any], schemas: Mapping[str, Mapping[str, Any]], templates: Mapping[str, str]
) -> dict[str, Any]:
    """What identifies a version: the process, its schemas and templates — not comments or layout."""
    return {"process": dict(data), "schemas": dict(schemas), "templates": dict(templates)}


def to_bundle(definition: ProcessDefinition) -> dict[str, Any]:
    """A self-contained, JSON-ready copy of a definition for storage."""
    return {
        "format": BUNDLE_FORMAT,
        "process": dict(definition.raw),
        "schemas": {path: dict(schema) for path, schema in definition.schemas.items()},
        "templates": dict(definition.templates),
        "source_file": definition.source_file,
        "source_text": definition.source_text,
        "content_hash": definition.content_hash,
        "hash_scheme": JCS,
    }


def from_bundle(bundle: Mapping[str, Any]) -> ProcessDefinition:
    """Rebuild a stored definition; refuse one whose content does not match its stored hash."""
    name = str(bundle.get("source_file", "<store>"))

    def refuse(message: str) -> DefinitionError:
        return DefinitionError([Problem(name, 1, 1, message)])

    if bundle.get("format") != BUNDLE_FORMAT:
        raise refuse(f"unknown definition bundle format {bundle.get('format')!r}")
    missing = [k for k in ("process", "schemas", "templates", "source_text", "content_hash") if k not in bundle]
    if missing:
        raise refuse(f"the stored definition lacks {', '.join(missing)}")
    try:
        scheme = int(bundle.get("hash_scheme", LEGACY))  # bundles stored before RFC 8785 name no scheme
        definition = assemble(
            bundle["process"], bundle["schemas"], bundle["templates"], name, bundle["source_text"], scheme
        )
        same_source = _source_matches(bundle["source_text"], bundle["process"], name)
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise refuse(f"the stored definition is malformed: {exc}") from None
    if definition.content_hash != bundle["content_hash"]:
        raise refuse("the stored definition does not match its content hash")
    if not same_source:
        raise refuse("the stored source text does not match the stored definition")
    return definition


def _source_matches(text: str, process: Mapping[str, Any], name: str) -> bool:
    """Whether the stored YAML text reads as the stored process. Parsing it again is most of what rebuilding a
    stored definition costs, and the answer depends on those two and the reader's code only: a match is
    remembered on disk (`disk_cache`, kind `sources`) under a hash of all three, so a command reading the same
    stored definition again skips the parse; a text or process edited since has another hash."""
    reader = FsPath(__file__).with_name("reader.py")
    parts = (disk_cache.code_fingerprint(reader), text, json.dumps(process, sort_keys=True, default=repr))
    key = hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()
    if disk_cache.read_json("sources", key) is True:
        return True
    from .reader import read_yaml  # here: a remembered match needs no YAML parser

    same = bool(read_yaml(text, name).data == process)
    if same:
        disk_cache.write_json("sources", key, True)
    return same
