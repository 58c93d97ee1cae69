"""Short quotations of user input for error messages: enough to find the place, never the whole input.

A message that echoes what it refuses can flood a terminal (a 100 KB guard) or
leak a file that was never meant to be shown (`procflow validate /etc/shadow`).
Every message that quotes input quotes it through here.
"""

from __future__ import annotations

from typing import Any

from jsonschema import ValidationError

MAX_EXCERPT = 60
MAX_MESSAGE = 240


def excerpt(value: Any, limit: int = MAX_EXCERPT) -> str:
    """A quoted rendering of `value` of at most about `limit` characters, saying how long the whole is."""
    text = repr(value)
    if len(text) <= limit:
        return text
    size = len(value) if isinstance(value, (str, list, dict)) else len(text)
    return f"{text[: limit - 1]}… ({size} long)"


def clipped(text: str, limit: int = MAX_MESSAGE) -> str:
    """`text` cut to `limit` characters, saying how much was left out."""
    return text if len(text) <= limit else f"{text[: limit - 1]}… ({len(text) - limit + 1} more characters)"


def short_message(error: ValidationError) -> str:
    """jsonschema's message with the offending value as a short excerpt, and the whole bounded in length."""
    if len(error.message) > MAX_MESSAGE and error.validator == "additionalProperties":
        extra = _unexpected_keys(error)
        if extra:
            more = f" and {len(extra) - 3} more" if len(extra) > 3 else ""
            return f"fields not allowed here: {', '.join(excerpt(key, 40) for key in extra[:3])}{more}"
    shown, short = repr(error.instance), excerpt(error.instance)
    return clipped(error.message.replace(shown, short) if shown != short else error.message)


def _unexpected_keys(error: ValidationError) -> list[str]:
    schema = error.schema if isinstance(error.schema, dict) else {}
    if not isinstance(error.instance, dict) or "patternProperties" in schema:
        return []
    return [key for key in error.instance if key not in schema.get("properties", {})]
