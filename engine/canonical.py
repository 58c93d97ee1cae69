"""Canonical JSON and content hashes: the identity of definitions, documents and events.

Two spellings exist, and every hash records which one it used (its *scheme*):

- scheme 2, the current one, is RFC 8785 (JSON Canonicalization Scheme, `jcs`): anyone can recompute a
  hash with any conforming library (docs/audit.md shows the bytes of a worked example);
- scheme 1, the original, is Python's `json` with sorted keys and no spaces (`canonical_json`). It differs
  from RFC 8785 only for floats, integers beyond 2**53 and keys with characters at or above U+E000; records
  hashed under it keep verifying under it.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

import rfc8785

LEGACY, JCS = 1, 2
SCHEMES = (LEGACY, JCS)
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
_SAFE_INT = 2**53 - 1
_HIGH_KEY = re.compile("[\ue000-\U0010ffff]")  # UTF-16 order differs from code-point order from here on


def canonical_json(value: Any) -> str:
    """Scheme 1: sorted keys, no spaces, UTF-8 kept as is."""
    return _CANONICAL.encode(value)


def _json_agrees(value: Any) -> bool:
    """Whether Python's sorted JSON is already RFC 8785 for `value` (no floats, huge ints or high keys)."""
    if isinstance(value, str) or value is None or isinstance(value, bool):
        return True
    if isinstance(value, int):
        return -_SAFE_INT <= value <= _SAFE_INT
    if isinstance(value, dict) or hasattr(value, "items"):
        return all(not _HIGH_KEY.search(str(k)) and _json_agrees(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return all(_json_agrees(v) for v in value)
    return False  # floats and anything else: the library decides


def jcs(value: Any) -> bytes:
    """Scheme 2: the RFC 8785 bytes of `value` (the C encoder where it provably agrees, else `rfc8785`)."""
    if _json_agrees(value):
        return _CANONICAL.encode(value).encode("utf-8")
    try:
        return rfc8785.dumps(plain(value))
    except rfc8785.CanonicalizationError as exc:
        raise ValueError(f"cannot hash this value as RFC 8785 JSON: {exc}") from None


def canonical_bytes(value: Any, scheme: int = JCS) -> bytes:
    if scheme == JCS:
        return jcs(value)
    if scheme == LEGACY:
        return canonical_json(value).encode("utf-8")
    raise ValueError(f"unknown hash scheme {scheme!r} (known: {', '.join(map(str, SCHEMES))})")


def digest(value: Any, scheme: int = JCS) -> str:
    """SHA-256 (hex) of the canonical JSON of `value` under `scheme`."""
    return hashlib.sha256(canonical_bytes(value, scheme)).hexdigest()


def frozen_copy(value: Any) -> tuple[Any, str]:
    """A private, JSON-safe copy of `value` and its digest (scheme 2)."""
    text = canonical_json(value)
    copy = json.loads(text)
    spelled = text.encode("utf-8") if _json_agrees(copy) else jcs(copy)  # one serialisation when they agree
    return copy, hashlib.sha256(spelled).hexdigest()


def plain(value: Any) -> Any:
    """Mappings (including read-only proxies) → dicts and tuples → lists, recursively, for JSON."""
    if isinstance(value, dict) or hasattr(value, "items"):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value
