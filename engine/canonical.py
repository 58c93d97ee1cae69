"""Canonical JSON and content hashes: the identity of definitions, documents and events.

`check_data` is the one judgement of what counts as JSON data, shared by every
door data comes in by — a file on the command line, a YAML document, or a
caller of `Engine.submit()` — so that all give the same answer: an
`InputError` naming the JSON path, for numbers too long to be meant, NaN and
infinity, nesting too deep to walk, strings that are not Unicode text (a lone
surrogate), and values that are not JSON at all.

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
import json.encoder
import math
import re
from collections.abc import Callable, Mapping
from typing import Any

import rfc8785

from .errors import InputError

MAX_NUMBER_DIGITS = 64
MAX_DEPTH = 64
MAX_VALUES = 200_000
_INT_BOUND = 10**MAX_NUMBER_DIGITS

LEGACY, JCS = 1, 2
SCHEMES = (LEGACY, JCS)
_SAFE_INT = 2**53 - 1
_HIGH_KEY = re.compile("[\ue000-\U0010ffff]")  # UTF-16 order differs from code-point order from here on


def _writer(*, sort_keys: bool, allow_nan: bool) -> Callable[[Any], str]:
    """`JSONEncoder(…, separators=(",", ":"), ensure_ascii=False).encode`, without what `encode` redoes at every
    call: it builds its C encoder anew and a table of the containers it is inside, to refuse a cycle (about
    2 µs of a step for a small dict). For JSON data, which has no cycles (one would end in RecursionError)."""
    encoder = json.JSONEncoder(
        sort_keys=sort_keys, separators=(",", ":"), ensure_ascii=False, allow_nan=allow_nan, check_circular=False
    )
    make = json.encoder.c_make_encoder  # type: ignore[attr-defined]  # None without CPython's accelerator
    if make is None:
        return encoder.encode
    chunks = make(None, encoder.default, json.encoder.encode_basestring, None, ":", ",", sort_keys, False, allow_nan)
    return lambda value: "".join(chunks(value, 0))


canonical_json = _writer(sort_keys=True, allow_nan=False)
"""Scheme 1: sorted keys, no spaces, UTF-8 kept as is."""
compact_json = _writer(sort_keys=False, allow_nan=True)
"""JSON without spaces, UTF-8 kept, keys in their own order: what `json.dumps(value, ensure_ascii=False,
separators=(",", ":"))` writes (the case row's snapshot)."""


def scan(value: Any) -> tuple[bool, bool]:
    """(whether `value` holds read-only mappings or tuples, whether Python's sorted JSON already spells it as
    RFC 8785 — no floats, integers beyond 2**53 or keys at or above U+E000). One pass, no recursion; it stops
    at the first disagreement, so `proxies` is then only a lower bound."""
    proxies, stack = False, [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is str or item is None or kind is bool:
            continue
        if kind is int:
            if not -_SAFE_INT <= item <= _SAFE_INT:
                return proxies, False
        elif kind is dict or (kind is not list and hasattr(item, "items")):
            proxies = proxies or kind is not dict
            for key, inner in item.items():
                if type(key) is not str or (not key.isascii() and _HIGH_KEY.search(key)):
                    return proxies, False
                stack.append(inner)
        elif kind is list or kind is tuple:
            proxies = proxies or kind is tuple
            stack.extend(item)
        else:
            return proxies, False  # floats and anything else: the library decides
    return proxies, True


def _json_agrees(value: Any) -> bool:
    return scan(value)[1]


def jcs(value: Any) -> bytes:
    """Scheme 2: the RFC 8785 bytes of `value` (the C encoder where it provably agrees, else `rfc8785`).

    Mappings may be read-only proxies and sequences tuples; they are spelled as objects and arrays."""
    proxies, agrees = scan(value)
    if agrees:
        return canonical_json(plain(value) if proxies else value).encode("utf-8")
    try:
        return rfc8785.dumps(plain(value))  # the scan stopped early: convert whatever it did not reach
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
    copy, digest, _ = frozen(value)
    return copy, digest


def frozen(value: Any, alike: bool = False) -> tuple[Any, str, str | None]:
    """`frozen_copy`, and the copy's canonical text when it is also its RFC 8785 spelling (else None): what an
    event holding the copy as its data may splice into its own hash (`chain.seal`) instead of spelling it again.

    `alike`: `check_data` said so of this very `value` (then it is not scanned again)."""
    text = canonical_json(value)
    copy = json.loads(text)
    proxies, agrees = (False, True) if alike else scan(value)
    if agrees and not proxies:  # only dicts, lists, text, safe integers: the copy is `value` again, spelled as `text`
        return copy, hashlib.sha256(text.encode("utf-8")).hexdigest(), text
    spelled = text.encode("utf-8") if _json_agrees(copy) else jcs(copy)  # one serialisation when they agree
    return copy, hashlib.sha256(spelled).hexdigest(), None


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


def check_data(value: Any, name: str = "") -> bool:
    """`InputError` at the first place `value` is not plain JSON data within the limits; walked without recursion.

    Data that is plainly fine (the common case) passes a quick walk that builds no JSON paths; anything else —
    a problem, or a type the quick walk does not judge — gets the full walk, which names the first problem.
    Returns whether `value` is made only of dicts, lists, text, true/false/null and integers within 2**53,
    with no key at or above U+E000: data that `frozen(value, alike=True)` may spell without scanning it again."""
    found = _plainly_fine(value)
    if found is None:
        _check_walk(value, name)
        return False
    return found


def _plainly_fine(value: Any) -> bool | None:
    """None unless `_check_walk` would find nothing (None is "not sure", never an answer: the full walk decides,
    and words the error); else whether the data is spelled alike (`check_data`). Exact JSON types, level by level."""
    level, depth, seen, alike = [value], 0, 0, True
    unusual: list[str] = []  # text beyond ASCII, checked for lone surrogates in one go
    while level:
        seen += len(level)
        if seen > MAX_VALUES or depth > MAX_DEPTH:
            return None
        below: list[Any] = []
        for item in level:
            kind = type(item)
            if kind is str:
                if not item.isascii():
                    unusual.append(item)
            elif kind is dict:
                for key in item:
                    if type(key) is not str:
                        return None
                    if not key.isascii():
                        unusual.append(key)
                        alike = alike and not _HIGH_KEY.search(key)
                below.extend(item.values())
            elif kind is list:
                below.extend(item)
            elif kind is int:
                if not -_INT_BOUND < item < _INT_BOUND:
                    return None
                alike = alike and -_SAFE_INT <= item <= _SAFE_INT
            elif kind is float:
                if not math.isfinite(item):
                    return None
                alike = False
            elif kind is tuple:
                below.extend(item)
                alike = False
            elif item is not None and kind is not bool:
                return None
        level, depth = below, depth + 1
    return None if unusual and has_lone_surrogate("".join(unusual)) else alike


def _check_walk(value: Any, name: str) -> None:
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
