"""The one public way to load a process: read → structure check → resources → model → checks.

`load()` raises `DefinitionError` carrying every problem found; `check()` returns
them (errors and warnings) for `procflow validate`. A loaded definition also
round-trips through a *bundle* (`bundle.py`) so a store can rebuild exactly the
version a case ran under without the files.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import TYPE_CHECKING, Any
from urllib.parse import urldefrag

from ..documents import SchemaSet, base_uri, refs
from ..errors import DefinitionError, Problem, UnreadableFile
from ..files import read_bounded, shown
from ..rendering import Renderer, included_templates
from . import check_cache, messages
from .bundle import assemble
from .model import ProcessDefinition
from .reader import Marked, read_yaml

if TYPE_CHECKING:
    from .check_context import Finding


@dataclass
class CheckResult:
    definition: ProcessDefinition | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]


def load(
    path: str | os.PathLike[str],
    *,
    schemas_dir: str | os.PathLike[str] | None = None,
    templates_dir: str | os.PathLike[str] | None = None,
) -> ProcessDefinition:
    """Load and check a process file. Raises `DefinitionError` listing every error."""
    result = check(path, schemas_dir=schemas_dir, templates_dir=templates_dir)
    if result.errors or result.definition is None:
        raise DefinitionError(result.problems)
    return result.definition


def check(
    path: str | os.PathLike[str],
    *,
    schemas_dir: str | os.PathLike[str] | None = None,
    templates_dir: str | os.PathLike[str] | None = None,
) -> CheckResult:
    """Every problem in a process file, errors and warnings; the definition if there are no errors."""
    file = FsPath(path)
    raw = read_bounded(file, what="process file")
    name = shown(path)
    try:
        marked = read_yaml(raw, name)
    except DefinitionError as exc:
        return CheckResult(None, list(exc.problems))
    problems = list(marked.problems)
    if not isinstance(marked.data, dict):
        problems.append(marked.problem((), "a process file must be a mapping (key: value lines) at the top level"))
        return CheckResult(None, problems)
    schemas_root = resource_dir(file, marked.data, "schemas", schemas_dir)
    templates_root = resource_dir(file, marked.data, "templates", templates_dir)
    resources = _Resources(schemas_root, templates_root, marked)
    resources.load_all(marked.data)
    entry = check_cache.key(name, raw, resources.schemas, resources.templates, (str(schemas_root), str(templates_root)))
    cached = None if problems or resources.problems else check_cache.lookup(entry)
    if cached is not None:
        return CheckResult(assemble(marked.data, resources.schemas, resources.templates, name, raw.decode()), cached)
    # the checks are imported here: rebuilding a stored definition (`from_bundle`, every command) needs none
    from .check_context import Context
    from .checks import run_checks
    from .integration_checks import integration_checks
    from .schema_check import check_structure

    structure = check_structure(marked)
    problems.extend(structure)
    if structure:
        return CheckResult(None, _sorted(problems))
    problems.extend(resources.problems)
    definition = assemble(marked.data, resources.schemas, resources.templates, name, raw.decode("utf-8"))
    context = Context(
        definition,
        SchemaSet(resources.schemas),
        Renderer(resources.templates),
        _shown_dir(templates_root),
        frozenset(resources.missing),
        _shown_dir(schemas_root),
        resources.schema_texts,
    )
    for finding in [*run_checks(context), *integration_checks(context)]:
        problems.append(_locate(finding, marked))
    problems = _sorted(problems)
    if any(p.severity == "error" for p in problems):
        return CheckResult(None, problems)
    check_cache.remember(entry, problems)
    return CheckResult(definition, problems)


DEFAULT_DIRS = {"schemas": "../schemas", "templates": "../doc_templates"}


def resource_dir(file: FsPath, data: Mapping[str, Any], key: str, explicit: str | os.PathLike[str] | None) -> FsPath:
    """Where a process file's schemas or templates are: the folder given on the command line, else the file's own
    `schemas:` / `templates:` key (relative to the file), else the project layout's `../schemas`, `../doc_templates`."""
    if explicit:
        return FsPath(explicit)
    declared = data.get(key)
    relative = declared if isinstance(declared, str) and declared else DEFAULT_DIRS[key]
    return FsPath(os.path.normpath(file.resolve().parent / relative))


