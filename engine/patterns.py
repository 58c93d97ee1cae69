"""Regular expressions written by process owners, run by RE2 so that no pattern can hang the engine.

Python's `re` backtracks: a schema `pattern` such as `(a+)+$` takes exponential
time on `"a" * 40 + "!"`. RE2 runs every pattern in time linear in the input,
and has no backreferences or lookaround — exactly the features that make
backtracking necessary — so a pattern RE2 cannot compile is refused at load
instead of being run by a slower engine. RE2's `$` (without the `m` flag) means
the end of the text, as in JSON Schema's ECMA-262 dialect, so `^[a-z]+$` does
not accept a trailing newline the way Python's `re.search` does.

The validator classes here replace jsonschema's `pattern` and
`patternProperties` keywords and its `regex` format with RE2, for document
schemas, the process format and the scenario format alike.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cache, lru_cache
from typing import Any

import re2
from jsonschema import FormatChecker, ValidationError
from jsonschema.protocols import Validator
from jsonschema.validators import extend

from .excerpts import excerpt

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # RE2 would print every refused pattern on stderr

UNSUPPORTED_HINT = (
    "patterns run on a linear-time engine (RE2), which has no backreferences (\\1), "
    "lookahead or lookbehind ((?=…), (?!…), (?<=…)); rewrite the pattern without them"
)


class PatternError(ValueError):
    """A pattern the linear-time engine cannot run; the message says why."""


@lru_cache(maxsize=4096)
def compiled(pattern: str) -> Any:
    """The RE2 program for `pattern` (cached); `PatternError` if RE2 cannot compile it."""
    try:
        return re2.compile(pattern, _OPTIONS)
    except re2.error as exc:
        reason = exc.args[0].decode("utf-8", "replace") if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise PatternError(reason) from None
    except UnicodeEncodeError:
        raise PatternError("the pattern holds a lone surrogate (not a character)") from None


def pattern_error(pattern: str) -> str | None:
    """Why `pattern` cannot be used, or None if it can."""
    try:
        compiled(pattern)
    except PatternError as exc:
        return str(exc)
    return None


def search(pattern: str, text: str) -> bool:
    """Whether `pattern` matches anywhere in `text` (JSON Schema semantics: unanchored)."""
    return compiled(pattern).search(text) is not None


def _pattern(validator: Validator, pattern: str, instance: Any, schema: Mapping[str, Any]) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and not search(pattern, instance):
        yield ValidationError(f"{excerpt(instance)} does not match {excerpt(pattern)}")


def _pattern_properties(
    validator: Any, patterns: Mapping[str, Any], instance: Any, schema: Mapping[str, Any]
) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in patterns.items():
        for key, value in instance.items():
            if search(pattern, key):
                yield from validator.descend(value, subschema, path=key, schema_path=pattern)


def format_checker() -> FormatChecker:
    """jsonschema's format checks, with `regex` meaning "RE2 can compile it"."""
    checker = FormatChecker()

    @checker.checks("regex", raises=PatternError)
    def is_regex(instance: object) -> bool:
        if isinstance(instance, str):
            compiled(instance)
        return True

    return checker


FORMATS = format_checker()


@cache
def linear(cls: type[Validator]) -> type[Validator]:
    """`cls` (a jsonschema validator class) with every regular expression run by RE2."""
    validators = {"pattern": _pattern, "patternProperties": _pattern_properties}
    extended: type[Validator] = extend(cls, validators=validators, format_checker=FORMATS)  # type: ignore[no-untyped-call]
    return extended
