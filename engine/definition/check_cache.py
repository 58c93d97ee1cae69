"""Remember that exact bytes were already checked, so reloading an unchanged process is fast.

Checking a process deeply (every document schema against the JSON Schema
meta-schema, every template parsed and compared with its schema) costs far
more than reading it. Like a compiler's cache, an entry says: this YAML text,
with these exact schema and template files, checked by this exact engine code,
had no errors and these warnings. Any change to any of them — or to the
engine's checking code — misses the cache. Set PROCFLOW_CACHE_DIR to choose the
folder, or to `off` to disable it. The cache is an optimisation only: failing
to read or write it is ignored.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from ..canonical import canonical_json
from ..errors import Problem

_CHECKING_CODE = (  # beside every module of definition/ (the checks are split over several, and grow)
    "definition/process.schema.json",
    "expressions.py",
    "documents.py",
    "rendering.py",
    "sandbox.py",
)


def cache_dir() -> Path | None:
    configured = os.environ.get("PROCFLOW_CACHE_DIR")
    if configured is not None:
        return None if configured.strip().lower() in ("", "off", "0", "no") else Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "procflow" / "checked"


@cache
def _engine_fingerprint() -> str:
    package = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    modules = sorted(f"definition/{file.name}" for file in (package / "definition").glob("*.py"))
    for name in (*modules, *_CHECKING_CODE):
        digest.update(name.encode())
        digest.update((package / name).read_bytes())
    return digest.hexdigest()


def key(
    filename: str, raw: bytes, schemas: Mapping[str, Any], templates: Mapping[str, str], dirs: tuple[str, ...]
) -> str:
    digest = hashlib.sha256(_engine_fingerprint().encode())
    for part in (filename, *dirs, canonical_json(schemas), canonical_json(templates)):
        digest.update(part.encode("utf-8") + b"\0")
    digest.update(raw)
    return digest.hexdigest()


def lookup(entry: str) -> list[Problem] | None:
    folder = cache_dir()
    if folder is None:
        return None
    try:
        rows = json.loads((folder / entry).read_text("utf-8"))
        return [Problem(**row) for row in rows]
    except (OSError, ValueError, TypeError):
        return None


def remember(entry: str, warnings: list[Problem]) -> None:
    folder = cache_dir()
    if folder is None:
        return
    rows = [p.__dict__ for p in warnings]
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=folder, delete=False, suffix=".tmp", encoding="utf-8") as tmp:
            json.dump(rows, tmp, ensure_ascii=False)
        os.replace(tmp.name, folder / entry)
    except OSError:
        pass
