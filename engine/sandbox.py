"""The Jinja2 sandbox shared by guard expressions and document templates.

On top of Jinja's `SandboxedEnvironment` (no Python internals), it bounds the
operators that can build huge values (`*`, `**`, `+`, `%` formatting) and reads
mappings by key only, so a document field named `items` or `keys` is the
field, never the dict method.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

MAX_REPEAT = 10_000
MAX_EXPONENT = 64
MAX_BITS = 4096
MAX_SUM_LENGTH = 1_000_000  # `+` may join text or lists up to this length (doubling in a loop stops here)


class BoundedSandbox(SandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**", "%", "+"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "+":
            sized = isinstance(left, (str, list, tuple)) and isinstance(right, (str, list, tuple))
            if sized and len(left) + len(right) > MAX_SUM_LENGTH:
                raise SecurityError(f"joining values longer than {MAX_SUM_LENGTH} in all is not allowed")
            return left + right
        if operator == "**":
            if isinstance(right, (int, float)) and abs(right) > MAX_EXPONENT:
                raise SecurityError(f"exponent {right} is larger than {MAX_EXPONENT}")
            if isinstance(left, int) and isinstance(right, int) and left.bit_length() * right > MAX_BITS:
                raise SecurityError("the power is too large")
            return left**right
        if operator == "*":
            for seq, count in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(count, int) and len(seq) * count > MAX_REPEAT:
                    raise SecurityError(f"repeating a value {count} times is not allowed")
            return left * right
        if isinstance(left, str):
            raise SecurityError("string formatting with % is not allowed")
        return left % right

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        """`'…'.format(…)` can pad a value to any width: refuse it outright."""
        if getattr(value, "__name__", None) in ("format", "format_map") and isinstance(
            getattr(value, "__self__", None), str
        ):

            def refuse(*args: Any, **kwargs: Any) -> str:
                raise SecurityError("str.format is not allowed; build text with ~ and filters")

            return refuse
        return None

    def getattr(self, obj: Any, attribute: str) -> Any:
        if isinstance(obj, Mapping):
            if attribute in obj:
                return obj[attribute]
            return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)