class _Resources:
    """Reads the schema and template files a process names, collecting what is missing."""

    def __init__(self, schemas_root: FsPath, templates_root: FsPath, marked: Marked) -> None:
        self.schemas_root, self.templates_root, self.marked = schemas_root, templates_root, marked
        self.schemas: dict[str, dict[str, Any]] = {}
        self.templates: dict[str, str] = {}
        self.schema_texts: dict[str, str] = {}
        self.missing: set[str] = set()
        self.problems: list[Problem] = []

    def load_all(self, data: Mapping[str, Any]) -> None:
        """Read every file the documents name; tolerant of a malformed section (the structure check reports it)."""
        documents = data.get("documents")
        for doc_id, doc in documents.items() if isinstance(documents, dict) else ():
            if not isinstance(doc, dict):
                continue
            if isinstance(doc.get("schema"), str):
                self._schema(doc["schema"], ("documents", doc_id, "schema"))
            if isinstance(doc.get("template"), str):
                self._template(doc["template"], ("documents", doc_id, "template"))
        for path, where in messages.declared_files(data):
            if path not in self.templates:
                self._template(path, where)

    def _inside(self, root: FsPath, relative: str) -> FsPath | None:
        target = (root / relative).resolve()
        return target if target.is_relative_to(root.resolve()) else None

    def _schema(self, relative: str, where: tuple[str, ...], referrer: str | None = None) -> None:
        if relative in self.schemas or relative in self.missing:
            return
        target = self._inside(self.schemas_root, relative)
        location = f"{_shown_dir(self.schemas_root)}/{relative}"
        try:
            text = _read_inside(target, relative, "schema file").decode("utf-8")
            schema = json.loads(text)
            if not isinstance(schema, dict):
                raise ValueError("it is not a JSON object")
        except (UnreadableFile, ValueError) as exc:
            self.missing.add(relative)
            reason = exc.reason if isinstance(exc, UnreadableFile) else f"not valid JSON ({exc})"
            via = f" (referenced from {referrer})" if referrer else ""
            self.problems.append(self.marked.problem(where, f"schema file {location}: {reason}{via}"))
            return
        self.schemas[relative] = schema
        self.schema_texts[relative] = text
        # pull in local files that this schema $refs, so the bundle is complete
        for ref, _base in refs(schema, base_uri(relative, schema)):
            target_path = _local_ref_path(ref, relative)
            if target_path:
                self._schema(target_path, where, relative)

    def _template(self, relative: str, where: tuple[str | int, ...], *, included: bool = False) -> None:
        """Read a template and, so the bundle is complete, every template it includes or imports.

        A missing included template is not reported here but at its line in the including template.
        """
        if relative in self.templates:
            return
        target = self._inside(self.templates_root, relative)
        location = f"{_shown_dir(self.templates_root)}/{relative}"
        try:
            raw = _read_inside(target, relative, "template", "no such file inside doc_templates/")
            self.templates[relative] = raw.decode("utf-8")
        except (UnreadableFile, UnicodeDecodeError) as exc:
            if not included or not isinstance(exc, UnreadableFile):
                reason = exc.reason if isinstance(exc, UnreadableFile) else "not UTF-8 text"
                self.problems.append(self.marked.problem(where, f"template {location}: {reason}"))
            return
        for name in included_templates(self.templates[relative]):
            self._template(name, where, included=True)


def _read_inside(target: FsPath | None, relative: str, what: str, missing: str = "no such file") -> bytes:
    """The bytes of a schema or template file; `UnreadableFile` if it is outside its folder, missing or unreadable."""
    if target is None or not target.exists():  # outside its folder: say no more than that it is not there
        raise UnreadableFile(relative, missing)
    return read_bounded(target, what=what)


def _local_ref_path(ref: str, relative: str) -> str | None:
    """The schemas/-relative path a relative `$ref` names, or None for internal or absolute refs."""
    uri = urldefrag(ref).url
    if not uri or "://" in uri or uri.startswith("urn:"):
        return None
    joined = os.path.normpath(os.path.join(os.path.dirname(relative), uri))
    return None if joined.startswith("..") else joined.replace(os.sep, "/")


def _locate(finding: Finding | Problem, marked: Marked) -> Problem:
    if isinstance(finding, Problem):
        return finding
    return marked.problem(finding.path, finding.message, key=finding.key, severity=finding.severity)


def _sorted(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.file, p.line, p.column))


def _shown_dir(path: FsPath) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:  # pragma: no cover - different drive on Windows
        return str(path)
