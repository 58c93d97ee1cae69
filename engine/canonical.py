"""Canonical JSON and content hashes: the identity of definitions, documents and events.

`check_data` is the one judgement of what counts as JSON data, shared by every
door data comes in by — a file on the command line, a YAML document, or a
caller of `Engine.submit()` — so that all give the same answer: an
`InputError` naming the JSON path, for numbers too long to be meant, NaN and
infinity, nesting too deep to walk, strings that are not Unicode text (a lone
surrogate), and values that are not JSON at all.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from typing import Any

from engine.errors import InputError

MAX_NUMBER_DIGITS = 64
MAX_DEPTH = 64
MAX_VALUES = 200_000
_INT_BOUND = 10**MAX_NUMBER_DIGITS

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


def number_too_large(digits: int, start: str = "") -> str:
    """The one wording for a number beyond the digit limit (the CLI says it before it is even converted)."""
    shown = f" {start[:20]}…" if start else ""
    return f"the number{shown} is too large ({digits} digits; at most {MAX_NUMBER_DIGITS})"


def check_data(value: Any, name: str = "") -> None:
    """`InputError` at the first place `value` is not plain JSON data within the limits; walked without recursion."""
    stack: list[tuple[Any, str, int]] = [(value, "$", 0)]
    seen = 0
    while stack:
        item, path, depth = stack.pop()
        seen += 1
        if seen > MAX_VALUES:
            raise _refused(name, path, f"the data has more than {MAX_VALUES} values")
        if depth > MAX_DEPTH:
            raise _refused(name, path, f"nesting is deeper than {MAX_DEPTH} levels")
        problem = _scalar_problem(item)
        if problem:
            raise _refused(name, path, problem)
        if isinstance(item, Mapping):
            for key, child in item.items():
                if not isinstance(key, str) or has_lone_surrogate(key):
                    raise _refused(name, path, f"the key {_shown_key(key)} is not text (keys must be strings)")
                stack.append(
                    (
                        child,
                        f"{path}.{key}" if key.isidentifier() else f"{path}[{json.dumps(key, ensure_ascii=False)}]",
                        depth + 1,
                    )
                )
        elif isinstance(item, (list, tuple)):
            stack.extend((child, f"{path}[{i}]", depth + 1) for i, child in enumerate(item))


def _child_path(path: str, key: str) -> str:
    return f"{path}.{key}" if key.isidentifier() else f"{path}[{json.dumps(key, ensure_ascii=False)}]"


def _scalar_problem(item: Any) -> str | None:
    if item is None or isinstance(item, (bool, Mapping, list, tuple)):
        return None
    if isinstance(item, int):
        # no str(item): a huge int is refused by Python's own conversion limit, with a ValueError
        return number_too_large(int(abs(item).bit_length() * math.log10(2)) + 1) if abs(item) >= _INT_BOUND else None
    if isinstance(item, float):
        return None if math.isfinite(item) else f"{item} is not a number JSON allows"
    if isinstance(item, str):
        return "the text holds a lone surrogate (bytes that are not UTF-8)" if has_lone_surrogate(item) else None
    return f"a {type(item).__name__} is not JSON data (use text, numbers, true/false, null, lists, mappings)"


def has_lone_surrogate(text: str) -> bool:
    """Whether `text` holds a lone surrogate: bytes that were not UTF-8 (PEP 383), not a character."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _shown_key(key: Any) -> str:
    return repr(key.encode("utf-8", "backslashreplace").decode()) if isinstance(key, str) else repr(key)[:40]


def _refused(name: str, path: str, message: str) -> InputError:
    return InputError(f"{name}: {path}: {message}" if name else f"{path}: {message}")
