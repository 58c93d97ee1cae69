"""Canonical JSON and content hashes: the identity of definitions, documents and events."""

from __future__ import annotations

import hashlib
import json
from typing import Any

_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def canonical_json(value: Any) -> str:
    """One spelling per value: sorted keys, no spaces, UTF-8 kept as is."""
    return _CANONICAL.encode(value)


def digest(value: Any) -> str:
    """SHA-256 (hex) of the canonical JSON of `value`."""
    return hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()


def frozen_copy(value: Any) -> tuple[Any, str]:
    """A private, JSON-safe copy of `value` and its digest, from one serialisation."""
    text = canonical_json(value)
    return json.loads(text), hashlib.sha256(text.encode("utf-8")).hexdigest()


def plain(value: Any) -> Any:
    """Mappings (including read-only proxies) → dicts and tuples → lists, recursively, for JSON."""
    if isinstance(value, dict) or hasattr(value, "items"):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value
