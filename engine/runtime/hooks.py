"""Side effects registered in Python, run after a change is committed.

YAML never names code. A hook that raises is logged and reported, never rolls
back or corrupts the case: the change it reacts to is already durable.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import get_args

from ..records import Case, Event, EventKind

Hook = Callable[[Event, Case], None]
KINDS = (*get_args(EventKind), "*")
log = logging.getLogger("procflow.hooks")


@dataclass(frozen=True)
class HookFailure:
    hook: str
    event: Event
    error: BaseException


class Hooks:
    def __init__(self) -> None:
        self._hooks: dict[str, list[Hook]] = {kind: [] for kind in KINDS}
        self.failures: list[HookFailure] = []

    def on(self, kind: str, hook: Hook) -> Hook:
        """Call `hook(event, case)` after each committed event of `kind` ('*' for all)."""
        if kind not in self._hooks:
            raise ValueError(f"unknown hook kind {kind!r}; known: {', '.join(KINDS)}")
        self._hooks[kind].append(hook)
        return hook

    def run(self, events: Sequence[Event], case: Case) -> None:
        for event in events:
            for hook in (*self._hooks[event.kind], *self._hooks["*"]):
                try:
                    hook(event, case)
                except Exception as exc:
                    name = getattr(hook, "__qualname__", repr(hook))
                    log.error("hook %s failed on %s of case %s: %s", name, event.kind, case.id, exc, exc_info=exc)
                    self.failures.append(HookFailure(name, event, exc))
