"""Small JSON files a later process may reuse: where they live, read without trusting, written atomically.

A cache entry is only ever an optimisation, and one that can be wrong is worse than none, so every user names
its entries by a hash of everything the value depends on (the input's bytes, the engine code that computed it,
the version of the library it came from) and checks what it reads. Here: the folder
($PROCFLOW_CACHE_DIR, `off` to disable; else $XDG_CACHE_HOME or ~/.cache, then `procflow/<kind>`), reading
that answers None for a missing, unreadable or corrupt entry, and writing through a temporary file renamed over
the entry, so concurrent writers never leave half a file (the last complete one wins). Failing to write is
ignored.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any


def folder(kind: str) -> Path | None:
    """The folder for entries of `kind`; None when caching is off."""
    configured = os.environ.get("PROCFLOW_CACHE_DIR")
    if configured is not None:
        return None if configured.strip().lower() in ("", "off", "0", "no") else Path(configured) / kind
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "procflow" / kind


def code_fingerprint(*files: Path) -> str:
    """A hash of source files: part of an entry's name, so changed code never reads what older code wrote."""
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def read_json(kind: str, name: str) -> Any | None:
    """The entry's value, or None (no cache, no entry, not readable, not JSON)."""
    where = folder(kind)
    if where is None:
        return None
    try:
        return json.loads((where / name).read_text("utf-8"))
    except (OSError, ValueError):
        return None


def write_json(kind: str, name: str, value: Any) -> None:
    """Replace the entry with `value` in one rename; errors ignored."""
    where = folder(kind)
    if where is None:
        return
    try:
        where.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=where, delete=False, suffix=".tmp", encoding="utf-8") as tmp:
            json.dump(value, tmp, separators=(",", ":"))
        os.replace(tmp.name, where / name)
    except OSError:
        pass
