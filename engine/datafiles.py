"""Read document data handed in as a JSON or YAML file, refusing what JSON Schema cannot judge.

Duplicate keys (which would silently drop a value), NaN and Infinity, and
absurdly long numbers are refused with the place they occur.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from .canonical import MAX_DEPTH, MAX_NUMBER_DIGITS, check_data, number_too_large
from .definition.reader import MAX_BYTES, read_yaml
from .errors import DefinitionError, InputError
from .files import STDIN, read_bounded, shown


def read_data(path: str | Path) -> Any:
    """The data in a `.json`, `.yaml` or `.yml` file, or on standard input (`-`: JSON if it starts with `{` or
    `[`, else YAML)."""
    file = Path(path)
    raw = read_bounded(file, MAX_BYTES, what="data file")
    if file.suffix.lower() == ".json" or (str(path) == STDIN and raw.lstrip()[:1] in (b"{", b"[")):
        return parse_json(raw, shown(path))
    try:
        marked = read_yaml(raw, shown(path))
    except DefinitionError as exc:
        raise InputError(str(exc)) from None
    if marked.problems:
        raise InputError("\n".join(str(p) for p in marked.problems))
    check_data(marked.data, shown(path))
    return marked.data


def parse_json(raw: bytes | str, name: str = "<json>") -> Any:
    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in items:
            if key in result:
                raise InputError(f"{name}: duplicate key {key!r}; each key may appear once")
            result[key] = value
        return result

    def constant(text: str) -> Any:
        raise InputError(f"{name}: {text} is not a number JSON allows")

    def integer(text: str) -> int:
        if len(text.lstrip("-")) > MAX_NUMBER_DIGITS:
            raise InputError(f"{name}: {number_too_large(len(text.lstrip('-')), text)}")
        return int(text)

    def real(text: str) -> float:
        number = float(text)
        if len(text) > MAX_NUMBER_DIGITS or not math.isfinite(number):
            raise InputError(f"{name}: the number {text[:20]} is out of range")
        return number

    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        data = json.loads(text, object_pairs_hook=pairs, parse_constant=constant, parse_int=integer, parse_float=real)
    except UnicodeDecodeError as exc:
        raise InputError(f"{name}: invalid UTF-8 at byte {exc.start}") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{name}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}") from None
    except RecursionError:
        raise InputError(f"{name}: nesting is deeper than {MAX_DEPTH} levels") from None
    check_data(data, name)
    return data
