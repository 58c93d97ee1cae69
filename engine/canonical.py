"""Canonical JSON and content hashes: the identity of definitions, documents and events."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def canonical_json(value: Any) -> str:
    """One spelling per value: sorted keys, no spaces, UTF-8 kept as is."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def digest(value: Any) -> str:
    """SHA-256 (hex) of the canonical JSON of `value`."""
    return hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()


def frozen_copy(value: Any) -> tuple[Any, str]:
    """A private, JSON-safe copy of `value` and its digest, from one serialisation."""
    text = canonical_json(value)
    return json.loads(text), hashlib.sha256(text.encode("utf-8")).hexdigest()
